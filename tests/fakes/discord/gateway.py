"""The gateway side of the Discord fake: HELLO/IDENTIFY/RESUME, dispatches, reconnects, member chunks."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import importlib
import json
import secrets
import zlib
from collections.abc import Mapping
from typing import Any

from aiohttp import WSMsgType, web

from .wire import _EVENT_INTENTS, Intents


class _GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: str | None) -> None:
        self.ws = ws
        self.request = request
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd: Any = None
        if compress == "zstd-stream":
            try:
                zstandard: Any = importlib.import_module("zstandard")
            except ImportError:  # the client also accepts plain text frames
                self.compress = None
            else:
                self._zstd = (zstandard.ZstdCompressor().compressobj(), zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        self.identified = False
        self.live = False
        self.lock = asyncio.Lock()

    async def send(self, payload: Mapping[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        if self._zlib is not None:
            data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)
        elif self._zstd is not None:
            compressor, flush_mode = self._zstd
            await self.ws.send_bytes(compressor.compress(text.encode()) + compressor.flush(flush_mode))
        else:
            await self.ws.send_str(text)



class GatewayMixin:
    """The websocket: what a connected client receives and how the fake answers its opcodes."""

    # ------------------------------------------------------------------ gateway: public

    async def dispatch(self, event: str, data: Mapping[str, Any]) -> int | None:
        """Send a dispatch (op 0) to the connected client; returns its sequence number.

        While the client is disconnected the event is kept and replayed on RESUME, as Discord does.
        Returns ``None`` if the client's intents exclude the event (``enforce_intents``)."""
        if self._session_id is None:
            raise RuntimeError("no gateway session: connect a client first (await fake.wait_connected())")
        async with self._gw_lock:
            return await self._dispatch_locked(event, dict(data))

    async def drop_connection(self, code: int | None = 4000) -> None:
        """Close the client's gateway socket (``code=None``: drop TCP without a close frame); it resumes."""
        conn = self._conn
        if conn is None:
            raise RuntimeError("no client connected")
        async with self._gw_lock:
            conn.live = False
            self._conn = None
            self._live.clear()
        if code is None:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        else:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=code, message=b"fake: connection dropped"), 2.0)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and resumes."""
        await self._send_op(7, None)

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (discord.py waits 5 s before re-identifying when not resumable)."""
        if not resumable:
            self._session_id = None
        await self._send_op(9, resumable)

    # ------------------------------------------------------------------ gateway: internals

    async def _send_op(self, op: int, data: Any) -> None:
        conn = self._conn
        if conn is None:
            raise RuntimeError("no client connected")
        async with self._gw_lock:
            await conn.send({"op": op, "d": data, "s": None, "t": None})

    def _deliverable(self, event: str, data: dict[str, Any]) -> bool:
        if not self.enforce_intents or event not in _EVENT_INTENTS:
            return True
        guild_bit, dm_bit = _EVENT_INTENTS[event]
        in_guild = bool(data.get("guild_id")) or event.startswith("GUILD_")
        if not in_guild and "channel_id" in data:
            channel = self.channels.get(int(data["channel_id"]))
            in_guild = bool(channel and channel.get("guild_id"))
        bit = guild_bit if in_guild else dm_bit
        return bit == 0 or bool(self._intents & bit)

    def _filter_content(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        if (
            not self.enforce_intents
            or event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            or self._intents & Intents.MESSAGE_CONTENT
            or not data.get("guild_id")
            or data.get("author", {}).get("id") == self.bot_user["id"]
            or any(u.get("id") == self.bot_user["id"] for u in data.get("mentions", []))
        ):
            return data
        data = copy.deepcopy(data)
        for key in ("content",):
            if key in data:
                data[key] = ""
        for key in ("embeds", "attachments", "components"):
            if key in data:
                data[key] = []
        data.pop("poll", None)
        return data

    async def _dispatch_locked(self, event: str, data: dict[str, Any]) -> int | None:
        if not self._deliverable(event, data):
            return None
        self._seq += 1
        frame = {"op": 0, "s": self._seq, "t": event, "d": self._filter_content(event, data)}
        self._history.append(frame)
        conn = self._conn
        if conn is not None and conn.live:
            try:
                await conn.send(frame)
            except Exception:  # closing socket: the frame stays in the history for RESUME
                conn.live = False
        return self._seq

    def _echo(self, event: str, data: dict[str, Any]) -> None:
        """Send the gateway event Discord emits for a REST action, after the HTTP answer."""
        if not self.echo_events or self._session_id is None:
            return
        payload = copy.deepcopy(data)

        async def send() -> None:
            await asyncio.sleep(0)
            if self._session_id is not None:
                async with self._gw_lock:
                    await self._dispatch_locked(event, payload)

        task = asyncio.get_running_loop().create_task(send())
        self._bg_tasks.add(task)
        task.add_done_callback(self._bg_tasks.discard)

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, compress=False)
        if not ws.can_prepare(request).ok:
            return self._json({"message": "404: Not Found", "code": 0}, status=404)
        await ws.prepare(request)
        query = dict(request.query)
        self.gateway_queries.append(query)
        conn = _GatewayConnection(ws, request, query.get("compress"))
        self._connections.add(conn)
        try:
            if query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"Error while decoding payload.")
                return ws
            old, self._conn = self._conn, conn
            if old is not None:
                old.live = False
            async with self._gw_lock:
                await conn.send(
                    {
                        "op": 10,
                        "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ['["fake-gateway"]']},
                        "s": None,
                        "t": None,
                    }
                )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    payload = json.loads(msg.data.decode())
                else:
                    break
                await self._on_gateway_payload(conn, payload)
        except ConnectionError:
            pass
        finally:
            conn.live = False
            self._connections.discard(conn)
            if self._conn is conn:
                self._conn = None
                self._live.clear()
        return ws

    async def _on_gateway_payload(self, conn: _GatewayConnection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            self.heartbeat_count += 1
            async with self._gw_lock:
                await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._on_identify(conn, data or {})
        elif op == 6:
            await self._on_resume(conn, data or {})
        elif not conn.identified:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
        elif op == 3:
            self.presence_updates.append(data or {})
        elif op == 4:
            pass
        elif op == 8:
            await self._on_request_members(conn, data or {})
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _on_identify(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if conn.identified:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if self.token is not None and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_payloads.append(data)
        self.identify_count += 1
        conn.identified = True
        async with self._gw_lock:
            self._session_id = secrets.token_hex(16)
            self._intents = int(data.get("intents", 0))
            self._seq = 0
            self._history = []
            ready: dict[str, Any] = {
                "v": 10,
                "user": copy.deepcopy(self.bot_user),
                "guilds": [{"id": str(gid), "unavailable": True} for gid in self.guilds],
                "session_id": self._session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "user_settings": {},
                "geo_ordered_rtc_regions": ["fake"],
                "auth_session_id_hash": secrets.token_hex(8),
                "_trace": ['["fake-gateway"]'],
            }
            if "shard" in data:
                ready["shard"] = data["shard"]
            self._conn = conn
            conn.live = True
            await self._dispatch_locked("READY", ready)
            for gid in self.guilds:
                guild = self.guild_payload(gid)
                if self.enforce_intents and not self._intents & Intents.GUILD_MEMBERS:
                    guild["members"] = [m for m in guild["members"] if m["user"]["id"] == self.bot_user["id"]]
                await self._dispatch_locked("GUILD_CREATE", guild)
            self._live.set()

    async def _on_resume(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        self.resume_payloads.append(data)
        if (self.token is not None and data.get("token") != self.token) or data.get("session_id") != self._session_id:
            async with self._gw_lock:
                await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        conn.identified = True
        last_seen = data.get("seq") or 0
        async with self._gw_lock:
            self._conn = conn
            for frame in self._history:
                if frame["s"] > last_seen:
                    await conn.send(frame)
            conn.live = True
            self.resume_count += 1
            await self._dispatch_locked("RESUMED", {"_trace": ['["fake-gateway"]']})
            self._live.set()

    async def _on_request_members(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        gid = int(data["guild_id"])
        members = list(self.members.get(gid, {}).values())
        user_ids = data.get("user_ids")
        if user_ids is not None:
            wanted = {str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            found = [m for m in members if m["user"]["id"] in wanted]
            not_found = sorted(wanted - {m["user"]["id"] for m in found})
        else:
            query = (data.get("query") or "").lower()
            found = [m for m in members if m["user"]["username"].lower().startswith(query)]
            not_found = []
        limit = data.get("limit") or 0
        if limit:
            found = found[:limit]
        chunk = {
            "guild_id": str(gid),
            "members": copy.deepcopy(found),
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": not_found,
        }
        if data.get("presences"):
            chunk["presences"] = []
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        async with self._gw_lock:
            await self._dispatch_locked("GUILD_MEMBERS_CHUNK", chunk)

