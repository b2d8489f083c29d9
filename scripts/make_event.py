#!/usr/bin/env python3
"""Turn an image file into a Lambda event for `sls invoke local` (see --help)."""

import sys

from classifier_devtools.events import main

if __name__ == "__main__":
    sys.exit(main())
