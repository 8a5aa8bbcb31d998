"""Reactions between platforms: Slack names its emoji (`thumbsup`), Discord sends the character (👍)."""

from __future__ import annotations

#: The reactions people use most, by Slack's name (other names and characters go across as they are).
NAMED = {
    "+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "heart": "❤️", "tada": "🎉", "pray": "🙏",
    "clap": "👏", "raised_hands": "🙌", "eyes": "👀", "fire": "🔥", "rocket": "🚀", "ok_hand": "👌",
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "smile": "😄", "joy": "😂", "slightly_smiling_face": "🙂",
    "thinking_face": "🤔", "wave": "👋", "100": "💯", "star": "⭐", "muscle": "💪", "handshake": "🤝",
    "sparkles": "✨", "bulb": "💡", "point_up": "☝️", "heart_eyes": "😍", "cry": "😢", "grinning": "😀",
}
_NAMES = {character: name for name, character in reversed(list(NAMED.items()))}


def character_of(emoji: str) -> str:
    """The character for an emoji given by its Slack name (`tada` -> 🎉); a character stays as it is."""
    return NAMED.get(emoji.strip(":"), emoji)


def name_of(emoji: str) -> str:
    """The Slack name of an emoji character (🎉 -> `tada`); a name stays as it is (without colons)."""
    return _NAMES.get(emoji, _NAMES.get(emoji.replace("\ufe0f", ""), emoji.strip(":")))
