#!/usr/bin/env python3
"""Print EfficientNet-Lite's ImageNet top-5 for images (see --help): are the weights real?"""

import sys

from classifier_training.check_weights import main

if __name__ == "__main__":
    sys.exit(main())
