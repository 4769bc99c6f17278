"""How long and how hard to measure: the full run and the quick one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Load and data settings shared by every target of a run."""

    name: str
    warmup_s: float
    duration_s: float
    # Request bodies a write scenario cycles through, each on its own 100 pool orders: enough that the
    # orders of one body are not written again while a previous request on them may still be in flight,
    # and that each gains only a few fulfillments over the run.
    write_payloads: int
    connections: int = 8
    orders: int = 200
    seed_concurrency: int = 8
    subscribers: int = 1000
    changes: int = 100
    sizes: tuple[int, ...] = (1_000, 100_000, 1_000_000)  # store sizes the size reads run at


FULL = Profile(name="full", warmup_s=3.0, duration_s=15.0, write_payloads=20)
QUICK = Profile(
    name="quick",
    warmup_s=0.3,
    duration_s=1.0,
    write_payloads=5,
    subscribers=200,
    changes=20,
    sizes=(1_000,),
)
