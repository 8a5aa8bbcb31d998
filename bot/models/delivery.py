"""The delivery outbox: one row per message to deliver, per (item, target), sent exactly once."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow


class DeliveryState(enum.StrEnum):
    """Where a delivery is: waiting, being sent (claimed by a sender), done, refused for good, or abandoned."""

    pending = "pending"
    sending = "sending"
    sent = "sent"
    #: The platform refused for a reason retrying cannot fix (`reason`: not in channel, channel gone…).
    failed = "failed"
    #: Retried too often (or past its expiry) without success.
    given_up = "given_up"


#: States a delivery can still leave: a channel's later deliveries wait behind these.
OPEN_STATES = (DeliveryState.pending, DeliveryState.sending)


class Delivery(SQLModel, table=True):
    """One message to one target (a person by direct message, or a conversation) for one item.

    `item` is what is delivered (`practice-review:12:reject`, `broadcast:7`…); `target` names where, as
    `platform:workspace:id` for a conversation or `platform:workspace:@id` for a person. The pair is unique,
    so enqueueing the same item for the same target twice is a no-op. Deliveries to one target are sent in
    the order they were enqueued.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("item", "target", name="uq_delivery_item_target"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
        Index("ix_delivery_target_order", "target", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item: str = Field(max_length=200)
    target: str = Field(max_length=200)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    target_id: str = Field(max_length=64)
    #: To a person by direct message (else a post in a conversation).
    direct: bool = False
    locale: str = Field(default="en", max_length=16)
    #: The neutral reply, composed in `locale`, as JSON (see `bot.services.delivery_store.reply_payload`).
    payload: str = Field(sa_column=Column(Text, nullable=False))
    state: DeliveryState = Field(
        default=DeliveryState.pending,
        sa_column=Column(SAEnum(DeliveryState, name="delivery_state", native_enum=False, length=16),
                         nullable=False),
    )
    #: Why it failed or was given up (a `ChatError` kind, or `expired`), and what the platform said.
    reason: str = Field(default="", max_length=32)
    detail: str = Field(default="", max_length=500)
    attempts: int = 0
    #: An earlier attempt may have reached the platform: check there before posting again.
    maybe_sent: bool = False
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True),
                                                                                nullable=False))
    #: A sender's claim: who holds it and until when; past that, another sender may take the row over.
    claimed_by: str = Field(default="", max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    #: Not sent by then: given up as `expired` (a reminder that is no longer useful).
    expires_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    #: The platform's id of the (first) message once sent.
    message_id: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
