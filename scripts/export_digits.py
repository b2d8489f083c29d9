#!/usr/bin/env python3
"""Write scikit-learn's digits as PNG files, one folder per class (see --help)."""

import sys

from classifier_devtools.digits import main

if __name__ == "__main__":
    sys.exit(main())
