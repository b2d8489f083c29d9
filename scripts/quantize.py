#!/usr/bin/env python3
"""Static int8 QDQ quantisation of a model directory, kept only if accuracy holds (see --help)."""

import sys

from classifier_training.quantize import main

if __name__ == "__main__":
    sys.exit(main())
