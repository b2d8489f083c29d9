#!/usr/bin/env python3
"""Chaos run of the S3 path against moto's server on 127.0.0.1 (see --help)."""

import sys

from classifier_devtools.chaos.cli import main

if __name__ == "__main__":
    sys.exit(main())
