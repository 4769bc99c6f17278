"""Wix JSON → domain objects, for the shapes the emulator does not produce (gift cards, memberships,
refunds, other fulfillment statuses, activities, street addresses)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.backends.wix import from_wix
from app.domain.errors import UpstreamError
from app.domain.model import (
    DeliveryStatus,
    HistoryKind,
    PaymentStatus,
    ShipmentStatus,
    TransactionStatus,
)

T = "2026-11-01T10:00:00.000Z"


def test_payments_of_every_kind_and_their_refunds() -> None:
    transactions = {
        "orderId": "o1",
        "payments": [
            {
                "id": "p1",
                "createdDate": T,
                "amount": {"amount": "30.00"},
                "regularPaymentDetails": {
                    "paymentMethod": "CreditCard",
                    "status": "PENDING_MERCHANT",
                    "providerTransactionId": "tx-1",
                },
            },
            {
                "id": "p2",
                "createdDate": T,
                "amount": {"amount": "10"},
                "giftcardPaymentDetails": {"voided": True},
            },
            {
                "id": "p3",
                "createdDate": T,
                "amount": {"amount": "5.5"},
                "membershipPaymentDetails": {"status": "CHARGE_FAILED"},
            },
            {
                "id": "p4",
                "createdDate": T,
                "amount": {"amount": "20.00"},
                "regularPaymentDetails": {"offlinePayment": True, "status": "APPROVED"},
            },
        ],
        "refunds": [
            {
                "id": "r1",
                "transactions": [
                    {"paymentId": "p4", "amount": {"amount": "5.00"}, "refundStatus": "SUCCEEDED"},
                    {"paymentId": "p4", "amount": {"amount": "7.00"}, "refundStatus": "FAILED"},
                ],
            }
        ],
    }
    p1, p2, p3, p4 = from_wix.payments(transactions)
    assert (p1.method, p1.status, p1.provider_transaction_id) == (
        "CreditCard",
        TransactionStatus.PENDING,
        "tx-1",
    )
    assert (p2.method, p2.status, p2.amount) == ("GIFT_CARD", TransactionStatus.VOIDED, Decimal("10"))
    assert (p3.method, p3.status) == ("MEMBERSHIP", TransactionStatus.DECLINED)
    assert (p4.method, p4.status, p4.refunded_amount) == (
        "OFFLINE",
        TransactionStatus.APPROVED,
        Decimal("5.00"),
    )
    assert p1.created_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("wix_status", "completed", "expected"),
    [
        ("Pending", False, ShipmentStatus.PENDING),
        ("Accepted", False, ShipmentStatus.PENDING),
        ("Ready", False, ShipmentStatus.PENDING),
        ("In_Delivery", False, ShipmentStatus.SHIPPED),
        ("Fulfilled", False, ShipmentStatus.DELIVERED),
        (None, True, ShipmentStatus.DELIVERED),
    ],
)
def test_fulfillment_statuses(wix_status: str | None, completed: bool, expected: ShipmentStatus) -> None:
    [f] = from_wix.fulfillments(
        [
            {
                "id": "f1",
                "createdDate": T,
                "status": wix_status,
                "completed": completed,
                "lineItems": [{"id": "l1", "quantity": 2}],
            }
        ]
    )
    assert f.status is expected
    assert f.lines[0].quantity == 2


def test_activities_become_history_oldest_first() -> None:
    doc = {
        "activities": [
            {
                "id": "a2",
                "type": "MERCHANT_COMMENT",
                "createdDate": "2026-11-01T10:00:02Z",
                "merchantComment": {"message": "Called"},
                "authorEmail": "m@example.com",
            },
            {"id": "a1", "type": "ORDER_PLACED", "createdDate": "2026-11-01T10:00:01Z"},
            {"id": "a3", "type": "INVOICE_SENT", "createdDate": "2026-11-01T10:00:03Z"},
        ]
    }
    history = from_wix.history(doc)
    assert [(h.kind, h.message, h.author) for h in history] == [
        (HistoryKind.ORDER_CREATED, "Order placed", None),
        (HistoryKind.NOTE, "Called", "m@example.com"),
        (HistoryKind.ORDER_UPDATED, "Invoice sent", None),
    ]


def test_order_header_addresses_balance_and_statuses() -> None:
    doc = {
        "id": "o1",
        "number": 10005,
        "status": "APPROVED",
        "currency": "EUR",
        "createdDate": T,
        "paymentStatus": "FULLY_REFUNDED",
        "fulfillmentStatus": "PARTIALLY_FULFILLED",
        "priceSummary": {"total": {"amount": "12.00"}},
        "recipientInfo": {
            "address": {
                "country": "DE",
                "subdivision": "DE-BE",
                "city": "Berlin",
                "streetAddress": {"name": "Unter den Linden", "number": "5"},
            },
            "contactDetails": {"firstName": "Eva"},
        },
        "appliedDiscounts": [{"discountType": "GLOBAL", "merchantDiscount": {"amount": {"amount": "2.00"}}}],
        "channelInfo": {"type": "OTHER_PLATFORM", "externalOrderId": "ext-9"},
    }
    order = from_wix.order(doc)
    assert order.number == "10005"
    assert order.payment_status is PaymentStatus.FULLY_REFUNDED
    assert (order.balance.paid, order.balance.refunded, order.balance.due) == (0, Decimal("12.00"), 0)
    assert order.delivery_status is DeliveryStatus.PARTIALLY_SHIPPED
    assert order.updated_at == order.created_at
    assert order.shipping_address is not None
    assert (order.shipping_address.line1, order.shipping_address.region) == ("Unter den Linden 5", "BE")
    assert (order.discount, order.external_id) == (Decimal("2.00"), "ext-9")


def test_an_unreadable_document_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="cannot read"):
        from_wix.order(
            {"id": "o1", "number": "1", "status": "SHIPPED_SOMEHOW", "currency": "EUR", "createdDate": T}
        )
    with pytest.raises(UpstreamError):
        from_wix.payments({"payments": [{"id": "p1", "amount": {"amount": "ten"}, "createdDate": T}]})
