"""The Slack fake's Socket Mode websocket (envelopes, acks) and response_url endpoint."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from .wire import ResponseUrlPost


class SocketModeMixin:
    """Socket Mode and response_url."""

    # ---------------------------------------------------------------- Socket Mode

    @property
    def socket_connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def socket_wait_connected(self, timeout: float = 5.0, *, total: int | None = None) -> None:
        """Wait for an open Socket Mode connection (and ``total`` connections ever, if given)."""
        deadline = time.monotonic() + timeout
        while not (self.socket_connected and (total is None or self.socket_connection_count >= total)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no Socket Mode connection (connections so far: {self.socket_connection_count})")
            await asyncio.sleep(0.01)

    async def socket_send(
        self,
        payload_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Send an envelope (``events_api``/``slash_commands``/``interactive``); returns its id.

        Waits up to ``timeout`` for a client to be connected. ``accepts_response_payload``
        defaults to Slack's behaviour: false for ``events_api`` and ``block_actions``.
        """
        await self.socket_wait_connected(timeout)
        ws = [w for w in self._sockets if not w.closed][-1]
        if accepts_response_payload is None:
            accepts_response_payload = payload_type != "events_api" and payload.get("type") != "block_actions"
        envelope_id = envelope_id or str(uuid.uuid4())
        self._ack_future(envelope_id)
        envelope = {
            "envelope_id": envelope_id,
            "type": payload_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        await ws.send_str(json.dumps(envelope))
        return envelope_id

    async def socket_ack(self, envelope_id: str, timeout: float = 5) -> dict[str, Any]:
        """Wait for the client's ack ``{"envelope_id": ..., "payload": ...}`` and return it."""
        fut = self._ack_future(envelope_id)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError as exc:
            raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout}s") from exc

    def socket_disconnect(self, reason: str = "refresh_requested") -> asyncio.Task[None]:
        """Send ``{"type": "disconnect", "reason": ...}`` to the open connections.

        Returns a task, so it may be awaited or fired and forgotten.
        """
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake-1"}}

        async def _send() -> None:
            for ws in [w for w in self._sockets if not w.closed]:
                await ws.send_str(json.dumps(message))

        return asyncio.get_running_loop().create_task(_send())

    async def socket_close(self) -> None:
        """Drop all Socket Mode connections abruptly (server-side close)."""
        for ws in list(self._sockets):
            await ws.close()

    def _ack_future(self, envelope_id: str) -> asyncio.Future[dict[str, Any]]:
        fut = self._acks.get(envelope_id)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._acks[envelope_id] = fut
        return fut

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid or used ticket")
        ws = web.WebSocketResponse(autoping=True)
        if not ws.can_prepare(request).ok:
            return web.Response(status=426, text="websocket upgrade required")
        self._tickets.discard(ticket)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connection_count += 1
        number = self.socket_connection_count
        self.socket_events.append((time.monotonic(), "open", number))
        try:
            await ws.send_str(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": sum(1 for w in self._sockets if not w.closed),
                        "debug_info": {
                            "host": "applink-fake-1",
                            "build_number": 1,
                            "approximate_connection_time": 18060,
                        },
                        "connection_info": {"app_id": request.query.get("app_id", self.app_id)},
                    }
                )
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                self.socket_received.append(data)
                eid = data.get("envelope_id") if isinstance(data, dict) else None
                if eid:
                    fut = self._ack_future(eid)
                    if not fut.done():
                        fut.set_result(data)
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            self.socket_events.append((time.monotonic(), "closed", number))
        return ws

    # ---------------------------------------------------------------- response_url

    async def _response_url_handler(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body: Any
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.responses.append(ResponseUrlPost(request.match_info["rid"], body, dict(request.headers)))
        if self._call_event is not None:
            self._call_event.set()
        return web.json_response({"ok": True})

