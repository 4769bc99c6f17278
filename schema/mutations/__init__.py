"""The Mutation type, assembled from one module per group of operations; every field is audited."""

from __future__ import annotations

import strawberry
from strawberry.types.base import get_object_definition

from schema.audit import AuditedMutation
from schema.mutations.fulfillments import FulfillmentMutations
from schema.mutations.line_items import LineItemMutations
from schema.mutations.orders import OrderMutations
from schema.mutations.payments import PaymentMutations


@strawberry.type
class Mutation(OrderMutations, LineItemMutations, PaymentMutations, FulfillmentMutations):
    pass


# Attached here, to each field of the assembled type, so that no mutation can be left out of the audit.
for _field in get_object_definition(Mutation, strict=True).fields:
    _field.extensions.append(AuditedMutation())
