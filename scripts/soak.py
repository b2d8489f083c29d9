#!/usr/bin/env python3
"""Many mixed requests through one warm handler; reports RSS growth (see --help)."""

import sys

from classifier_bench.soak import main

if __name__ == "__main__":
    sys.exit(main())
