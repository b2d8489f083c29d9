"""BENCHMARKS.md and its chart, rendered from a run's typed results and verdicts."""
