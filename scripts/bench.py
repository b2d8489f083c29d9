#!/usr/bin/env python3
"""Benchmark against Keras and LiteRT and write BENCHMARKS.md (see --help)."""

import sys

from classifier_bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
