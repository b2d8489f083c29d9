#!/usr/bin/env python3
"""Audit a folder-per-class image set before training (see --help); code in classifier_training."""

import sys

from classifier_training.audit.cli import main

if __name__ == "__main__":
    sys.exit(main())
