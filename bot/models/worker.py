"""The worker's lease: which worker process last held the singleton lock, and when the database last saw it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel


class WorkerLease(SQLModel, table=True):
    """One row per singleton (the `worker`): its holder confirms it every second or so (PostgreSQL only).

    The advisory lock says who may run; this row says until when the previous holder may still be running after
    its lock vanished with its connection, so a standby waits for that before starting its own scheduler and
    gateways. `released` is set by a holder that stopped cleanly: nothing to wait for then.
    """

    __tablename__ = "worker_lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=200)
    seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    released: bool = Field(default=False)
