"""When DeepL fails: the circuit breaker that pauses translation, and what people are told about the pause.

A pause delivers originals as they are written and lets one message try again when it is over; pauses grow
while failures repeat. The notice names the cause (quota used up, too many requests, DeepL not answering, the
key refused) and when translation resumes: the time of the next try, or the day the quota renews.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import N_, format_date, format_datetime, t
from bot.ports import Clock
from bot.settings import Settings

#: Reasons that pause translation; `rejected` (a 400) only skips the message concerned, `glossary` is handled
#: by syncing the glossary again.
PAUSING = frozenset({"quota", "rate_limited", "server", "timeout", "connection", "auth"})

QUOTA_NOTICE = N_("Translation is paused: the DeepL quota for this period is used up. Messages are delivered as "
                  "written until the quota renews on {date}.")
QUOTA_NOTICE_NO_DATE = N_("Translation is paused: the DeepL quota for this period is used up. Messages are "
                          "delivered as written until the quota renews at the start of the next billing period.")
RATE_NOTICE = N_("Translation is paused: DeepL is receiving too many requests. Messages are delivered as written; "
                 "translation resumes at about {time}.")
OUTAGE_NOTICE = N_("Translation is paused: DeepL is not answering. Messages are delivered as written; translation "
                   "will try again at {time} and resume by itself.")
KEY_NOTICE = N_("Translation is paused: DeepL refuses the bot's key. Messages are delivered as written until the "
                "ICC team sets a valid DeepL key.")


class Breaker:
    """Pauses translation after a failure, and lets one message try again when the pause is over.

    Pauses grow (1, 2, 4… up to 60 minutes) while failures repeat; a quota error pauses for an hour.
    Time comes from the clock, so tests move it instead of sleeping.
    """

    def __init__(self, clock: Clock, *, first_pause: timedelta = timedelta(minutes=1),
                 longest_pause: timedelta = timedelta(minutes=60)) -> None:
        self.clock = clock
        self.first_pause = first_pause
        self.longest_pause = longest_pause
        self.until: datetime | None = None
        self.reason = ""
        self.failures = 0
        #: How many pauses began so far (a channel is told once per pause).
        self.opened = 0
        self._probing = False

    @property
    def paused(self) -> bool:
        return self.until is not None

    def allow(self) -> bool:
        """Whether a request may go now (after the pause, one probe goes; the others wait for its answer)."""
        if self.until is None:
            return True
        if self.clock.now() < self.until or self._probing:
            return False
        self._probing = True
        return True

    def succeeded(self) -> bool:
        """Close; returns True when this ends a pause."""
        was_paused = self.until is not None
        self.until, self.reason, self.failures, self._probing = None, "", 0, False
        return was_paused

    def failed(self, reason: str) -> bool:
        """Open (or extend) the pause; returns True when this starts a pause.

        Requests that were already on their way when the pause began (the other languages of the same message)
        fail with it: they do not make the pause longer; a failed probe after the pause does.
        """
        started = self.until is None
        if not started and not self._probing and self.clock.now() < (self.until or self.clock.now()):
            return False
        self.failures += 1
        pause = self.longest_pause if reason in ("quota", "auth") else min(
            self.first_pause * (2 ** (self.failures - 1)), self.longest_pause
        )
        self.until = self.clock.now() + pause
        self.reason = reason
        self._probing = False
        self.opened += started
        return started


def pause_notice(breaker: Breaker, locale: str, *, settings: Settings, now: datetime) -> str:
    """Why translation is paused, and when it resumes, in `locale` (times in the network's time zone)."""
    when = format_datetime(locale, breaker.until or now, format="short", tz=settings.time_zone)
    if breaker.reason == "quota":
        renews = quota_renews_on(settings.deepl_quota_renewal_day, now, settings.time_zone)
        if renews is None:
            return t(locale, QUOTA_NOTICE_NO_DATE)
        return t(locale, QUOTA_NOTICE, date=format_date(locale, renews, format="long"))
    if breaker.reason == "rate_limited":
        return t(locale, RATE_NOTICE, time=when)
    if breaker.reason == "auth":
        return t(locale, KEY_NOTICE)
    return t(locale, OUTAGE_NOTICE, time=when)


def quota_renews_on(day: int | None, now: datetime, time_zone: str) -> datetime | None:
    """The next time the DeepL quota renews: on `day` of the month (or the month's last day), in the network's
    time zone; None when the day is not set."""
    if day is None:
        return None
    local = now.astimezone(ZoneInfo(time_zone))
    year, month = local.year, local.month
    if local.day >= min(day, calendar.monthrange(year, month)[1]):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return local.replace(year=year, month=month, day=min(day, calendar.monthrange(year, month)[1]), hour=0,
                         minute=0, second=0, microsecond=0)
