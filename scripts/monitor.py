#!/usr/bin/env python3
"""Drift report of a deployment's results against the model card (see --help); the report
lives in classifier_ops.monitor."""

import sys

from classifier_ops.monitor import main

if __name__ == "__main__":
    sys.exit(main())
