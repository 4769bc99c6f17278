"""A test key pair standing in for Wix's webhook signing key, and webhooks signed with it."""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def key_pair() -> tuple[rsa.RSAPrivateKey, str]:
    """A fresh RSA private key and its public key as PEM text."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, pem.decode()


def envelope(event_id: str, entity_id: str, **event: Any) -> dict[str, Any]:
    """A Wix event envelope (`createdEvent`, `updatedEvent` or `actionEvent` given by keyword)."""
    return {
        "id": event_id,
        "entityFqdn": "wix.ecom.v1.order",
        "entityId": entity_id,
        "eventTime": "2026-11-01T10:00:00.000Z",
        **event,
    }


def webhook(
    private: rsa.RSAPrivateKey, event_type: str, env: dict[str, Any], algorithm: str = "RS256"
) -> str:
    """The body Wix POSTs: a JWT whose `data` claim holds the event as a JSON string."""
    data = {"eventType": event_type, "instanceId": "instance-1", "data": json.dumps(env), "identity": "{}"}
    return jwt.encode({"data": json.dumps(data)}, private, algorithm=algorithm)
