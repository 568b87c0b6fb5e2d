"""The machine a benchmark ran on: CPU model, cores and cache sizes, printed beside ratios.

Ratios from different machines must never be compared as if they were one; every
benchmark prints this line first. The benchmarks also share their stopwatch here.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what platform knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def caches() -> str:
    """L1d, L2 and L3 sizes of CPU 0 from sysfs, e.g. "L1d 32K, L2 512K, L3 32768K"."""
    root = Path("/sys/devices/system/cpu/cpu0/cache")
    found = []
    for index in sorted(root.glob("index*")):
        kind = (index / "type").read_text().strip()
        if kind == "Instruction":
            continue
        level = (index / "level").read_text().strip()
        size = (index / "size").read_text().strip()
        found.append(f"L{level}{'d' if kind == 'Data' else ''} {size}")
    return ", ".join(found) or "cache sizes unknown"


def describe() -> str:
    return f"CPU: {cpu_model()}; {os.cpu_count()} logical cores; per core: {caches()}"


def seconds(f: Callable[[], object]) -> float:
    """The wall-clock time of one call of f."""
    start = time.perf_counter()
    f()
    return time.perf_counter() - start
