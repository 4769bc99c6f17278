"""The backends that are switched on, by source name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.domain.errors import invalid

if TYPE_CHECKING:
    from collections.abc import Iterable

    from app.backends.base import OrderBackend


class BackendRegistry:
    """Looks backends up by the `source` a client names or an id carries."""

    def __init__(self, backends: Iterable[OrderBackend]) -> None:
        self._by_name = {backend.name: backend for backend in backends}

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def find(self, source: str | None) -> OrderBackend | None:
        return self._by_name.get(source) if source else None

    def get(self, source: str, *field: str) -> OrderBackend:
        """The backend called `source`; INVALID (at `field`) when no such backend is on."""
        backend = self._by_name.get(source)
        if backend is None:
            raise invalid(f"unknown source {source[:50]!r}; configured: {', '.join(self._by_name)}", *field)
        return backend
