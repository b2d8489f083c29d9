#!/usr/bin/env python3
"""Check the EfficientNet-Lite port against the official checkpoints' outputs (see --help)."""

import sys

from classifier_training.port_check import main

if __name__ == "__main__":
    sys.exit(main())
