#!/usr/bin/env python3
"""Write EfficientNet-Lite's ImageNet classifier as a model folder (see --help)."""

import sys

from classifier_training.imagenet_export import main

if __name__ == "__main__":
    sys.exit(main())
