#!/usr/bin/env python3
"""Pull the uploads the function was unsure of into review/<label>/ (see --help)."""

import sys

from classifier_ops.review_queue import main

if __name__ == "__main__":
    sys.exit(main())
