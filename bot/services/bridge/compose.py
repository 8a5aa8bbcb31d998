"""What a copy says: the author's words with every mention written as a plain name (nobody is notified on the
other platform, and @here/@channel/@everyone never pass), the files linked, and the translations the channel
it goes to is read in. Also how a bridged message waits in the outbox (its payload)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.messages import FileLink, Identity, Reply
from bot.ports import Chat, Directory
from bot.richtext import Broadcast, Inline, Link, Mention, MentionKind, RichText, Styled
from bot.services.delivery_store import reply_from_payload, reply_payload
from bot.services.translation.listener import thread_section

log = logging.getLogger(__name__)

#: Between "@" and the word: it reads as "@here" and is no mention on any platform.
WORD_JOINER = "\u2060"
#: How a file is shown in a copy.
FILE_MARK = "📎 "


async def plain_names(text: RichText, chat: Chat, workspace: str) -> RichText:
    """`text` with every mention replaced by the name it shows (`@Ana`, `#general`), looked up on `chat`
    when the platform did not send it along; broadcasts become text that pings nobody."""
    names: dict[tuple[str, str], str] = {}

    async def name_of(mention: Mention) -> str:
        key = (mention.kind, mention.id)
        if key not in names:
            names[key] = mention.label.lstrip("@#") or await _look_up(mention, chat, workspace)
        return names[key]

    async def convert(parts: tuple[Inline, ...]) -> tuple[Inline, ...]:
        out: list[Inline] = []
        for part in parts:
            if isinstance(part, Mention):
                prefix = "#" if part.kind is MentionKind.channel else "@"
                out.append(prefix + (await name_of(part)))
            elif isinstance(part, Broadcast):
                out.append(f"@{WORD_JOINER}{part.name}")
            elif isinstance(part, Styled):
                out.append(Styled(part.style, await convert(part.children)))
            elif isinstance(part, Link) and part.label:
                out.append(Link(part.url, await convert(part.label)))
            else:
                out.append(part)
        return tuple(out)

    return RichText.of(*(await convert(text.parts)))


async def _look_up(mention: Mention, chat: Chat, workspace: str) -> str:
    if isinstance(chat, Directory):
        try:
            if mention.kind is MentionKind.person:
                name, _ = await chat.person_profile(Identity(chat.platform, workspace, mention.id))
                if name:
                    return name
            elif mention.kind is MentionKind.channel:
                title = await chat.channel_title(Identity(chat.platform, workspace, mention.id))
                if title:
                    return title
        except Exception:
            log.info("no name for %s %s on %s", mention.kind, mention.id, chat.platform)
    return "group" if mention.kind is MentionKind.group else mention.id


def copy_text(text: RichText, files: list[FileLink], translations: list[tuple[str, RichText]]) -> RichText:
    """The copy: the words as written, a line per file, then each translation under its language."""
    pieces: list[RichText] = [text] if text else []
    if files:
        pieces.append(RichText.of("\n").join(
            RichText.of(FILE_MARK, Link(f.url, (f.name,)) if f.name else f.url) for f in files))
    pieces += [thread_section(code, translated) for code, translated in translations]
    return RichText.of("\n\n").join(pieces) if pieces else RichText.of(FILE_MARK)


@dataclass
class Written:
    """A bridged message waiting in the outbox: what to do with its copy in one channel, and with what."""

    kind: str  # post, edit, delete, react
    cluster_id: int
    origin: tuple[str, str, str, str]  # platform, workspace, channel, message
    thread: str | None = None  # the original's thread root (a message id in its channel)
    name: str = ""
    avatar_url: str | None = None
    text: RichText = field(default_factory=RichText)
    files: list[FileLink] = field(default_factory=list)
    emoji: str = ""
    #: Where the translations made when it was written are kept until it is sent (`Bridge._translated`).
    version: str = ""

    def said(self) -> str:
        """A short fingerprint of what its copies say (its words and files)."""
        material = json.dumps([reply_payload(Reply(text="", rich=self.text)), [[f.name, f.url] for f in self.files]],
                              ensure_ascii=False)
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def payload(self) -> str:
        data: dict[str, Any] = {
            "kind": self.kind, "cluster": self.cluster_id, "origin": list(self.origin), "thread": self.thread,
            "name": self.name, "avatar": self.avatar_url, "files": [[f.name, f.url] for f in self.files],
            "emoji": self.emoji, "version": self.version,
            "text": reply_payload(Reply(text="", rich=self.text)) if self.text else "",
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_payload(cls, payload: str) -> Written:
        data = json.loads(payload)
        rich = reply_from_payload(data["text"]).rich if data.get("text") else None
        origin = data["origin"]
        return cls(kind=str(data["kind"]), cluster_id=int(data["cluster"]),
                   origin=(str(origin[0]), str(origin[1]), str(origin[2]), str(origin[3])),
                   thread=data.get("thread"), name=str(data.get("name") or ""), avatar_url=data.get("avatar"),
                   text=rich or RichText(), files=[FileLink(str(n), str(u)) for n, u in data.get("files") or []],
                   emoji=str(data.get("emoji") or ""), version=str(data.get("version") or ""))
