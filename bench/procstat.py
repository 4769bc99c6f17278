"""CPU time and memory of a process, read from /proc (Linux only)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcSample:
    """A process's user+system CPU seconds so far and its resident set size."""

    cpu_s: float
    rss_kib: int


def sample(pid: int) -> ProcSample:
    """Reads /proc/<pid>/stat (utime, stime) and /proc/<pid>/status (VmRSS)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # fields[0] is field 3 (state) of proc(5)
    utime, stime = int(fields[11]), int(fields[12])
    rss_kib = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kib = int(line.split()[1])
    return ProcSample(cpu_s=(utime + stime) / _CLOCK_TICKS, rss_kib=rss_kib)
