#!/usr/bin/env python3
"""Classify the images already in a bucket with an S3 Batch Operations job (see --help)."""

import sys

from classifier_ops.backfill import main

if __name__ == "__main__":
    sys.exit(main())
