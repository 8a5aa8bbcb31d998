"""Self-test of the Discord fake, driven by a real discord.py client (only its URLs are pointed at the fake)."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

try:
    from tests.fakes import discord as fd
except ModuleNotFoundError:  # bare `pytest` puts tests/ (not the repo root) on sys.path
    from fakes import discord as fd  # type: ignore[no-redef]


GUILD_ID = 900000000000000001
ALICE = 800000000000000001
BOB = 800000000000000002


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = wanted.members = wanted.messages = wanted.message_content = wanted.reactions = True
    return wanted


@pytest.fixture
async def fake() -> AsyncIterator[fd.FakeDiscord]:
    async with fd.FakeDiscord() as fake:
        fake.add_guild(
            GUILD_ID,
            name="Intercultural Cities",
            roles=["coordinator"],
            channels=["general", "cluster-education"],
            members=[
                {"user_id": ALICE, "name": "alice", "roles": ["coordinator"], "locale": "fr"},
                {"user_id": BOB, "name": "bob", "locale": "de"},
            ],
        )
        with fd.point_discord_at(fake):
            yield fake


def channel_id(fake: fd.FakeDiscord, name: str) -> int:
    return next(cid for cid, c in fake.channels.items() if c.get("name") == name)


def new_client(**kw: object) -> discord.Client:
    return discord.Client(intents=intents(), guild_ready_timeout=0.05, **kw)  # type: ignore[arg-type]


def new_bot() -> commands.Bot:
    return commands.Bot(command_prefix="!", intents=intents(), guild_ready_timeout=0.05)


async def test_client_connects_and_sees_the_guild(fake: fd.FakeDiscord) -> None:
    client = new_client()
    ready = asyncio.Event()

    @client.event
    async def on_ready() -> None:
        ready.set()

    async with fake.run_client(client):
        await asyncio.wait_for(ready.wait(), 2)
        guild = client.get_guild(GUILD_ID)
        assert guild is not None and guild.name == "Intercultural Cities"
        assert {c.name for c in guild.text_channels} == {"general", "cluster-education"}
        alice = guild.get_member(ALICE)
        assert alice is not None and [r.name for r in alice.roles] == ["@everyone", "coordinator"]
        assert guild.me is not None and guild.me.guild_permissions.manage_webhooks
        assert client.user is not None and client.user.id == fake.application_id
        assert client.application_id == fake.application_id
    assert fake.identify_count == 1
    assert fake.identify_payloads[0]["intents"] == intents().value
    assert fake.gateway_queries[0]["encoding"] == "json"
    assert fake.gateway_queries[0]["compress"] in ("zlib-stream", "zstd-stream")  # frames are compressed
    assert fake.heartbeat_count >= 1
    assert fake.requests_to("GET", "/users/@me") and fake.requests_to("GET", "/oauth2/applications/@me")


async def test_message_create_reaches_on_message(fake: fd.FakeDiscord) -> None:
    client = new_client()
    seen: asyncio.Queue[discord.Message] = asyncio.Queue()

    @client.event
    async def on_message(message: discord.Message) -> None:
        await seen.put(message)

    general = channel_id(fake, "general")
    async with fake.run_client(client):
        await fake.dispatch("MESSAGE_CREATE", fake.message_create_payload(general, ALICE, "Bonjour à tous"))
        message = await asyncio.wait_for(seen.get(), 2)
        assert message.content == "Bonjour à tous"
        assert isinstance(message.author, discord.Member) and message.author.id == ALICE
        assert message.channel.id == general and message.guild is not None

        # the bot sees its own messages come back over the gateway, like on Discord
        sent = await message.channel.send("Hello everyone")
        echoed = await asyncio.wait_for(seen.get(), 2)
        assert echoed.id == sent.id and echoed.author.id == fake.application_id


async def test_message_content_needs_the_intent(fake: fd.FakeDiscord) -> None:
    no_content = intents()
    no_content.message_content = False
    client = discord.Client(intents=no_content, guild_ready_timeout=0.05)
    seen: asyncio.Queue[discord.Message] = asyncio.Queue()
    client.event(_queue_messages(seen))
    async with fake.run_client(client):
        await fake.dispatch("MESSAGE_CREATE", fake.message_create_payload(channel_id(fake, "general"), BOB, "Hallo"))
        assert (await asyncio.wait_for(seen.get(), 2)).content == ""


def _queue_messages(queue: asyncio.Queue[discord.Message]) -> Callable[[discord.Message], Coroutine[Any, Any, None]]:
    async def on_message(message: discord.Message) -> None:
        await queue.put(message)

    return on_message


async def test_reaction_reaches_on_raw_reaction_add(fake: fd.FakeDiscord) -> None:
    client = new_client()
    got: asyncio.Future[discord.RawReactionActionEvent] = asyncio.get_running_loop().create_future()

    @client.event
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        got.set_result(payload)

    general = channel_id(fake, "general")
    async with fake.run_client(client):
        message = fake.message_create_payload(general, BOB, "Guten Tag")
        await fake.dispatch("MESSAGE_CREATE", message)
        await fake.dispatch("MESSAGE_REACTION_ADD", fake.reaction_add_payload(general, message["id"], ALICE, "🇫🇷"))
        event = await asyncio.wait_for(got, 2)
        assert str(event.emoji) == "🇫🇷" and event.user_id == ALICE and event.message_id == int(message["id"])
        assert event.member is not None and event.member.name == "alice"

        await client.http.add_reaction(general, message["id"], "👍")
        assert fake.requests_to("PUT", "/channels/{c}/messages/{m}/reactions/👍/@me")


async def test_slash_command_synced_and_answered(fake: fd.FakeDiscord) -> None:
    bot = new_bot()
    calls: list[tuple[str, int, str]] = []

    @bot.tree.command(name="translate", description="Translate a text")
    @app_commands.describe(text="What to translate", target="Target language")
    async def translate(interaction: discord.Interaction, text: str, target: str = "en") -> None:
        calls.append((text, interaction.user.id, str(interaction.locale)))
        await interaction.response.send_message(f"[{target}] {text}", ephemeral=True)

    group = app_commands.Group(name="cluster", description="Clusters")

    @group.command(name="join", description="Join a cluster")
    async def join(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(f"joined {name}")

    bot.tree.add_command(group)
    bot.tree.copy_global_to(guild=discord.Object(GUILD_ID))
    async with fake.run_client(bot):
        synced = await bot.tree.sync(guild=discord.Object(GUILD_ID))
        assert {c.name for c in synced} == {"translate", "cluster"}
        put = fake.requests_to("PUT", "/applications/{app}/guilds/{g}/commands")
        assert len(put) == 1 and {c["name"] for c in put[0].json} == {"translate", "cluster"}

        interaction = fake.slash_command_interaction(
            "translate", {"text": "Bonjour", "target": "de"}, user_id=ALICE, guild_id=GUILD_ID
        )
        assert interaction["data"]["id"] == str(next(c.id for c in synced if c.name == "translate"))
        await fake.send_interaction(interaction)
        request = await fake.wait_for_request("POST", f"/interactions/{interaction['id']}/{{token}}/callback")
        assert request.json["type"] == 4
        assert request.json["data"]["content"] == "[de] Bonjour" and request.json["data"]["flags"] == 64
        assert request.status == 200 and request.query["with_response"] in ("1", "true")
        assert calls == [("Bonjour", ALICE, "fr")]
        assert fake.callbacks(interaction) == [request.json]

        sub = fake.slash_command_interaction("cluster", {"name": "education"}, subcommand="join", user_id=BOB)
        await fake.send_interaction(sub)
        followup = await fake.wait_for_request("POST", "/webhooks/{app}/{token}")
        assert fake.callbacks(sub)[0]["type"] == 5
        assert followup.json["content"] == "joined education"


async def test_persistent_view_button(fake: fd.FakeDiscord) -> None:
    bot = new_bot()
    pressed: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Subscribe(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Subscribe", custom_id="icc:subscribe", style=discord.ButtonStyle.primary)
        async def subscribe(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
            pressed.set_result(interaction.user.id)
            await interaction.response.edit_message(content="Subscribed!", view=None)

    async with fake.run_client(bot):
        bot.add_view(Subscribe())
        channel = bot.get_channel(channel_id(fake, "general"))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("Reminders", view=Subscribe())
        payload = fake.component_interaction("icc:subscribe", user_id=BOB)
        assert payload["message"]["id"] == str(sent.id)
        await fake.send_interaction(payload)
        assert await asyncio.wait_for(pressed, 2) == BOB
        request = await fake.wait_for_request("POST", "/interactions/{id}/{token}/callback")
        assert request.json["type"] == 7 and request.json["data"]["components"] == []
        assert fake.messages[sent.id]["content"] == "Subscribed!"


async def test_modal_submit_reaches_on_submit(fake: fd.FakeDiscord) -> None:
    bot = new_bot()
    submitted: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()

    class Practice(discord.ui.Modal, title="Share a good practice"):
        city: discord.ui.TextInput[Practice] = discord.ui.TextInput(label="City", custom_id="city")
        summary: discord.ui.TextInput[Practice] = discord.ui.TextInput(
            label="Summary", custom_id="summary", style=discord.TextStyle.paragraph
        )

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.set_result((self.city.value, self.summary.value))
            await interaction.response.send_message("Thanks!", ephemeral=True)

    @bot.tree.command(name="practice", description="Share a practice")
    async def practice(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Practice(custom_id="icc:practice"))

    async with fake.run_client(bot):
        await fake.send_interaction(fake.slash_command_interaction("practice", user_id=ALICE))
        await fake.wait_until(lambda: fake.callbacks())
        assert fake.callbacks()[0]["type"] == 9 and fake.callbacks()[0]["data"]["custom_id"] == "icc:practice"

        await fake.send_interaction(
            fake.modal_submit_interaction("icc:practice", values={"city": "Lisboa", "summary": "Welcome desks"})
        )
        assert await asyncio.wait_for(submitted, 2) == ("Lisboa", "Welcome desks")
        await fake.wait_until(lambda: len(fake.callbacks()) == 2)
        assert fake.callbacks()[1]["type"] == 4

        raw = fake.modal_submit_interaction(
            "icc:other",
            components=[{"type": 1, "components": [{"type": 4, "custom_id": "x", "value": "y"}]}],
        )
        assert raw["data"]["components"][0]["components"][0]["value"] == "y"


async def test_message_context_menu(fake: fd.FakeDiscord) -> None:
    bot = new_bot()
    translated: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    @bot.tree.context_menu(name="Translate")
    async def translate_message(interaction: discord.Interaction, message: discord.Message) -> None:
        translated.set_result(message.content)
        await interaction.response.send_message("ok", ephemeral=True)

    async with fake.run_client(bot):
        await bot.tree.sync()
        assert fake.requests_to("PUT", "/applications/{app}/commands")[0].json[0]["type"] == 3
        target = fake.message_create_payload(channel_id(fake, "general"), BOB, "Wie geht's?")
        await fake.send_interaction(fake.message_context_menu_interaction("Translate", target, user_id=ALICE))
        assert await asyncio.wait_for(translated, 2) == "Wie geht's?"
        await fake.wait_for_request("POST", "/interactions/{id}/{token}/callback")
        assert fake.callbacks()[0]["data"]["content"] == "ok"


async def test_webhook_created_and_executed(fake: fd.FakeDiscord) -> None:
    client = new_client()
    async with fake.run_client(client):
        channel = client.get_channel(channel_id(fake, "cluster-education"))
        assert isinstance(channel, discord.TextChannel)
        webhook = await channel.create_webhook(name="ICC relay")
        assert webhook.token and webhook.channel_id == channel.id
        message = await webhook.send(
            "Hola desde Barcelona",
            username="maria (es→en)",
            avatar_url="https://example.org/maria.png",
            allowed_mentions=discord.AllowedMentions.none(),
            wait=True,
        )
        assert message.content == "Hola desde Barcelona" and message.author.name == "maria (es→en)"
        assert message.webhook_id == webhook.id

        fake.rate_limit_next("POST", "/webhooks/{id}/{token}", retry_after=0.05)
        await webhook.send("second", username="maria (es→en)", wait=False)
        assert [r.status for r in fake.requests_to("POST", "/webhooks/{id}/{token}")] == [200, 429, 204]

        request = fake.requests_to("POST", "/webhooks/{id}/{token}")[0]
        assert request.query["wait"] in ("1", "true")
        assert request.json["username"] == "maria (es→en)"
        assert request.json["avatar_url"] == "https://example.org/maria.png"
        assert request.json["allowed_mentions"] == {"parse": []}
        assert [m["content"] for m in fake.webhook_messages(webhook.id)] == ["Hola desde Barcelona", "second"]

        with pytest.raises(discord.HTTPException) as bad_name:
            await webhook.send("x", username="Discord Bot", wait=True)
        assert bad_name.value.code == 50035

        await webhook.delete()
        with pytest.raises(discord.NotFound) as gone:
            await webhook.send("again", wait=True)
        assert gone.value.code == 10015


async def test_rate_limit_is_retried(fake: fd.FakeDiscord) -> None:
    client = new_client()
    async with fake.run_client(client):
        general = channel_id(fake, "general")
        fake.rate_limit_next("POST", "/channels/{id}/messages", retry_after=0.2)
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        loop = asyncio.get_running_loop()
        started = loop.time()
        sent = await channel.send("after the rate limit")
        assert loop.time() - started >= 0.2
        attempts = fake.requests_to("POST", f"/channels/{general}/messages")
        assert [r.status for r in attempts] == [429, 200]
        assert attempts[0].response["retry_after"] == 0.2
        assert fake.messages_in(general)[-1]["id"] == str(sent.id)

        fake.rate_limit_next("PATCH", "/channels/{id}/messages/{mid}", retry_after=0.05, global_=True)
        edited = await sent.edit(content="edited")
        assert edited.content == "edited"
        assert [r.status for r in fake.requests_to("PATCH", "/channels/{id}/messages/{mid}")] == [429, 200]


async def test_errors_look_like_discord(fake: fd.FakeDiscord) -> None:
    client = new_client()
    async with fake.run_client(client):
        general = channel_id(fake, "general")
        with pytest.raises(discord.NotFound) as unknown_route:
            await client.http.request(discord.http.Route("GET", "/nowhere/{x}", x=1))
        assert unknown_route.value.text == "404: Not Found" and unknown_route.value.code == 0

        fake.forbid("POST", "/channels/{id}/messages")
        with pytest.raises(discord.Forbidden) as forbidden:
            await client.http.send_message(general, params=_params("hi"))
        assert forbidden.value.code == 50013
        fake.unforbid("POST", "/channels/{id}/messages")

        with pytest.raises(discord.HTTPException) as too_long:
            await client.http.send_message(general, params=_params("x" * 2001))
        assert too_long.value.code == 50035

        fake.delete_channel(general)
        with pytest.raises(discord.NotFound) as deleted:
            await client.http.send_message(general, params=_params("hi"))
        assert deleted.value.code == 10003


async def test_direct_messages(fake: fd.FakeDiscord) -> None:
    client = new_client()
    async with fake.run_client(client):
        alice = await client.fetch_user(ALICE)
        sent = await alice.send("Rappel : réunion demain")
        assert isinstance(sent.channel, discord.DMChannel)
        assert fake.requests_to("POST", "/users/@me/channels")[0].json == {"recipient_id": ALICE}
        assert fake.messages_in(sent.channel.id)[0]["content"] == "Rappel : réunion demain"

        fake.block_dms(BOB)
        bob = await client.fetch_user(BOB)
        with pytest.raises(discord.Forbidden) as closed:
            await bob.send("hi")
        assert closed.value.code == 50007


def _params(content: str) -> discord.http.MultipartParameters:
    return discord.http.handle_message_parameters(content=content)


async def test_dropped_connection_resumes_and_replays(fake: fd.FakeDiscord) -> None:
    client = new_client()
    seen: asyncio.Queue[discord.Message] = asyncio.Queue()
    resumed = asyncio.Event()
    client.event(_queue_messages(seen))

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    general = channel_id(fake, "general")
    async with fake.run_client(client):
        await fake.drop_connection(code=4000)
        missed = await fake.dispatch("MESSAGE_CREATE", fake.message_create_payload(general, ALICE, "while away"))
        assert missed is not None
        await fake.wait_until(lambda: fake.resume_count == 1)
        await asyncio.wait_for(resumed.wait(), 2)
        assert (await asyncio.wait_for(seen.get(), 2)).content == "while away"
        assert fake.resume_payloads[-1]["seq"] == missed - 1
        await fake.dispatch("MESSAGE_CREATE", fake.message_create_payload(general, BOB, "after resume"))
        assert (await asyncio.wait_for(seen.get(), 2)).content == "after resume"
        assert client.ws is not None and client.ws.sequence == fake._seq

        await fake.drop_connection(code=None)  # abrupt TCP close, no close frame
        await fake.wait_until(lambda: fake.resume_count == 2)
        await fake.dispatch("MESSAGE_CREATE", fake.message_create_payload(general, BOB, "still here"))
        assert (await asyncio.wait_for(seen.get(), 2)).content == "still here"
    assert fake.identify_count == 1


async def test_raw_gateway_speaks_zlib_stream(fake: fd.FakeDiscord) -> None:
    inflate = zlib.decompressobj()
    async with aiohttp.ClientSession() as session:
        url = f"{fake.gateway_url}?v=10&encoding=json&compress=zlib-stream"
        async with session.ws_connect(url) as ws:
            hello = json.loads(inflate.decompress(await ws.receive_bytes()))
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await ws.send_json({"op": 1, "d": None})
            assert json.loads(inflate.decompress(await ws.receive_bytes()))["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 1, "properties": {}}})
            ready = json.loads(inflate.decompress(await ws.receive_bytes()))
            assert ready["t"] == "READY" and ready["s"] == 1
            assert ready["d"]["guilds"] == [{"id": str(GUILD_ID), "unavailable": True}]
            assert ready["d"]["resume_gateway_url"].startswith("ws://127.0.0.1:")
            guild = json.loads(inflate.decompress(await ws.receive_bytes()))
            assert guild["t"] == "GUILD_CREATE" and guild["s"] == 2
            # without the GUILD_MEMBERS intent only the bot itself is sent
            assert [m["user"]["id"] for m in guild["d"]["members"]] == [fake.bot_user["id"]]


async def test_gateway_bot_and_rest_headers(fake: fd.FakeDiscord) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as session:
        async with session.get(f"{fake.api_base}/gateway/bot") as resp:
            assert resp.headers["Content-Type"] == "application/json"
            body = await resp.json()
            assert body["url"].startswith("ws://127.0.0.1:") and body["shards"] == 1
            assert {"total", "remaining", "reset_after", "max_concurrency"} <= set(body["session_start_limit"])
            for header in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
                assert f"X-RateLimit-{header}" in resp.headers
        async with session.get(f"{fake.api_base}/users/@me", headers={"Authorization": "Bot wrong"}) as resp:
            assert resp.status == 401
