"""The contract's enums: the domain's own enums, registered with Strawberry under the contract's names."""

from __future__ import annotations

from enum import Enum

import strawberry

from app.domain import model
from app.domain.errors import ErrorCode
from app.domain.listing import SortField

OrderStatus = model.OrderStatus
PaymentStatus = model.PaymentStatus
FulfillmentStatus = model.FulfillmentStatus
DeliveryStatus = model.DeliveryStatus
TransactionStatus = model.TransactionStatus
ShipmentStatus = model.ShipmentStatus
HistoryKind = model.HistoryKind
OrderEventType = model.EventType
UserErrorCode = ErrorCode
OrderSortField = SortField

for _enum, _name in (
    (OrderStatus, "OrderStatus"),
    (PaymentStatus, "PaymentStatus"),
    (FulfillmentStatus, "FulfillmentStatus"),
    (DeliveryStatus, "DeliveryStatus"),
    (TransactionStatus, "TransactionStatus"),
    (ShipmentStatus, "ShipmentStatus"),
    (HistoryKind, "HistoryKind"),
    (OrderEventType, "OrderEventType"),
    (UserErrorCode, "UserErrorCode"),
    (OrderSortField, "OrderSortField"),
):
    strawberry.enum(_enum, name=_name)


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"
