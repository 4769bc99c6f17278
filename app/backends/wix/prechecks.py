"""The domain's checks that need no order, run before anything is read from Wix.

The rules that look at the order (its status, lines, payments) need it read first; these need only the
input, so an input they refuse costs no upstream call at all. The full rules run again on the order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.domain import rules
from app.domain import tracking as tracking_rules
from app.domain.errors import DomainError, ErrorCode, invalid

if TYPE_CHECKING:
    from collections.abc import Sequence

    from app.domain.commands import PaymentDraft
    from app.domain.model import TrackingInfo


def history(message: str) -> None:
    try:
        rules.history_message(message)
    except DomainError as err:
        raise err.at("input") from None


def tracking(info: TrackingInfo) -> None:
    try:
        tracking_rules.checked(info)
    except DomainError as err:
        raise err.at("input") from None


def reason(text: str | None) -> None:
    rules.text(text, "reason", limit=rules.TEXT_MAX)


def payments(drafts: Sequence[PaymentDraft]) -> None:
    """1..50 payments, as `app.domain.payments.add` requires."""
    if not drafts:
        raise invalid("give at least one payment", "payments")
    if len(drafts) > rules.MAX_PAYMENTS_PER_CALL:
        raise DomainError(
            f"at most {rules.MAX_PAYMENTS_PER_CALL} payments at once", ("payments",), ErrorCode.LIMIT_EXCEEDED
        )
