"""Benchmark harness and the peer implementations it compares; never deployed."""
