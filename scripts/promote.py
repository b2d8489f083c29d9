#!/usr/bin/env python3
"""Copy a DVC pipeline run to model/ after checking its card (see --help and docs/dvc.md)."""

import sys

from classifier_training.promote import main

if __name__ == "__main__":
    sys.exit(main())
