#!/usr/bin/env python3
"""Train a model and write model/ (see --help); the pipeline lives in classifier_training."""

import sys

from classifier_training.cli import main

if __name__ == "__main__":
    sys.exit(main())
