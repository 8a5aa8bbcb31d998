"""Building the slack-bolt apps of the adapter: from our settings only (never bolt's environment fallbacks), over
HTTP (signed requests, and the OAuth installation when configured) or Socket Mode, with every listener."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot.i18n import t
from integrations.slack.chat import make_web_client
from integrations.slack.installs import install_failure, install_success
from integrations.slack.manifest import BOT_SCOPES

if TYPE_CHECKING:
    from integrations.slack.app import SlackAdapter


def build_bolt_app(adapter: SlackAdapter, *, socket_mode: bool = False) -> AsyncApp:
    """A bolt app with every listener of `adapter`. HTTP apps verify signatures; Socket Mode needs no public
    endpoint. With OAuth credentials, the HTTP app also serves the installation (`/slack/install`)."""
    settings = adapter.settings
    not_installed = t(adapter.default_locale, "ICC Bot is not installed in this workspace. Ask a workspace "
                                              "administrator to install it.")
    kwargs: dict[str, Any] = {
        "signing_secret": settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret
        else "",
        "process_before_response": False,
        "request_verification_enabled": not socket_mode,
        "raise_error_for_unhandled_request": False,
        "user_facing_authorize_error_message": not_installed,
        "name": "icc-bot",
    }
    if adapter.oauth and not socket_mode:
        assert settings.slack_client_id is not None and settings.slack_client_secret is not None
        kwargs["client"] = make_web_client(None, base_url=settings.slack_api_url)
        kwargs["installation_store"] = adapter.installation_store
        kwargs["oauth_settings"] = AsyncOAuthSettings(
            client_id=settings.slack_client_id.get_secret_value(),
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=list(BOT_SCOPES),
            installation_store=adapter.installation_store,
            state_store=adapter.state_store,
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
            callback_options=AsyncCallbackOptions(success=install_success, failure=install_failure),
        )
    else:
        kwargs["client"] = make_web_client(adapter.bot_token, base_url=settings.slack_api_url)
    with _settings_not_environment():
        app = AsyncApp(logger=_bolt_logger(), **kwargs)
    adapter.register(app, single_workspace=not (adapter.oauth and not socket_mode))
    return app


#: What bolt reads from the environment when it is not given a value: our settings decide instead.
_BOLT_ENVIRONMENT = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET",
                     "SLACK_SCOPES", "SLACK_USER_SCOPES", "SLACK_REDIRECT_URI", "SLACK_INSTALL_PATH",
                     "SLACK_REDIRECT_URI_PATH")


@contextmanager
def _settings_not_environment() -> Iterator[None]:
    """Build a bolt app from our settings only. bolt falls back to environment variables for what it is not
    given: a blank SLACK_CLIENT_ID, for instance, would make it start its own OAuth flow with a file store."""
    saved = {name: os.environ.pop(name) for name in _BOLT_ENVIRONMENT if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _bolt_logger() -> logging.Logger:
    """bolt's logger, without its warning that SLACK_BOT_TOKEN (read from the environment) is not used: the
    token is on the client we give it, on purpose (it carries our retry handlers)."""
    logger = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, _TokenOnClientFilter) for f in logger.filters):
        logger.addFilter(_TokenOnClientFilter())
    return logger


class _TokenOnClientFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()
