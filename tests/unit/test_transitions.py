"""The order lifecycle table and which operations terminal statuses still allow."""

from __future__ import annotations

from itertools import product

import pytest

from app.domain.errors import DomainError, ErrorCode
from app.domain.model import OrderStatus
from app.domain.transitions import TERMINAL, Operation, check_allowed, check_transition

S = OrderStatus
ALLOWED = {
    (S.INITIALIZED, S.APPROVED),
    (S.INITIALIZED, S.CANCELED),
    (S.APPROVED, S.COMPLETED),
    (S.APPROVED, S.CANCELED),
}
ALL_PAIRS = list(product(OrderStatus, OrderStatus))


def test_every_pair_is_covered() -> None:
    assert len(ALL_PAIRS) == 16
    assert set(ALL_PAIRS) >= ALLOWED


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transitions(current: OrderStatus, target: OrderStatus) -> None:
    assert check_transition(current, target) is None


@pytest.mark.parametrize(("current", "target"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_every_other_transition_is_refused(current: OrderStatus, target: OrderStatus) -> None:
    with pytest.raises(DomainError) as exc:
        check_transition(current, target)
    assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert str(current) in exc.value.message
    assert str(target) in exc.value.message


def test_terminal_statuses() -> None:
    assert frozenset({S.COMPLETED, S.CANCELED}) == TERMINAL


CANCELED_ALLOWS = {Operation.HISTORY, Operation.CUSTOM_STATUS, Operation.PAYMENT_STATUS, Operation.REFUND}
COMPLETED_REFUSES = {Operation.LINE_ITEMS, Operation.CREATE_FULFILLMENT, Operation.DELETE_FULFILLMENT}


@pytest.mark.parametrize("operation", sorted(CANCELED_ALLOWS))
def test_canceled_allows_history_status_and_money_corrections(operation: Operation) -> None:
    assert check_allowed(S.CANCELED, operation) is None


@pytest.mark.parametrize("operation", [op for op in Operation if op not in CANCELED_ALLOWS])
def test_canceled_refuses_everything_else(operation: Operation) -> None:
    with pytest.raises(DomainError) as exc:
        check_allowed(S.CANCELED, operation)
    assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert "CANCELED" in exc.value.message


@pytest.mark.parametrize("operation", sorted(COMPLETED_REFUSES))
def test_completed_refuses_line_items_and_fulfillment_creation_or_deletion(operation: Operation) -> None:
    with pytest.raises(DomainError) as exc:
        check_allowed(S.COMPLETED, operation)
    assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert "COMPLETED" in exc.value.message


@pytest.mark.parametrize("operation", [op for op in Operation if op not in COMPLETED_REFUSES])
def test_completed_allows_the_rest(operation: Operation) -> None:
    assert check_allowed(S.COMPLETED, operation) is None


@pytest.mark.parametrize(("status", "operation"), list(product([S.INITIALIZED, S.APPROVED], Operation)))
def test_open_orders_allow_every_operation(status: OrderStatus, operation: Operation) -> None:
    assert check_allowed(status, operation) is None
