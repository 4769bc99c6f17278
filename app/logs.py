"""Log output: plain text lines for a person at a terminal, or one JSON object per line for collectors.

Either way each line carries the id of the request it was written for (`-` outside requests). A JSON line
holds `time` (ISO-8601 UTC), `level`, `logger`, `message`, `request_id`, the fields passed as `extra`
(the access log's method, path, status...), and `exception` with the traceback. Nothing logs headers, so
no Authorization value or key reaches a line.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

from app.request_scope import current

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "request_id"}


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served in its context."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request = current()
            record.request_id = request.request_id if request else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry |= {key: value for key, value in record.__dict__.items() if key not in _STANDARD}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return orjson.dumps(entry, default=str).decode()


def configure(level: str, format: str) -> None:
    """Sends every log record to standard error as `format` (`text` or `json`) from `level` up."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
