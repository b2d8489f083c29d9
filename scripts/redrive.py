#!/usr/bin/env python3
"""Replay the failed upload events in the dead-letter queue (see --help)."""

import sys

from classifier_ops.redrive import main

if __name__ == "__main__":
    sys.exit(main())
