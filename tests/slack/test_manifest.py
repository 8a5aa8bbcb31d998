"""`python -m bot slack manifest`: a complete app manifest built from the registry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.registry import Command, Option
from commands import build_registry
from integrations.slack.manifest import BOT_EVENTS, BOT_SCOPES, build_manifest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "slack", "manifest", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_manifest_from_the_command_line_lists_every_command_for_http_mode() -> None:
    result = _run("--url", "https://icc-bot.example.org/")
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {f"/{name}" for name in build_registry().commands}
    assert {"/share-practice", "/practices", "/help", "/profile", "/language", "/role"} <= set(commands)
    for command in commands.values():
        assert command["url"] == "https://icc-bot.example.org/slack/events"
        assert command["should_escape"] is True and 0 < len(command["description"]) <= 2000
    assert commands["/profile"]["usage_hint"] == "show [@person] | city <name>"
    assert commands["/role"]["usage_hint"] == "<@person> <role> [city]"
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["event_subscriptions"]["request_url"] == "https://icc-bot.example.org/slack/events"
    assert settings["interactivity"] == {"is_enabled": True,
                                         "request_url": "https://icc-bot.example.org/slack/events"}
    assert set(settings["event_subscriptions"]["bot_events"]) == set(BOT_EVENTS)
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    for scope in ("commands", "chat:write", "chat:write.customize", "chat:write.public", "channels:history",
                  "groups:history", "im:history", "mpim:history", "channels:read", "groups:read", "im:write",
                  "users:read", "reactions:read", "reactions:write", "channels:manage", "team:read"):
        assert scope in scopes
    assert manifest["oauth_config"]["redirect_urls"] == ["https://icc-bot.example.org/slack/oauth_redirect"]
    [shortcut] = manifest["features"]["shortcuts"]
    assert shortcut == {"name": "Translate", "type": "message", "callback_id": "translate_message",
                        "description": shortcut["description"]}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert 175 <= len(manifest["display_information"]["long_description"]) <= 4000
    assert len(manifest["display_information"]["description"]) <= 140


def test_socket_mode_manifest_has_no_request_urls() -> None:
    result = _run("--socket-mode")
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert "request_url" not in manifest["settings"]["interactivity"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])


def test_manifest_needs_an_https_url_or_socket_mode() -> None:
    assert _run().returncode == 2
    assert _run("--url", "http://example.org").returncode == 2


def test_a_command_added_later_appears_with_no_slack_code() -> None:
    registry = build_registry()

    async def handler(ctx, args):
        raise NotImplementedError

    registry.add(Command(name="newsletter", description="Send the newsletter.", handler=handler,
                         options=(Option("when", "When", required=True), Option("text", "Text", rest=True))))
    manifest = build_manifest(registry, url="https://x.example.org")
    [remind] = [c for c in manifest["features"]["slash_commands"] if c["command"] == "/newsletter"]
    assert remind["usage_hint"] == "<when> [text]"
    assert len(BOT_SCOPES) == len(set(BOT_SCOPES))
