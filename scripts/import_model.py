#!/usr/bin/env python3
"""Import a Keras, TFLite or ONNX classifier as a servable model/ (see --help)."""

import sys

from classifier_training.importing.cli import main

if __name__ == "__main__":
    sys.exit(main())
