"""Benchmark: the annual ICC survey opened to 140 cities, two coordinators each (one on Slack, one on Discord).

The prompts go through the delivery outbox, the real slack_sdk and a real discord.py bot, to the fakes with the
platforms' limits (the broadcast bench's: `bench/broadcast.py`, on `bench/delivery.py`'s database): Slack one post
per second per channel and 50 per second per workspace, Discord 50 requests per second per bot, and `--limited`
(20 %) of first attempts answered with 429. Then every city answers (through the survey service, as a Slack modal
sends it) and the results with their charts are computed for the ICC team.

Printed: prompts delivered, duplicates (counted in the fakes, by the delivery key each message carries), the time
from the opening to the last prompt against the bound the limits allow (every platform at once: the slowest
platform's requests at 50 per second), and the time to compute the results and draw the charts of 140 answers
(the first time, with matplotlib to load, and again).

    python bench/survey.py                     # 140 cities, SQLite
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/icc_bench python bench/survey.py
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import col, select  # noqa: E402

from bench.broadcast import LANGUAGES, PER_SECOND, Fakes, bound, make_network, sending, settings_for  # noqa: E402
from bench.delivery import database  # noqa: E402
from bot.db import session_scope  # noqa: E402
from bot.models import City, Cluster, ClusterMembership, Member, Role, Survey  # noqa: E402
from bot.services.surveys import Surveys  # noqa: E402
from bot.services.surveys.chasing import prompt_key  # noqa: E402
from bot.services.surveys.definitions import SurveyDef  # noqa: E402
from bot.services.surveys.results import results_reply  # noqa: E402
from bot.services.surveys.service import PageState  # noqa: E402
from bot.wiring import Core, build_core  # noqa: E402
from tests.fakes import discord as fd  # noqa: E402
from tests.fakes.deepl import FakeDeepL  # noqa: E402
from tests.fakes.discord_limits import BotLimits  # noqa: E402
from tests.fakes.discord_nonce import MessageNonces  # noqa: E402
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI  # noqa: E402
from tests.fakes.slack_history import serve_history  # noqa: E402
from tests.fakes.slack_limits import ChannelLimits  # noqa: E402

SURVEY = "annual-icc-survey"
REGIONS = ("southern-europe", "western-europe", "northern-europe", "eastern-europe", "north-america", "asia-pacific")
CLUSTERS = ("anti-rumours", "intercultural-competence", "business-and-diversity", "undocumented-migrants")
COMMENTS = ("More study visits, please.", "Plus de formations en ligne.", "Más encuentros entre ciudades.",
            "Più materiali tradotti.", "Mais partilha de práticas.", "Mehr Austausch zwischen Städten.",
            "Більше онлайн-зустрічей.")


def populate(core: Core, fakes: Fakes, cities: int) -> Member:
    """`cities` cities in 6 regions and 4 clusters, each with its Slack and its Discord coordinator; the ICC team."""
    with session_scope(core.engine) as session:
        rows = [City(name=f"City {n}", country="FR", languages=LANGUAGES[n % len(LANGUAGES)],
                     time_zone="Europe/Paris", region=REGIONS[n % len(REGIONS)]) for n in range(cities)]
        session.add_all(rows)
        clusters = [Cluster(slug=slug, name=slug.replace("-", " ").capitalize()) for slug in CLUSTERS]
        session.add_all(clusters)
        session.flush()
        session.add_all(ClusterMembership(cluster_id=clusters[n % len(clusters)].id or 0, city_id=city.id or 0)
                        for n, city in enumerate(rows))
        for n, city in enumerate(rows):
            for person in (fakes.slack_people[n], fakes.discord_people[n]):
                session.add(Member(platform=person.platform, workspace_id=person.workspace, user_id=person.id,
                                   city_id=city.id, role=Role.coordinator,
                                   preferred_language=LANGUAGES[n % len(LANGUAGES)]))
        team = Member(platform="slack", workspace_id=DEFAULT_TEAM_ID, user_id="UICC", role=Role.icc_team,
                      preferred_language="en")
        session.add(team)
        session.flush()
        session.refresh(team)
        return team


def an_answer(definition: SurveyDef, rng: random.Random, n: int) -> dict[str, str]:
    """A whole form as a coordinator sends it (every question answered; those not asked are dropped)."""
    values: dict[str, str] = {}
    for question in definition.questions:
        ids = question.choice_ids()
        if question.kind == "multiple":
            values[question.id] = ",".join(rng.sample(ids, rng.randint(1, min(len(ids), question.max_choices or 3))))
        elif question.kind in ("single", "scale", "yes_no"):
            values[question.id] = rng.choice(ids)
        elif question.kind == "number":
            values[question.id] = str(rng.randint(question.min or 0, min(question.max or 2030, 2026)))
        else:
            values[question.id] = COMMENTS[n % len(COMMENTS)] if n % 3 == 0 else ""
    return values


def answer_all(surveys: Surveys, survey: Survey) -> int:
    """Every city answers, as its Slack coordinator (the whole form in one modal)."""
    service = surveys.service
    assert survey.id is not None
    definition = service.definition(survey)
    rng = random.Random(11)
    with session_scope(service.engine) as session:
        people = list(session.exec(select(Member).where(Member.platform == "slack", Member.role == Role.coordinator)
                                   .order_by(col(Member.id))))
    for n, member in enumerate(people):
        saved = service.save_page(PageState(survey.id, 0), member, an_answer(definition, rng, n), per_page=100,
                                  locale="en")
        assert saved.answers is not None, "an answer was refused"
    return len(people)


async def timed_results(surveys: Surveys, survey: Survey, locale: str) -> tuple[float, float, int, int]:
    """The results of `survey` for a reader of `locale`: wall and processor seconds, charts, their bytes."""
    started, cpu = time.perf_counter(), time.process_time()
    reply = await results_reply(surveys.service, survey, locale)
    return (time.perf_counter() - started, time.process_time() - cpu, len(reply.files),
            sum(len(file.data) for file in reply.files))


async def main_bench(args: argparse.Namespace, database_url: str, data_dir: Path) -> None:
    async with FakeSlackWebAPI() as slack, fd.FakeDiscord(rate_limit=PER_SECOND, heartbeat_interval_ms=600_000) \
            as discord_fake:
        serve_history(slack)
        fakes = Fakes(slack, discord_fake, FakeDeepL(),
                      ChannelLimits(slack, per_channel=1.0, per_workspace=PER_SECOND,
                                    first_attempts_limited=args.limited),
                      BotLimits(discord_fake, per_second=PER_SECOND, first_attempts_limited=args.limited))
        MessageNonces(discord_fake)
        make_network(fakes, slack_channels=0, discord_channels=0, coordinators=2 * args.cities)
        core = build_core(settings_for(database_url, data_dir))
        team = populate(core, fakes, args.cities)
        surveys: Surveys = core.services.features["surveys"]
        with fd.point_discord_at(discord_fake):
            async with sending(core, fakes) as delivery:
                started, wall_started, cpu = time.perf_counter(), time.time(), time.process_time()
                survey = surveys.service.open(SURVEY, by=team, locale="en", now_requested=True,
                                              closes=date.today() + timedelta(days=60))
                surveys.reminders.open_due(core.services.clock.now())
                enqueued = time.perf_counter() - started
                assert survey.id is not None
                item = prompt_key(survey.id)
                while not await asyncio.to_thread(lambda: delivery.report(item).finished):
                    await asyncio.sleep(0.05)
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        report = delivery.report(item)
        delivered = fakes.delivered()
        discord_done = fakes.last_discord_post(wall_started)
        least, how = bound(fakes)
        answers = answer_all(surveys, survey)
        first = await timed_results(surveys, surveys.service.get(str(survey.id)), "fr")
        again = await timed_results(surveys, surveys.service.get(str(survey.id)), "uk")
        core.engine.dispose()

    print(f"survey             {SURVEY}: {args.cities} cities, 2 coordinators each "
          f"({len(fakes.slack_people)} on Slack, {len(fakes.discord_people)} on Discord)")
    print(f"prompts delivered  {len(delivered)} of {report.total}")
    print(f"duplicates         {sum(n - 1 for n in delivered.values())}")
    print(f"outbox             {dict(report.counts)}")
    print(f"429 answered       Slack {sum(fakes.slack_limits.limited.values())}, Discord "
          f"{dict(fakes.discord_limits.limited)} of {fakes.discord_limits.requests} requests")
    print(f"wall time          {wall:.2f} s from the opening to the last prompt (CPU of this process, the fakes "
          f"included: {cpu:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} processors)")
    print(f"opening            {enqueued:.2f} s to open the survey and put its {report.total} prompts in the outbox; "
          f"Discord's last prompt at {discord_done:.2f} s")
    print(f"bound              {least:.2f} s = {how}")
    print(f"ratio              {wall / least:.2f} x the bound from the opening; {(wall - enqueued) / least:.2f} x from "
          f"the prompts in the outbox")
    print(f"results + charts   {answers} answers, {first[2]} charts ({first[3] // 1024} KiB of PNG): "
          f"{first[0]:.2f} s the first time, matplotlib loaded (CPU {first[1]:.2f} s); {again[0]:.2f} s in another "
          f"language (CPU {again[1]:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=140)
    parser.add_argument("--limited", type=float, default=0.2, help="share of first attempts answered with 429")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as folder, database(folder) as url:
        asyncio.run(main_bench(args, url, Path(folder)))


if __name__ == "__main__":
    main()
