"""The benchmark: driver, workers, peer engines, report and raw results (never deployed)."""
