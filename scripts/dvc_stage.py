#!/usr/bin/env python3
"""The commands of dvc.yaml's stages (see --help and docs/dvc.md); code in classifier_training."""

import sys

from classifier_training.dvc_stages import main

if __name__ == "__main__":
    sys.exit(main())
