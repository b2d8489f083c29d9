"""Resident memory of this process, from /proc (Linux)."""

from __future__ import annotations


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss_mb() -> float:
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    """VmHWM, the high-water mark of this process image (ru_maxrss survives fork and exec)."""
    return _status_mb("VmHWM")
