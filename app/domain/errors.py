"""The domain's exception tree.

    DomainError                 a rule refused the change; nothing was written
      NotFound                  the order, line, payment or status does not exist
      Unsupported               the backend cannot do this operation (or filter)
      UpstreamError             an upstream system failed or refused the call
        PartlyApplied           ... after it applied the first step of the change (`order` is the result)

Each carries a stable `code` (the contract's UserErrorCode), a message and the path of the input at fault.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.domain.model import Order


class ErrorCode(StrEnum):
    """The contract's UserErrorCode values."""

    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    QUANTITY_EXCEEDED = "QUANTITY_EXCEEDED"
    AMOUNT_EXCEEDED = "AMOUNT_EXCEEDED"
    REVISION_MISMATCH = "REVISION_MISMATCH"
    IDEMPOTENCY_MISMATCH = "IDEMPOTENCY_MISMATCH"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    UNSUPPORTED_BY_BACKEND = "UNSUPPORTED_BY_BACKEND"
    UPSTREAM_ERROR = "UPSTREAM_ERROR"


class DomainError(Exception):
    """A rule violation that becomes a `userErrors` entry; the change is not applied."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, field: tuple[str, ...] | None = None, code: ErrorCode | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def at(self, *prefix: str) -> DomainError:
        """The same error with its field path placed under `prefix`."""
        self.field = (*prefix, *(self.field or ()))
        return self


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Unsupported(DomainError):
    code = ErrorCode.UNSUPPORTED_BY_BACKEND


class UpstreamError(DomainError):
    code = ErrorCode.UPSTREAM_ERROR


class PartlyApplied(UpstreamError):
    """The upstream applied the first step of a change and failed the next: `order` is what it holds now."""

    def __init__(self, message: str, field: tuple[str, ...] | None, order: Order):
        super().__init__(message, field)
        self.order = order


def invalid(message: str, *field: str) -> DomainError:
    """An INVALID error at `field`."""
    return DomainError(message, field or None, ErrorCode.INVALID)


def bad_transition(message: str, *field: str) -> DomainError:
    """An INVALID_TRANSITION error."""
    return DomainError(message, field or None, ErrorCode.INVALID_TRANSITION)
