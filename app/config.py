"""Settings, read once at start from `GATEWAY_*` environment variables."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set; see the configuration table in README.md."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./data/orders.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    auto_migrate: bool = True
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_query_depth: int = Field(default=12, ge=2)
    max_query_cost: int = Field(default=8000, ge=1)
    max_query_aliases: int = Field(default=20, ge=0)
    max_root_fields: int = Field(default=20, ge=1)
    rate_limit_capacity: int = Field(default=40000, ge=1)
    rate_limit_per_second: float = Field(default=4000, gt=0)
    persisted_queries: int = Field(default=1000, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    db_statement_timeout_ms: int | None = Field(default=None, ge=1)
    response_cache_mb: int = Field(default=32, ge=0)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics: bool = True
    cors_origins: str = ""  # comma-separated; `*` allows any origin
    shutdown_timeout_s: float = Field(default=30, gt=0)
    events_poll_ms: int = Field(default=150, ge=10)
    events_queue_size: int = Field(default=1000, ge=1)
    ws_keep_alive_s: float = Field(default=15, gt=0)
    ws_key_check_s: float = Field(default=1, gt=0)
    public_introspection: bool | None = None  # None: on in open local mode, off once keys exist
    wix_api_key: str | None = None  # with wix_site_id: switches the Wix backend on
    wix_site_id: str | None = None
    wix_base_url: str = "https://www.wixapis.com"
    wix_webhook_public_key: str | None = None  # PEM text, or @path of a PEM file
    wix_connect_timeout_s: float = Field(default=5, gt=0)
    wix_read_timeout_s: float = Field(default=15, gt=0)
    wix_retries: int = Field(default=3, ge=1, le=10)

    @property
    def wix_enabled(self) -> bool:
        """The Wix backend is on when both its API key and its site id are set."""
        return bool(self.wix_api_key and self.wix_site_id)

    # Retailys (/System/Orders): on when the token is set; see "Retailys backend" in README.md
    system_token: str | None = None
    system_base_url: str = "https://api.retailys.com/v1"
    system_shippers: str = ""  # provider=shipper_id,...
    system_history_types: str = "NOTE=order,ORDER_CANCELED=status"  # HistoryKind=type,...
    system_poll_s: float = Field(default=5, gt=0)
    system_rescan_s: float = Field(default=60, gt=0)
    system_callback_url: str | None = None  # the public URL of POST /webhooks/system, to register
    system_rate_limit: float = Field(default=80, gt=0, le=95)
    system_timeout_s: float = Field(default=10, gt=0)
    system_cache_s: float = Field(default=2, ge=0)

    @property
    def system_enabled(self) -> bool:
        """The Retailys backend is on when its token is set."""
        return bool(self.system_token)

    @property
    def allowed_origins(self) -> frozenset[str]:
        """The origins of `cors_origins` (empty: no CORS)."""
        return frozenset(origin.strip() for origin in self.cors_origins.split(",") if origin.strip())

    @model_validator(mode="after")
    def _bucket_holds_a_query(self) -> Self:
        if self.rate_limit_capacity < self.max_query_cost:
            raise ValueError("GATEWAY_RATE_LIMIT_CAPACITY must be at least GATEWAY_MAX_QUERY_COST")
        return self
