"""What every web page shares: the reader's language, the Jinja2 templates, the signed-in person, CSRF tokens,
and the pages that say something went wrong (in the reader's language, never a stack trace)."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.errors import UserError
from bot.i18n import N_, format_date, format_datetime, format_number, t, tn
from bot.models import Member, Role
from bot.ports import Clock, SystemClock
from bot.services import Services
from bot.settings import SUPPORTED_LOCALES, Settings

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
#: The cookie that remembers the language a reader chose.
LANGUAGE_COOKIE = "icc_lang"
#: A signed-in session lasts this long without being used again.
SESSION_SECONDS = 8 * 3600


def accept_language(header: str | None) -> list[str]:
    """The languages of an `Accept-Language` header, best first; anything malformed is skipped."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:1000].split(",")[:30]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or len(tag) > 35 or not all(c.isalnum() or c in "-_" for c in tag):
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if 0 < quality <= 1:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def reader_language(request: Request) -> str:
    """The reader's language: the one they chose (a cookie), else their browser's (Babel's negotiation of
    `Accept-Language`), else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    found = Locale.negotiate(accept_language(request.headers.get("accept-language")), SUPPORTED_LOCALES, sep="-")
    return str(found.language) if found is not None and found.language in SUPPORTED_LOCALES else "en"


def text_direction(locale: str) -> str:
    try:
        return "rtl" if Locale.parse(locale).text_direction == "rtl" else "ltr"
    except (UnknownLocaleError, ValueError):
        return "ltr"


def language_choices() -> list[tuple[str, str]]:
    """Each language the pages are in, named in itself ("fr" -> "français")."""
    return [(code, (Locale.parse(code).get_display_name(code) or code)) for code in SUPPORTED_LOCALES]


def local_path(value: str | None, default: str = "/") -> str:
    """`value` if it is a path of this site (never another site: "//evil", "https://…", "/\\evil")."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 2000:
        return default
    return value


class CsrfToken:
    """A CSRF token made when it is first written into a page."""

    def __init__(self, make: Callable[[], str]) -> None:
        self.make = make

    def __str__(self) -> str:
        return self.make()


@dataclass
class Site:
    """The pages' shared parts, built once per web app."""

    services: Services
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    env: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        self.env.globals["languages"] = language_choices()
        self.env.globals["Role"] = Role

    # ------------------------------------------------------------ who reads

    def member(self, request: Request) -> Member | None:
        """The signed-in person, or None (never signed in, signed out, or the session has ended)."""
        session = request.scope.get("session")
        if not session or "member" not in session:
            return None
        if float(session.get("until", 0)) < self.clock.now().timestamp():
            session.pop("member", None)
            return None
        member = self.services.members.get(int(session["member"]))
        if member is None:
            session.pop("member", None)
        return member

    def sign_in(self, request: Request, member: Member) -> None:
        """Start a session for `member` (a new CSRF token too: a token seen before signing in is not reused)."""
        request.session.clear()
        request.session.update({"member": member.id, "until": self.clock.now().timestamp() + SESSION_SECONDS,
                                "csrf": secrets.token_urlsafe(24)})

    @staticmethod
    def lazy_csrf_token(request: Request) -> CsrfToken:
        """The CSRF token, made only when a page with a form shows it (a reader's page sets no cookie)."""
        return CsrfToken(lambda: Site.csrf_token(request))

    @staticmethod
    def csrf_token(request: Request) -> str:
        session = request.scope.get("session")
        if session is None:
            return ""
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        return str(session["csrf"])

    @staticmethod
    async def form(request: Request) -> dict[str, str] | None:
        """The posted form's fields when its CSRF token is the session's; None otherwise."""
        try:
            async with request.form(max_files=0, max_fields=50) as posted:
                values = {key: str(value)[:20000] for key, value in posted.items() if isinstance(value, str)}
        except Exception:
            return None
        expected = str(request.scope.get("session", {}).get("csrf", ""))
        given = values.pop("csrf", "")
        if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
            return None
        return values

    # ------------------------------------------------------------ pages

    def context(self, request: Request) -> dict[str, Any]:
        locale = reader_language(request)

        def gettext(msgid: str, **params: object) -> str:
            return t(locale, msgid, **params)

        def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
            return tn(locale, singular, plural, n, **params)

        def query(**changes: object) -> str:
            """This page's address with some query parameters changed (None: removed)."""
            params = dict(request.query_params.items())
            for key, value in changes.items():
                if value is None or value == "":
                    params.pop(key, None)
                else:
                    params[key] = str(value)
            return request.url.path + ("?" + urlencode(params) if params else "")

        return {
            "request": request, "locale": locale, "dir": text_direction(locale), "_": gettext, "N_": gettext,
            "ngettext": ngettext, "me": self.member(request), "csrf": self.lazy_csrf_token(request),
            "here": local_path(request.url.path + ("?" + request.url.query if request.url.query else "")),
            "query": query, "date": lambda value, fmt="long": format_date(locale, value, format=fmt),
            "datetime": lambda value, fmt="medium", tz=None: format_datetime(locale, value, format=fmt, tz=tz),
            "number": lambda value: format_number(locale, value), "address": self.settings.web_address,
        }

    def render(self, request: Request, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        context = self.context(request) | values
        html = self.env.get_template(template).render(context)
        return HTMLResponse(html, status_code=status, headers={"Content-Language": context["locale"]})

    def message(self, request: Request, title: str, text: str = "", *, status: int = 200,
                **params: object) -> HTMLResponse:
        """A page that says one thing (msgids, translated here)."""
        locale = reader_language(request)
        return self.render(request, "message.html", status=status, title=t(locale, title, **params),
                           text=t(locale, text, **params) if text else "")

    def not_found(self, request: Request) -> HTMLResponse:
        return self.message(request, N_("Page not found"),
                            N_("There is no such page here. It may have moved or been removed."), status=404)

    def forbidden(self, request: Request) -> HTMLResponse:
        return self.message(request, N_("Not allowed"), N_("Your role does not let you do this. Nothing was changed."),
                            status=403)

    def user_error(self, request: Request, error: UserError, *, status: int = 400) -> HTMLResponse:
        locale = reader_language(request)
        text = t(locale, error.msgid, **error.params)
        if error.hint:
            text += " " + t(locale, error.hint, **error.params)
        return self.render(request, "message.html", status=status, title=t(locale, "That did not work"), text=text)

    def bad_form(self, request: Request) -> HTMLResponse:
        return self.message(request, N_("This form has expired"),
                            N_("Open the page again and send the form once more. Nothing was changed."), status=403)

    def sign_in_first(self, request: Request) -> Response:
        return RedirectResponse("/signin?" + urlencode({"next": local_path(request.url.path)}), status_code=303)

    def guarded(self, handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        """`handler`, with a person's mistakes shown as a message and anything else as a plain error page."""

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except UserError as error:
                return self.user_error(request, error)
            except Exception:
                log.exception("web page %s failed", request.url.path)
                return self.message(request, N_("Something went wrong"),
                                    N_("The page could not be made. Try again in a moment."), status=500)

        return page
