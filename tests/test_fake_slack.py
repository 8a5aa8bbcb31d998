"""Self-test of the Slack fake, driven by the real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

try:
    from tests.fakes import slack as fs
    from tests.support.settle import settle
except ModuleNotFoundError:  # bare `pytest` puts tests/ (not the repo root) on sys.path
    from fakes import slack as fs  # type: ignore[no-redef]

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


@pytest.fixture
async def slack():
    async with fs.FakeSlackWebAPI() as fake:
        yield fake


@pytest.fixture
async def client(slack):
    web = AsyncWebClient(token=BOT_TOKEN, base_url=slack.base_url)
    yield web
    if web.session is not None:
        await web.session.close()


# ------------------------------------------------------------------ Web API


async def test_base_url_is_loopback_api(slack):
    assert slack.base_url.startswith("http://127.0.0.1:")
    assert slack.base_url.endswith("/api/")


async def test_post_message_is_recorded(slack, client):
    resp = await client.chat_postMessage(channel="C0GENERAL", text="hello", blocks=[{"type": "divider"}])
    assert resp["ok"] is True
    assert resp["channel"] == "C0GENERAL"
    assert resp["message"]["text"] == "hello"
    assert resp["message"]["user"] == slack.bot_user_id
    second = await client.chat_postMessage(channel="C0GENERAL", text="again")
    assert second["ts"] != resp["ts"] and float(second["ts"]) > float(resp["ts"])

    [call, _] = slack.calls_to("chat.postMessage")
    assert call.args["text"] == "hello"
    assert call.args["blocks"] == [{"type": "divider"}]
    assert call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.token == BOT_TOKEN
    assert [m["text"] for m in slack.messages("C0GENERAL")] == ["hello", "again"]
    assert slack.messages("C0GENERAL")[0]["ts"] == resp["ts"]


async def test_form_encoded_and_token_field(slack, client):
    anon = AsyncWebClient(base_url=slack.base_url)
    resp = await anon.api_call(
        "chat.postMessage",
        data={"token": "xoxb-form", "channel": "C0GENERAL", "text": "form", "blocks": '[{"type":"divider"}]'},
    )
    assert resp["ok"]
    call = slack.calls[-1]
    assert call.token == "xoxb-form" and "token" not in call.args
    assert call.args["blocks"] == [{"type": "divider"}]
    assert call.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    with pytest.raises(SlackApiError) as err:
        await anon.api_call("auth.test")
    assert err.value.response["error"] == "not_authed"
    await anon.session.close() if anon.session else None


async def test_error_raises_and_then_recovers(slack, client):
    slack.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0GENERAL", text="x")
    assert err.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel="C0GENERAL", text="y"))["ok"]
    assert [m["text"] for m in slack.messages("C0GENERAL")] == ["y"]
    with pytest.raises(SlackApiError) as err:
        await client.api_call("nope.nothing")
    assert err.value.response["error"] == "unknown_method"


async def test_rate_limit_is_retried_by_retry_handler(slack, client):
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    slack.rate_limit_next("chat.postMessage", retry_after=0)
    resp = await client.chat_postMessage(channel="C0GENERAL", text="eventually")
    assert resp["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert len(slack.messages("C0GENERAL")) == 1


async def test_rate_limit_without_handler_raises_429(slack):
    plain = AsyncWebClient(token=BOT_TOKEN, base_url=slack.base_url, retry_handlers=[])
    slack.rate_limit_next("conversations.info", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        await plain.conversations_info(channel="C0GENERAL")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"


async def test_tokens_revoked_and_restricted(slack, client):
    slack.set_token_revoked(BOT_TOKEN)
    with pytest.raises(SlackApiError) as err:
        await client.auth_test()
    assert err.value.response["error"] == "token_revoked"
    slack.set_token_revoked(BOT_TOKEN, False)
    slack.valid_tokens = {"xoxb-other"}
    with pytest.raises(SlackApiError) as err:
        await client.auth_test()
    assert err.value.response["error"] == "invalid_auth"
    slack.valid_tokens = None
    auth = await client.auth_test()
    assert (auth["team_id"], auth["user_id"]) == (slack.team_id, slack.bot_user_id)
    assert auth["bot_id"] == slack.bot_id
    assert auth["url"].startswith("https://") and auth["team"]


async def test_users_info_locale(slack, client):
    slack.add_user("U0FR00001", locale="fr-FR", name="marie")
    resp = await client.users_info(user="U0FR00001", include_locale=True)
    assert resp["user"]["locale"] == "fr-FR"
    assert resp["user"]["name"] == "marie" and resp["user"]["is_bot"] is False
    assert slack.calls[-1].args["include_locale"] in ("1", "true")
    without = await client.users_info(user="U0FR00001")
    assert "locale" not in without["user"]


async def test_update_delete_permalink_reactions(slack, client):
    posted = await client.chat_postMessage(channel="C0GENERAL", text="draft")
    ts = posted["ts"]
    await client.chat_update(channel="C0GENERAL", ts=ts, text="final")
    assert slack.messages("C0GENERAL")[0]["text"] == "final"
    await client.reactions_add(channel="C0GENERAL", timestamp=ts, name="tada")
    assert slack.messages("C0GENERAL")[0]["reactions"][0]["name"] == "tada"
    link = await client.chat_getPermalink(channel="C0GENERAL", message_ts=ts)
    assert link["permalink"].endswith(f"/archives/C0GENERAL/p{ts.replace('.', '')}")
    await client.chat_delete(channel="C0GENERAL", ts=ts)
    assert slack.messages("C0GENERAL") == []
    with pytest.raises(SlackApiError) as err:
        await client.chat_update(channel="C0GENERAL", ts=ts, text="gone")
    assert err.value.response["error"] == "message_not_found"
    eph = await client.chat_postEphemeral(channel="C0GENERAL", user="U0USER001", text="psst")
    assert eph["message_ts"] and slack.ephemeral_messages("C0GENERAL")[0]["text"] == "psst"


async def test_conversations(slack, client):
    created = await client.conversations_create(name="cluster-education")
    cid = created["channel"]["id"]
    assert cid.startswith("C") and created["channel"]["name"] == "cluster-education"
    with pytest.raises(SlackApiError) as err:
        await client.conversations_create(name="cluster-education")
    assert err.value.response["error"] == "name_taken"
    await client.conversations_invite(channel=cid, users=["U0A", "U0B"])
    members = await client.conversations_members(channel=cid)
    assert members["members"] == [slack.bot_user_id, "U0A", "U0B"]
    info = await client.conversations_info(channel=cid, include_num_members=True)
    assert info["channel"]["num_members"] == 3 and info["channel"]["is_member"] is True
    joined = await client.conversations_join(channel=cid)
    assert joined["warning"] == "already_in_channel"

    dm = await client.conversations_open(users="U0A")
    assert dm["channel"]["id"].startswith("D")
    await client.chat_postMessage(channel="U0A", text="dm via user id")
    assert slack.messages(dm["channel"]["id"])[0]["text"] == "dm via user id"
    with pytest.raises(SlackApiError):
        await client.conversations_info(channel="C0NOPE")


async def test_views_team_bots(slack, client):
    title = {"type": "plain_text", "text": "Share"}
    view = {"type": "modal", "callback_id": "share", "title": title, "blocks": []}
    opened = await client.views_open(trigger_id="1.2.abc", view=view)
    vid = opened["view"]["id"]
    assert vid.startswith("V") and opened["view"]["callback_id"] == "share"
    with pytest.raises(SlackApiError) as err:
        await client.views_open(trigger_id="1.2.abc", view=view)
    assert err.value.response["error"] == "exchanged_trigger_id"
    updated = await client.views_update(view_id=vid, view={**view, "private_metadata": "x"})
    assert updated["view"]["private_metadata"] == "x" and slack.views[vid]["private_metadata"] == "x"
    pushed = await client.views_push(trigger_id="3.4.def", view=view)
    assert pushed["view"]["previous_view_id"] == vid
    home = await client.views_publish(user_id="U0A", view={"type": "home", "blocks": []})
    assert slack.home_views["U0A"]["id"] == home["view"]["id"]
    team = await client.team_info()
    assert team["team"]["id"] == slack.team_id
    bot = await client.bots_info(bot=slack.bot_id)
    assert bot["bot"]["user_id"] == slack.bot_user_id


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")  # slack_sdk uses it
async def test_oauth_v2_access(slack):
    anon = AsyncWebClient(base_url=slack.base_url)
    slack.set_oauth_install(team_id="T0OTHER01", team_name="Other City", user_id="U0INSTALL")
    resp = await anon.oauth_v2_access(client_id="111.222", client_secret="s3cr3t", code="abc")
    assert resp["access_token"].startswith("xoxb-") and resp["token_type"] == "bot"
    assert resp["team"] == {"id": "T0OTHER01", "name": "Other City"}
    assert resp["enterprise"] is None and resp["is_enterprise_install"] is False
    assert resp["authed_user"]["id"] == "U0INSTALL" and resp["bot_user_id"] and resp["app_id"]
    with pytest.raises(SlackApiError) as err:
        await anon.oauth_v2_access(client_id="111.222", client_secret="s3cr3t", code="abc")
    assert err.value.response["error"] == "invalid_code"
    installed = AsyncWebClient(token=resp["access_token"], base_url=slack.base_url)
    assert (await installed.auth_test())["team_id"] == "T0OTHER01"


# ------------------------------------------------------------------ signed HTTP requests into Bolt


def _bolt_starlette(slack) -> tuple[AsyncApp, Starlette]:
    # With client= given, bolt ignores token= (and warns): the token must be on the client.
    app = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=slack.base_url),
        request_verification_enabled=True,
    )
    handler = AsyncSlackRequestHandler(app)

    async def endpoint(req: Request):
        return await handler.handle(req)

    return app, Starlette(routes=[Route("/slack/events", endpoint=endpoint, methods=["POST"])])


async def test_bolt_slash_command_signed_and_forged(slack):
    app, asgi = _bolt_starlette(slack)
    seen = {}

    @app.command("/share-practice")
    async def share(ack, say, command, respond):
        await ack()
        seen.update(command)
        await say(f"thanks <@{command['user_id']}>")
        await respond("only you see this")

    async with fs.SignedSlackClient(SECRET, app=asgi, fake=slack) as c:
        resp = await c.slash_command("/share-practice", text="hi", user_id="U0FR00001", channel_id="C0GENERAL")
        assert resp.status_code == 200, resp.text
        await settle()  # the listener ran after the acknowledgement
        assert seen["text"] == "hi" and seen["team_id"] == slack.team_id
        assert seen["response_url"].startswith(slack.root_url + "response_url/")
        assert slack.messages("C0GENERAL")[0]["text"] == "thanks <@U0FR00001>"
        assert slack.responses[0].body["text"] == "only you see this"
        assert slack.calls_to("auth.test"), "bolt authorizes with auth.test first"

        posted = len(slack.calls_to("chat.postMessage"))
        assert (await c.slash_command("/share-practice", signature="v0=bad")).status_code == 401
        assert (await c.slash_command("/share-practice", timestamp=int(time.time()) - 600)).status_code == 401
        assert (await c.slash_command("/share-practice", omit_headers=True)).status_code == 401
        await settle()  # no listener was started for any of them
        assert len(slack.calls_to("chat.postMessage")) == posted


async def test_bolt_events_views_and_url_verification(slack):
    app, asgi = _bolt_starlette(slack)
    events, submissions = [], []

    @app.event("app_mention")
    async def mention(event, body, request):
        # bolt has no retry_num in context: the listener reads the raw (lower-cased, list) header
        events.append((event, body, request.headers.get("x-slack-retry-num", [None])[0]))

    @app.view("share_form")
    async def submit(ack, view):
        submissions.append(view)
        await ack(response_action="errors", errors={"title_block": "too short"})

    async with fs.SignedSlackClient(SECRET, app=asgi, fake=slack) as c:
        challenge = await c.url_verification("chal-123")
        assert challenge.status_code == 200 and "chal-123" in challenge.text

        r = await c.event({"type": "app_mention", "user": "U0A", "text": "<@U0BOT0001> hi"})
        assert r.status_code == 200
        again = {"type": "app_mention", "user": "U0A", "text": "again"}
        r = await c.event(again, retry_num=1, retry_reason="timeout")
        assert r.status_code == 200
        await settle()
        assert events[0][0]["text"] == "<@U0BOT0001> hi" and events[0][1]["type"] == "event_callback"
        assert events[0][2] is None and events[1][2] == "1"

        values = {"title_block": {"title": "Hi"}}
        r = await c.view_submission("share_form", values, private_metadata="C0GENERAL")
        assert r.status_code == 200
        assert r.json() == {"response_action": "errors", "errors": {"title_block": "too short"}}
        state = submissions[0]["state"]["values"]
        assert state["title_block"]["title"] == {"type": "plain_text_input", "value": "Hi"}
        assert submissions[0]["private_metadata"] == "C0GENERAL"


async def test_signed_client_wire_format(slack):
    captured = []

    async def endpoint(req: Request):
        from starlette.responses import Response

        captured.append((dict(req.headers), await req.body()))
        return Response("")

    asgi = Starlette(routes=[Route("/slack/events", endpoint=endpoint, methods=["POST"])])
    async with fs.SignedSlackClient(SECRET, app=asgi, fake=slack) as c:
        await c.block_action("approve", "yes")
        await c.shortcut("new_practice")
        await c.message_shortcut("translate_message")
        await c.post_raw(b'{"x":1}', "application/json", {"X-Extra": "1"})
    verifier = SignatureVerifier(SECRET)
    kinds = []
    for headers, body in captured:
        assert verifier.is_valid_request(body, headers), headers
        if headers["content-type"].startswith("application/x-www-form-urlencoded"):
            kinds.append(json.loads(parse_qs(body.decode())["payload"][0])["type"])
    assert kinds == ["block_actions", "shortcut", "message_action"]
    assert captured[-1][0]["x-extra"] == "1"


# ------------------------------------------------------------------ Socket Mode


async def test_socket_mode_client_receives_and_acks(slack):
    web = AsyncWebClient(base_url=slack.base_url)
    sm = SocketModeClient(app_token="xapp-1-A0ICC0001-123-abc", web_client=web, ping_interval=0.5)
    received: list[SocketModeRequest] = []

    async def listener(client, req: SocketModeRequest):
        received.append(req)
        await client.send_socket_mode_response(SocketModeResponse(req.envelope_id, {"text": "got it"}))

    sm.socket_mode_request_listeners.append(listener)
    try:
        await sm.connect()
        await slack.socket_wait_connected(timeout=2)
        payload = fs.slash_command_payload("/share-practice", "hi", response_url=slack.response_url())
        eid = await slack.socket_send("slash_commands", payload)
        ack = await slack.socket_ack(eid, timeout=2)
        assert ack == {"envelope_id": eid, "payload": {"text": "got it"}}
        assert received[0].type == "slash_commands" and received[0].payload["command"] == "/share-practice"
        assert received[0].accepts_response_payload is True
        assert slack.calls_to("apps.connections.open")[0].token.startswith("xapp-")

        await slack.socket_disconnect()
        await slack.socket_wait_connected(timeout=2, total=2)
        assert len(slack.calls_to("apps.connections.open")) == 2
        event = fs.event_callback_payload({"type": "app_mention", "text": "x"})
        eid2 = await slack.socket_send("events_api", event)
        assert (await slack.socket_ack(eid2, timeout=2))["envelope_id"] == eid2
        assert received[-1].accepts_response_payload is False
    finally:
        await sm.close()
        if web.session is not None:
            await web.session.close()


async def test_socket_hello_and_bot_token_refused(slack):
    bot_client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.base_url)
    with pytest.raises(SlackApiError) as err:
        await bot_client.apps_connections_open(app_token=BOT_TOKEN)
    assert err.value.response["error"] == "not_allowed_token_type"
    url = (await AsyncWebClient(base_url=slack.base_url).apps_connections_open(app_token="xapp-1"))["url"]
    async with httpx.AsyncClient() as h:
        assert (await h.get(url.replace("ws://", "http://"))).status_code in (400, 426)  # not a websocket
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url) as ws:
            hello = await ws.receive_json(timeout=2)
            assert hello["type"] == "hello" and hello["num_connections"] == 1
            assert hello["connection_info"] == {"app_id": slack.app_id} and "debug_info" in hello
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(url)  # tickets are single-use


async def test_bolt_socket_mode_handler(slack):
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=slack.base_url))

    @app.command("/share-practice")
    async def share(ack, say):
        await ack("received")
        await say("hello from socket mode")

    handler = AsyncSocketModeHandler(app, "xapp-1-A0ICC0001-1-abc")
    await handler.connect_async()
    try:
        payload = fs.slash_command_payload("/share-practice", response_url=slack.response_url())
        eid = await slack.socket_send("slash_commands", payload)
        assert await slack.socket_ack(eid, timeout=2) == {"envelope_id": eid, "payload": {"text": "received"}}
        await slack.wait_for_call("chat.postMessage", timeout=2)
        assert slack.messages("C0GENERAL")[-1]["text"] == "hello from socket mode"
        # bolt never acks an envelope no listener handled (404): Slack would retry it
        unhandled = await slack.socket_send("events_api", fs.event_callback_payload({"type": "app_mention"}))
        with pytest.raises(TimeoutError):
            await slack.socket_ack(unhandled, timeout=0.3)
    finally:
        await handler.close_async()
