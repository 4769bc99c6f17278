"""The Mutation type, assembled from one module per group of operations."""

from __future__ import annotations

import strawberry

from schema.mutations.fulfillments import FulfillmentMutations
from schema.mutations.line_items import LineItemMutations
from schema.mutations.orders import OrderMutations
from schema.mutations.payments import PaymentMutations


@strawberry.type
class Mutation(OrderMutations, LineItemMutations, PaymentMutations, FulfillmentMutations):
    pass
