#!/usr/bin/env python3
"""Grow a class-folder photo set from real photos (see --help); code in classifier_training."""

import sys

from classifier_training.photoset import main

if __name__ == "__main__":
    sys.exit(main())
