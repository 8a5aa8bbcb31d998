"""Block Kit rendering within Slack's limits, and the one function that defuses broadcast mentions."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.messages import Button, ButtonStyle, Choice, FieldKind, Form, FormField, Reply, Section
from integrations.slack.blocks import (
    form_values,
    read_metadata,
    render_form,
    render_reply,
    sanitize_mrkdwn,
    split_text,
    view_errors,
)

_NOTIFYING = re.compile(r"<!(channel|here|everyone|subteam\^)", re.IGNORECASE)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@given(st.one_of(st.text(alphabet=st.sampled_from(list("ab <>&!@|^#:/\nchanelryvoust")), max_size=400),
                 st.text(max_size=200)))
@settings(max_examples=300)
def test_nothing_notifies_a_channel_unless_allowed(text: str) -> None:
    safe = sanitize_mrkdwn(text)
    assert not _NOTIFYING.search(safe)
    assert not re.search(r"(?<![\w@])@(channel|here|everyone)\b", safe, re.IGNORECASE)


@given(st.text(alphabet=st.characters(blacklist_characters="<>&@\u2060"), max_size=300))
def test_plain_text_comes_through_unchanged(text: str) -> None:
    assert sanitize_mrkdwn(text) == text


def test_mentions_links_and_escapes() -> None:
    text = "Hi <@U123|ana> in <#C456|general>: see <https://coe.int/icc|ICC> & 1 < 2 > 0"
    assert sanitize_mrkdwn(text) == (
        "Hi <@U123|ana> in <#C456|general>: see <https://coe.int/icc|ICC> &amp; 1 &lt; 2 &gt; 0"
    )
    assert sanitize_mrkdwn("<!here> and @channel") == "@\u2060here and @\u2060channel"
    assert sanitize_mrkdwn("<!here> and @channel", allow_broadcast=True) == "<!here> and <!channel>"
    assert sanitize_mrkdwn("<!subteam^S01|@team> hi") == "@\u2060team hi"


@given(st.text(max_size=12_000), st.integers(min_value=50, max_value=3000))
@settings(max_examples=150, deadline=None)
def test_split_text_loses_nothing_and_respects_the_limit(text: str, limit: int) -> None:
    safe = sanitize_mrkdwn(text)
    pieces = split_text(safe, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(safe.split())


def test_split_never_cuts_a_mention_or_an_escape() -> None:
    text = ("x" * 2990) + " <@U0123456789|someone> &amp; more"
    pieces = split_text(text, 3000)
    assert pieces[1].startswith("<@U0123456789|someone>")
    text = ("y" * 2998) + "&amp;z"
    assert split_text(text, 3000)[1].startswith("&amp;")


def test_a_long_reply_becomes_several_messages_of_at_most_50_blocks() -> None:
    sections = [Section(title=f"Practice {n}", text="Summary " * 20, buttons=(Button(f"practice-show:{n}", "Read",
                                                                                     str(n)),))
                for n in range(60)]
    messages = render_reply(Reply(text="Results", sections=sections))
    assert len(messages) > 1
    assert all(len(message.blocks) <= 50 for message in messages)
    assert all(message.text for message in messages)
    shown = [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
    assert sum("Practice" in text for text in shown) == 60
    buttons = [e["action_id"] for m in messages for b in m.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [f"practice-show:{n}" for n in range(60)]


def test_buttons_are_capped_at_25_per_block_and_styled() -> None:
    buttons = [Button(f"b:{n}", "Label " * 30, str(n), ButtonStyle.danger if n == 0 else ButtonStyle.default)
               for n in range(30)]
    [message] = render_reply(Reply(text="Choose", buttons=buttons))
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [25, 5]
    first = actions[0]["elements"][0]
    assert first["style"] == "danger" and len(first["text"]["text"]) <= 75
    assert "style" not in actions[0]["elements"][1]


def test_forms_with_many_choices_use_option_groups_and_keep_every_choice() -> None:
    choices = [Choice(f"city-{n}", f"City {n}") for n in range(250)]
    form = Form(form_id="pick", title="A title much longer than twenty-four characters", submit_label="Send",
                fields=[FormField("city", "City", kind=FieldKind.choice, choices=choices, initial="city-7"),
                        FormField("notes", "Notes", kind=FieldKind.long_text, required=False, max_length=5000)],
                state="42")
    view = render_form(form, locale="fr", channel_id="C1").to_dict()
    assert len(view["title"]["text"]) <= 24
    element = view["blocks"][0]["element"]
    groups = element["option_groups"]
    assert [len(group["options"]) for group in groups] == [100, 100, 50]
    assert element["initial_option"]["value"] == "city-7"
    assert view["close"]["text"] == "Annuler"
    assert [b["block_id"] for b in view["blocks"]] == ["city", "notes", "notes__more2"]
    assert read_metadata(view["private_metadata"]) == {"state": "42", "channel": "C1"}
    assert read_metadata("{}") is None and read_metadata("garbage") is None


def test_form_values_and_errors() -> None:
    state = {
        "title": {"value": {"type": "plain_text_input", "value": "Hello"}},
        "themes": {"value": {"type": "multi_static_select", "selected_options": [{"value": "a"}, {"value": "b"}]}},
        "language": {"value": {"type": "static_select", "selected_option": {"value": "fr"}}},
        "empty": {"value": {"type": "plain_text_input", "value": None}},
        "notes": {"value": {"type": "plain_text_input", "value": "one"}},
        "notes__more2": {"value": {"type": "plain_text_input", "value": "two"}},
        "notes__more3": {"value": {"type": "plain_text_input", "value": ""}},
    }
    assert form_values(state) == {"title": "Hello", "themes": "a,b", "language": "fr", "empty": "",
                                  "notes": "one\ntwo"}
    errors = view_errors({"title": "too short", "nowhere": "bad state"}, ["title", "themes"])
    assert errors == {"title": "too short bad state"}


def test_rendered_blocks_are_plain_json() -> None:
    [message] = render_reply(Reply(text="*Hello* <!here>", sections=[Section(text="x", title="T")]))
    assert json.loads(json.dumps(message.blocks)) == message.blocks
    assert "<!here>" not in json.dumps(message.blocks)
