"""The in-process leaky bucket, on a clock the test moves by hand."""

from __future__ import annotations

import pytest

from app.limits import InProcessBuckets


class ManualClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def test_a_new_bucket_is_full_and_taking_leaves_the_rest(clock: ManualClock) -> None:
    buckets = InProcessBuckets(100, 10, clock)
    admission = await buckets.take("k", 30)
    assert (admission.admitted, admission.remaining, admission.retry_after) == (True, 70, 0)
    assert await buckets.level("k") == 70
    assert await buckets.level("other") == 100


async def test_a_refusal_takes_nothing_and_says_when_enough_has_leaked_back(clock: ManualClock) -> None:
    buckets = InProcessBuckets(100, 10, clock)
    assert (await buckets.take("k", 95)).admitted
    refused = await buckets.take("k", 30)
    assert (refused.admitted, refused.remaining, refused.retry_after) == (False, 5, 3)
    clock.now += 2.4
    assert not (await buckets.take("k", 30)).admitted
    clock.now += 0.6
    assert (await buckets.take("k", 30)).admitted


async def test_retry_after_is_at_least_one_second(clock: ManualClock) -> None:
    buckets = InProcessBuckets(100, 1000, clock)
    await buckets.take("k", 100)
    assert (await buckets.take("k", 1)).retry_after == 1


async def test_refill_stops_at_capacity_and_so_do_points_given_back(clock: ManualClock) -> None:
    buckets = InProcessBuckets(100, 10, clock)
    await buckets.take("k", 50)
    clock.now += 3
    assert await buckets.level("k") == 80
    assert await buckets.give_back("k", 15) == 95
    assert await buckets.give_back("k", 15) == 100
    clock.now += 60
    assert await buckets.level("k") == 100


async def test_buckets_are_separate(clock: ManualClock) -> None:
    buckets = InProcessBuckets(10, 1, clock)
    await buckets.take("a", 10)
    assert not (await buckets.take("a", 1)).admitted
    assert (await buckets.take("b", 10)).admitted


def test_a_bucket_needs_room_and_a_refill_rate() -> None:
    with pytest.raises(ValueError, match="capacity"):
        InProcessBuckets(0, 1)
    with pytest.raises(ValueError, match="refill"):
        InProcessBuckets(1, 0)
