"""The Slack↔Discord bridge: a cluster's channels on every platform are one conversation (see `service`)."""

from bot.services.bridge.ports import CopiesFor, CopyPosting
from bot.services.bridge.service import ITEM, NOTE_ITEM, Bridge
from bot.services.bridge.store import BridgeStore, Link, Origin

__all__ = ["ITEM", "NOTE_ITEM", "Bridge", "BridgeStore", "CopiesFor", "CopyPosting", "Link", "Origin"]
