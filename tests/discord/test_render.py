"""Neutral replies as Discord messages: limits of text, embeds and buttons; the slash-command translator."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import t
from bot.messages import Button, Reply, Section
from integrations.discord.components import ActionButton
from integrations.discord.render import ButtonValues, parse_custom_id, render_reply
from integrations.discord.text import MAX_CONTENT, split_text
from integrations.discord.translator import CatalogueTranslator, our_locale


@given(st.text(alphabet=st.sampled_from("ab \n"), max_size=6000))
def test_split_text_keeps_every_word_within_the_limit(text: str) -> None:
    pieces = split_text(text, 100)
    assert all(0 < len(piece) <= 100 for piece in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_a_long_reply_with_many_sections_and_buttons_respects_discord_limits() -> None:
    sections = [Section(title=f"Practice {n}", text="y" * 900, buttons=(Button(f"show:{n}", "Show"),))
                for n in range(12)]
    reply = Reply(text="z" * 2500, sections=sections, buttons=[Button(f"more:{n}", f"More {n}") for n in range(7)])
    messages = render_reply(reply)
    assert all(len(m.content) <= MAX_CONTENT for m in messages)
    assert all(len(m.embeds) <= 10 and sum(len(e.description or "") + len(e.title or "") for e in m.embeds) <= 6000
               for m in messages)
    assert all(len(m.buttons) <= 5 and all(len(row) <= 5 for row in m.buttons) for m in messages)
    assert sum(len(m.embeds) for m in messages) == 12
    labels = [b.label for m in messages for row in m.buttons for b in row]
    assert labels[:2] == ["1 · Show", "2 · Show"] and labels[-1] == "More 6" and len(labels) == 19
    assert messages[0].allowed_mentions.everyone is False and messages[0].allowed_mentions.roles is False


def test_a_section_longer_than_an_embed_is_cut_into_several_and_nothing_is_lost() -> None:
    description = "\n".join(f"Paragraph {n}: " + "volunteers answer rumours with facts " * 12 for n in range(45))
    assert len(description) > 20_000
    messages = render_reply(Reply(text="#12 · Anti-rumours agents", sections=[
        Section(title="Description", text=description, buttons=(Button("practice-show:12", "Read"),))]))
    embeds = [embed for message in messages for embed in message.embeds]
    assert len(embeds) > 5 and all(len(embed.description or "") <= 4096 for embed in embeds)
    assert [embed.title for embed in embeds].count("Description") == 1 and embeds[0].title == "Description"
    assert all(sum(len(e.description or "") + len(e.title or "") for e in m.embeds) <= 6000 for m in messages)
    assert " ".join(e.description or "" for e in embeds).split() == description.split()
    assert [b.label for m in messages for row in m.buttons for b in row] == ["Read"]  # after the last piece
    assert messages[-1].buttons


def test_broadcast_mentions_only_when_the_core_allows_them() -> None:
    [message] = render_reply(Reply(text="@everyone reminder", allow_broadcast_mentions=True))
    assert message.allowed_mentions.everyone is True


def test_a_button_carries_its_value_and_a_too_long_one_is_left_out() -> None:
    [message] = render_reply(Reply(text="x", buttons=[Button("approve:12", "Approve", value="fr"),
                                                      Button("x" * 120, "Too long")]))
    assert [b.custom_id for row in message.buttons for b in row] == ["approve:12|fr"]
    view = message.view()
    assert view is not None and view.timeout is None
    [item] = view.children
    assert isinstance(item, ActionButton) and item.item.custom_id == "approve:12|fr"
    assert parse_custom_id("approve:12|fr") == ("approve:12", "fr")


def test_a_value_too_long_for_a_custom_id_is_kept_under_a_short_key() -> None:
    values = ButtonValues()
    long_value = '{"w": "médiateurs interculturels dans les écoles primaires", "t": "education", "p": 2}'
    [message] = render_reply(Reply(text="x", buttons=[Button("practice-search:2", "Next", value=long_value)]),
                             values)
    [[button]] = message.buttons
    assert len(button.custom_id) <= 100 and "|" not in button.custom_id
    assert parse_custom_id(button.custom_id, values) == ("practice-search:2", long_value)
    assert parse_custom_id(button.custom_id, ButtonValues()) == ("practice-search:2", None)  # after a restart


@pytest.mark.parametrize(("discord_locale", "ours"), [
    ("fr", "fr"), ("es-ES", "es"), ("es-419", "es"), ("pt-BR", "pt"), ("de", "de"), ("it", "it"), ("uk", "uk"),
    ("en-US", None), ("en-GB", None), ("ja", None),
])
def test_discord_locales_map_to_our_catalogues(discord_locale: str, ours: str | None) -> None:
    assert our_locale(discord_locale) == ours


async def test_the_translator_localises_descriptions_and_names() -> None:
    translator = CatalogueTranslator()
    command = app_commands.Command(name="help", description="Show what the bot can do for you.",
                                   callback=_noop)
    description = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_description,
                                                  command)
    name = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_name, command)
    german = await translator.translate(app_commands.locale_str("Show what the bot can do for you."),
                                        discord.Locale.german, description)
    assert german == t("de", "Show what the bot can do for you.")
    assert await translator.translate(app_commands.locale_str("help"), discord.Locale.german, name) == "hilfe"
    assert await translator.translate(app_commands.locale_str("help"), discord.Locale.american_english, name) is None
    assert await translator.translate(app_commands.locale_str("Show what the bot can do for you."),
                                      discord.Locale.american_english, description) is None
    # A translated name Discord would refuse ("ouvrir le formulaire": spaces) is not used.
    assert await translator.translate(app_commands.locale_str("Open the form"), discord.Locale.french, name) is None


async def _noop(interaction: discord.Interaction) -> None:
    return None
