"""The WebSocket side of /graphql.

Messages go out as text frames, as both subprotocols require (Strawberry would send orjson's bytes as
binary frames, which browsers' and Node's graphql-ws clients cannot read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from aiohttp import WSMsgType
from strawberry.aiohttp.views import AiohttpWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected

if TYPE_CHECKING:
    from collections.abc import Mapping


class TextWebSocketAdapter(AiohttpWebSocketAdapter):
    """Sends every message as one text frame of the view's (orjson) encoding."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_frame(cast("bytes", self.view.encode_json(message)), WSMsgType.TEXT)
        except (RuntimeError, ConnectionError) as exc:  # closed, or the peer went away mid-send
            raise WebSocketDisconnected from exc
