"""Benchmark: what a cluster day costs in DeepL requests and characters, and how fast translations arrive.

    python bench/translation_cost.py                                   # a generated cluster day
    python bench/translation_cost.py --workload ../shared/workloads/cluster_day.jsonl

Runs the real bot (services, SQLite cache, the `deepl` library) against the loopback DeepL fake. Prints the
requests and billed characters of the day, and the theoretical minimum: for each distinct text with words,
its characters once per member language other than its own (the language the bot identifies). Then, with
the fake adding 200 ms to each request, the time from a message to its translated reply in a channel of
seven languages (six translations), against one DeepL round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.messages import Form, Identity, MessagePosted, Reply  # noqa: E402
from bot.models import TranslationMode  # noqa: E402
from bot.ports import Capabilities  # noqa: E402
from bot.services.language_id import LanguageIdentifier  # noqa: E402
from bot.services.markup import Dialect, has_words, parse, words_of  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import build_core  # noqa: E402
from integrations.deepl.translator import DeepLTranslator  # noqa: E402
from tests.fakes.deepl import FakeDeepL, deepl_client_settings  # noqa: E402

LANGUAGES = ("en", "fr", "es", "it", "pt", "de", "uk")
CITIES = [("Dublin", "en"), ("Kirklees", "en"), ("Montréal", "fr"), ("Paris", "fr"), ("Barcelona", "es"),
          ("Bilbao", "es"), ("Reggio Emilia", "it"), ("Lisbon", "pt"), ("Stuttgart", "de"), ("Dudelange", "de"),
          ("Odesa", "uk"), ("Limassol", "en")]
SENTENCES = {
    "en": ["Our intercultural competence training for front-line staff starts next month.",
           "Could we set up a call next week to compare notes on participatory mapping?",
           "The ICC index results are out, we improved on public space and participation.",
           "Does any city have experience with community policing and the new manual?"],
    "fr": ["Nous organisons une journée portes ouvertes pour la Journée européenne des langues.",
           "La formation sur la compétence interculturelle a réuni quarante agents de la ville.",
           "Quelqu'un peut-il partager un exemple de stratégie interculturelle adoptée par le conseil municipal ?"],
    "es": ["En Barcelona la red antirumores cumple diez años, podemos compartir materiales de formación.",
           "¿Alguien tiene indicadores para medir el impacto de las actividades de contacto?",
           "Hemos traducido el manual de policía comunitaria intercultural al español."],
    "it": ["A Torino abbiamo avviato un percorso di mappatura partecipata del patrimonio culturale.",
           "Qualcuno ha esperienza con i consigli consultivi degli stranieri?"],
    "pt": ["O nosso plano municipal para a integração de migrantes foi aprovado ontem.",
           "Alguém pode partilhar boas práticas sobre a participação política de residentes estrangeiros?"],
    "de": ["In Düdelingen haben wir einen interkulturellen Beirat gegründet, der monatlich tagt.",
           "Hat jemand Erfahrung mit Sprachcafés für neu angekommene Familien?"],
    "uk": ["Наш посібник з міжкультурної комунікації вже перекладено українською.",
           "Чи може хтось поділитися досвідом роботи з внутрішньо переміщеними особами?"],
}
SHORT = {"en": "Thanks!", "fr": "Merci !", "es": "¡Gracias!", "it": "Grazie mille!", "pt": "Obrigada!",
         "de": "Danke!", "uk": "Дякую!"}
REACTIONS = ["+1", ":tada:", "👍", "🙏", ":flag-pt: :flag-fr:", "ok"]
BROADCAST = ("Reminder: 18 December is International Migrants Day. Share what your city is planning with "
             "/share-practice and use the campaign materials: <https://www.coe.int/en/web/interculturalcities|ICC>")


def generated_day(seed: int = 5) -> list[dict[str, object]]:
    """200 messages from 12 cities in 7 languages: repeats, emoji-only replies, a broadcast posted twice."""
    rng = random.Random(seed)
    users = {city: f"U{i:03d}" for i, (city, _) in enumerate(CITIES)}
    day: list[dict[str, object]] = []
    for n in range(200):
        city, language = rng.choice(CITIES)
        roll = rng.random()
        row: dict[str, object] = {"n": n, "city": city, "user": users[city], "author_lang": language}
        if n in (40, 160):
            row["text"] = BROADCAST
        elif roll < 0.2 and day:
            row["text"] = rng.choice(REACTIONS)
        elif roll < 0.4 and day:
            # Thanks, sometimes in another member's language, with a mention.
            other = rng.choice(LANGUAGES) if rng.random() < 0.3 else language
            mention = f" <@{rng.choice(list(users.values()))}>" if rng.random() < 0.5 else ""
            row["text"] = SHORT[other].rstrip("!") + mention + "!"
        else:
            row["text"] = rng.choice(SENTENCES[language])
        if day and rng.random() < 0.4:
            row["thread_of"] = rng.randrange(0, n)
        day.append(row)
    return day


class BenchChat:
    """Records when each translated reply is posted."""

    platform = "slack"
    capabilities = Capabilities(threads=True, ephemeral=True, max_message_length=40_000)

    def __init__(self) -> None:
        self.posted: list[tuple[float, str, str]] = []
        self.counter = 0

    def _id(self) -> str:
        self.counter += 1
        return f"B{self.counter}"

    async def post(self, channel: Identity, reply: Reply) -> str:
        self.posted.append((time.perf_counter(), "post", reply.text))
        return self._id()

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str:
        self.posted.append((time.perf_counter(), thread_id, reply.text))
        return self._id()

    async def direct_message(self, user: Identity, reply: Reply) -> str:
        return self._id()

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None:
        return None

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None:
        return None

    async def create_channel(self, workspace: str, name: str) -> Identity:
        return Identity("slack", workspace, name)


def make_core(folder: Path, fake: FakeDeepL):  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, database_url=f"sqlite:///{folder / 'bench.sqlite3'}",  # type: ignore[call-arg]
                        data_dir=folder)
    translator = DeepLTranslator(fake.auth_key, server_url=fake.url, timeout=10.0)
    core = build_core(settings, translator=translator)
    chat = BenchChat()
    core.dispatcher.attach_chat(chat)
    return core, chat, translator


def add_members(core, channel: Identity, day: list[dict[str, object]]) -> list[str]:  # type: ignore[no-untyped-def]
    translation = core.services.translation
    ids = []
    for row in day:
        identity = Identity("slack", "T1", str(row["user"]))
        member = core.services.members.get_or_create(identity, display_name=str(row["city"]))
        core.services.members.set_language(identity, str(row["author_lang"]))
        ids.append(member.id)
    translation.store.add_readers(channel, ids, now=core.services.clock.now())
    translation.set_mode(channel, TranslationMode.thread, by=None)
    translation.forget()
    return translation.channel_languages(channel)  # type: ignore[no-any-return]


def minimum(day: list[dict[str, object]], languages: list[str]) -> tuple[int, int, int]:
    """(distinct texts with words, their language pairs, the characters DeepL must bill at least)."""
    identifier = LanguageIdentifier(LANGUAGES)
    texts = {str(row["text"]) for row in day}
    pairs = characters = distinct = 0
    for text in texts:
        segments = parse(text)
        if not has_words(segments, Dialect.slack):
            continue
        distinct += 1
        own = identifier.identify(words_of(segments, Dialect.slack)).language
        needed = [code for code in languages if code.split("-")[0].lower() != own]
        pairs += len(needed)
        characters += len(text) * len(needed)
    return distinct, pairs, characters


async def cost(day: list[dict[str, object]]) -> None:
    channel = Identity("slack", "T1", "C-cluster")
    with tempfile.TemporaryDirectory() as folder, deepl_client_settings(max_retries=2, timeout=5.0):
        async with FakeDeepL() as fake:
            core, chat, translator = make_core(Path(folder), fake)
            await core.services.translation.start()
            languages = add_members(core, channel, day)
            fake.reset()
            started = time.perf_counter()
            for row in day:
                thread = row.get("thread_of")
                await core.dispatcher.message_posted(MessagePosted(
                    author=Identity("slack", "T1", str(row["user"])), channel=channel, message_id=f"m{row['n']}",
                    text=str(row["text"]), thread_id=f"m{thread}" if thread is not None else None,
                    display_name=str(row["city"])))
            await core.services.translation.drain()
            elapsed = time.perf_counter() - started
            distinct, pairs, least = minimum(day, languages)
            calls = fake.translate_calls
            print(f"messages: {len(day)}, distinct texts: {len({str(r['text']) for r in day})}, "
                  f"with words to translate: {distinct}, channel languages: {', '.join(languages)}")
            print(f"DeepL requests: {len(calls)} ({sum(len(c.texts) for c in calls)} texts), "
                  f"billed characters: {fake.billed_characters:,}")
            print(f"theoretical minimum (distinct text × needed language): {pairs} text-language pairs, "
                  f"{least:,} characters")
            print(f"billed / minimum: {fake.billed_characters / least:.3f}  (below 1: mentions, links, emoji and "
                  f"code are placeholders, so texts that differ only by them are one text)")
            print(f"thread replies posted: {sum(1 for p in chat.posted if p[1] != 'post')}, notices: "
                  f"{sum(1 for p in chat.posted if p[1] == 'post')}; wall time {elapsed:.2f} s")
            translator.close()


async def latency(samples: int = 15) -> None:
    channel = Identity("slack", "T1", "C-latency")
    day = [{"n": i, "user": f"U{i}", "city": f"City {i}", "author_lang": lang} for i, lang in enumerate(LANGUAGES)]
    with tempfile.TemporaryDirectory() as folder, deepl_client_settings(max_retries=2, timeout=5.0):
        async with FakeDeepL(latency=0.2) as fake:
            core, chat, translator = make_core(Path(folder), fake)
            await core.services.translation.start()
            languages = add_members(core, channel, day)
            round_trips = []
            for i in range(5):
                began = time.perf_counter()
                await translator.translate([f"Warm-up text number {i}."], target="DE")
                round_trips.append(time.perf_counter() - began)
            one_trip = statistics.median(round_trips)
            totals = []
            for i in range(samples):
                text = (f"Nous organisons la rencontre numéro {i} du cluster anti-rumeurs à Strasbourg, "
                        f"avec <@U1> et les villes partenaires.")
                before = len(chat.posted)
                began = time.perf_counter()
                await core.dispatcher.message_posted(MessagePosted(
                    author=Identity("slack", "T1", "U1"), channel=channel, message_id=f"l{i}", text=text,
                    display_name="Paris"))
                assert len(chat.posted) == before + 1, "one reply expected"
                totals.append(chat.posted[-1][0] - began)
            await core.services.translation.drain()
            p50 = statistics.median(totals)
            overheads = sorted(total - one_trip for total in totals)
            print(f"latency, one message into {len(languages) - 1} languages (fake DeepL +200 ms a request):")
            print(f"  one DeepL round trip (p50): {one_trip * 1000:.1f} ms")
            print(f"  message -> translated reply: p50 {p50 * 1000:.1f} ms, max {max(totals) * 1000:.1f} ms "
                  f"= {p50 / one_trip:.2f}x one round trip (target <= 1.3x)")
            print(f"  bot overhead beyond one round trip: p50 {statistics.median(overheads) * 1000:.1f} ms "
                  f"(target <= 5 ms)")
            translator.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", type=Path, help="a cluster_day.jsonl file (see shared/workloads/README.md)")
    parser.add_argument("--samples", type=int, default=15)
    options = parser.parse_args()
    if options.workload:
        day = [json.loads(line) for line in options.workload.read_text(encoding="utf-8").splitlines() if line.strip()]
        print(f"workload: {options.workload}")
    else:
        day = generated_day()
        print("workload: generated cluster day (200 messages, 12 cities, 7 languages)")
    asyncio.run(cost(day))
    asyncio.run(latency(options.samples))


if __name__ == "__main__":
    main()
