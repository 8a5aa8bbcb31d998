""""Sign in with Slack" (OpenID Connect) and "Sign in with Discord" (OAuth2, scope identify): the person the
platform names is the person the bot already knows there; nobody new is made on the web.

The web host knows no platform's library: it speaks the two providers' public OAuth endpoints with httpx
(addresses from the settings, so tests point them at loopback fakes)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.i18n import N_
from bot.services.web_sessions import Attempts, SignInLinks
from integrations.web.site import Site, local_path

log = logging.getLogger(__name__)

#: Seconds a provider has to answer a token or user-info request.
TIMEOUT = 10.0


@dataclass(frozen=True)
class Provider:
    """One OAuth provider's endpoints and how a person is named there."""

    name: str
    label: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    user_url: str
    scope: str
    token_auth: str


class OAuthSignIn:
    """The routes of "Sign in with Slack" and "Sign in with Discord" (only those the settings configure)."""

    def __init__(self, site: Site, links: SignInLinks, attempts: Attempts) -> None:
        self.site = site
        self.links = links
        self.attempts = attempts
        self.known = {provider.name: provider for provider in self._configured()}

    def _configured(self) -> list[Provider]:
        settings = self.site.settings
        found = []
        if settings.slack_client_id is not None and settings.slack_client_secret is not None:
            api = settings.slack_api_url.rstrip("/") + "/"
            found.append(Provider(
                name="slack", label="Slack", client_id=settings.slack_client_id.get_secret_value(),
                client_secret=settings.slack_client_secret.get_secret_value(),
                authorize_url=settings.slack_openid_authorize_url, token_url=api + "openid.connect.token",
                user_url=api + "openid.connect.userInfo", scope="openid profile", token_auth="client_secret_post"))
        if settings.discord_application_id is not None and settings.discord_client_secret is not None:
            api = settings.discord_api_url.rstrip("/")
            found.append(Provider(
                name="discord", label="Discord", client_id=str(settings.discord_application_id),
                client_secret=settings.discord_client_secret.get_secret_value(),
                authorize_url=settings.discord_authorize_url, token_url=api + "/oauth2/token",
                user_url=api + "/users/@me", scope="identify", token_auth="client_secret_basic"))
        return found

    def providers(self) -> list[Provider]:
        return list(self.known.values())

    def routes(self) -> list[BaseRoute]:
        guarded = self.site.guarded
        return [
            Route("/signin/with/{provider}", guarded(self.start), methods=["GET"]),
            Route("/signin/with/{provider}/back", guarded(self.back), methods=["GET"]),
        ]

    def _redirect_uri(self, provider: Provider) -> str:
        return f"{self.site.settings.web_address}/signin/with/{provider.name}/back"

    async def start(self, request: Request) -> Response:
        provider = self.known.get(str(request.path_params["provider"]))
        if provider is None:
            return self.site.not_found(request)
        state = secrets.token_urlsafe(24)
        request.session["oauth"] = {"provider": provider.name, "state": state,
                                    "next": local_path(request.query_params.get("next"), "/desk")}
        query = {"response_type": "code", "client_id": provider.client_id, "scope": provider.scope,
                 "redirect_uri": self._redirect_uri(provider), "state": state}
        if provider.name == "slack":
            query["nonce"] = secrets.token_urlsafe(16)
        separator = "&" if "?" in provider.authorize_url else "?"
        return RedirectResponse(provider.authorize_url + separator + urlencode(query), status_code=303)

    async def back(self, request: Request) -> Response:
        provider = self.known.get(str(request.path_params["provider"]))
        if provider is None:
            return self.site.not_found(request)
        if not self.attempts.allow(request.client.host if request.client else "unknown"):
            return self.site.message(request, N_("Too many attempts"), N_("Wait a few minutes, then try again."),
                                     status=429)
        expected = request.session.pop("oauth", None) or {}
        code = request.query_params.get("code", "")[:500]
        if (expected.get("provider") != provider.name or not code
                or not secrets.compare_digest(str(expected.get("state", "")),
                                              request.query_params.get("state", "")[:100])):
            return self._refused(request)
        try:
            person = await self._who(provider, code)
        except Exception as exc:
            # The provider refused the code or did not answer: its message may name a secret, so only its kind.
            log.warning("web sign-in with %s failed: %s", provider.name, type(exc).__name__)
            return self._refused(request)
        member = await asyncio.to_thread(self.links.person, *person) if person else None
        if member is None:
            return self.site.message(
                request, N_("The bot does not know you yet"),
                N_("Say hello to the bot in your workspace first (type /help), then sign in again."), status=403)
        self.site.sign_in(request, member)
        return RedirectResponse(local_path(expected.get("next"), "/desk"), status_code=303)

    def _refused(self, request: Request) -> Response:
        return self.site.message(request, N_("Signing in did not work"),
                                 N_("Start again from the sign-in page. Nothing was changed."), status=403)

    async def _who(self, provider: Provider, code: str) -> tuple[str, str, str | None] | None:
        """The platform, user id and workspace the provider names for `code` (None: it names nobody)."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self._redirect_uri(provider)}
        headers = {"Accept": "application/json"}
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            if provider.token_auth == "client_secret_post":
                form |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
                answer = await client.post(provider.token_url, data=form, headers=headers)
            else:
                answer = await client.post(provider.token_url, data=form, headers=headers,
                                           auth=httpx.BasicAuth(provider.client_id, provider.client_secret))
            answer.raise_for_status()
            token = answer.json()
            access = token.get("access_token") if isinstance(token, dict) and token.get("ok", True) else None
            if not access:
                return None
            answer = await client.get(provider.user_url, headers={"Authorization": f"Bearer {access}"})
            answer.raise_for_status()
            data = answer.json()
        if provider.name == "slack":
            user = data.get("https://slack.com/user_id") or data.get("sub")
            team = data.get("https://slack.com/team_id")
            return ("slack", str(user), str(team) if team else None) if data.get("ok", True) and user else None
        user = data.get("id")
        return ("discord", str(user), None) if user else None
