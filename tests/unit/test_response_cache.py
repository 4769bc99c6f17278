"""The response cache's bookkeeping: versions, and the bound on what it holds."""

from __future__ import annotations

from schema.response_cache import KeptAnswer, ResponseCache

COST = {"cost": {"requested": 1, "actual": 1, "limit": 10}}


class Store:
    """A data version that tests move by hand."""

    def __init__(self) -> None:
        self.version: int | None = 1

    def __call__(self) -> int | None:
        return self.version


def kept(version: int | None, size: int = 10) -> KeptAnswer:
    return KeptAnswer(version, b"x" * size, COST, "q")


def test_an_answer_is_served_only_at_the_version_it_was_computed_at() -> None:
    store = Store()
    cache = ResponseCache(store, max_bytes=1000)
    cache.keep((None, b"a"), kept(1))
    assert cache.get((None, b"a")) == kept(1)
    assert cache.get(("key", b"a")) is None  # another key's answer is its own
    store.version = 2
    assert cache.get((None, b"a")) is None
    assert len(cache) == 0  # a stale answer is dropped when met


def test_an_answer_computed_before_a_change_or_without_a_version_is_not_kept() -> None:
    store = Store()
    cache = ResponseCache(store, max_bytes=1000)
    store.version = 2
    cache.keep((None, b"a"), kept(1))
    store.version = None
    cache.keep((None, b"b"), kept(None))
    assert len(cache) == 0


def test_the_least_recently_used_answers_go_first_past_the_bound() -> None:
    cache = ResponseCache(Store(), max_bytes=35)
    for body in (b"a", b"b", b"c"):
        cache.keep((None, body), kept(1))  # 11 bytes each
    assert cache.get((None, b"a")) is not None  # now the most recently used
    cache.keep((None, b"d"), kept(1))
    assert [cache.get((None, body)) is not None for body in (b"a", b"b", b"c", b"d")] == [
        True,
        False,
        True,
        True,
    ]
    cache.keep((None, b"huge"), kept(1, size=100))  # over the bound alone: not kept, nothing evicted
    assert len(cache) == 3
