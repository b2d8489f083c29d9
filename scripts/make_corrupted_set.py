#!/usr/bin/env python3
"""Copy a folder-per-class image set with injected defects and a manifest (see --help)."""

import sys

from classifier_training.audit.corruption import main

if __name__ == "__main__":
    sys.exit(main())
