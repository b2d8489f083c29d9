#!/bin/sh
# Prints the Python to build the project with: $PYTHON if set, else the first of python3.13,
# python3.12, python3.11 and python3 that is a supported version (3.11 to 3.13). On failure it
# prints one line saying what to install, and exits 1.
version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }
supported() { case "$(version "$1")" in 3.11 | 3.12 | 3.13) return 0 ;; *) return 1 ;; esac; }

if [ -n "${PYTHON:-}" ]; then
  if supported "$PYTHON"; then echo "$PYTHON"; exit 0; fi
  echo "PYTHON=$PYTHON is not Python 3.11, 3.12 or 3.13: install one of those and point PYTHON at it."
  exit 1
fi
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && supported "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done
echo "No supported Python found: install Python 3.11, 3.12 or 3.13 (or set PYTHON=/path/to/python3.x)."
exit 1
