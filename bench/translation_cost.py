"""Benchmark: what a cluster day costs in DeepL requests and characters, and how fast translations arrive.

    python bench/translation_cost.py                                   # a generated cluster day
    python bench/translation_cost.py --workload ../shared/workloads/cluster_day.jsonl

Runs the real bot (services, SQLite cache, the `deepl` library) against the loopback DeepL fake, which runs
in a child process of its own so that its CPU (HTTP parsing, the fake translation) is not charged to the bot.

Cost: the requests and billed characters of the day (counted by the fake), against the minimum as the
workload's README defines it: for each distinct text that has words to translate, the characters DeepL bills
for that text (as the bot sends it: markup replaced by tags) once per member language other than the text's
own. Texts that differ only by their markup (a mention, a link) are sent as one text, so the minimum over
distinct *sent* texts is printed too: that is what billed must equal. The fake answers DeepL's
`detected_source_language` with an identifier of its own (see `_deepl_detection`): a text the bot cannot
identify with confidence is asked for in its likely language only when that detection says otherwise.

Latency: with the fake adding 200 ms to each request, the time from a message to its translated reply in a
channel of seven languages (six translations), against one DeepL round trip measured with the library alone
on an idle process; the bot's own overhead is the difference, and its CPU time on the path is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.messages import Form, Identity, MessagePosted, Reply  # noqa: E402
from bot.models import TranslationMode  # noqa: E402
from bot.ports import Capabilities  # noqa: E402
from bot.services.translation.engine import PIECE_CHARACTERS  # noqa: E402
from bot.services.translation.language_id import LanguageIdentifier  # noqa: E402
from bot.services.translation.languages import NO_TAG_HANDLING, base, source_code, target_code  # noqa: E402
from bot.services.translation.markup import encode, has_words, split_pieces, words_of  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import build_core  # noqa: E402
from integrations.deepl.translator import DeepLTranslator  # noqa: E402
from integrations.slack.text import parse  # noqa: E402
from tests.fakes.deepl import deepl_client_settings  # noqa: E402

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


# ---------------------------------------------------------------- the fake DeepL, in a process of its own


def _deepl_detection(fakes: Any) -> Any:
    """What the fake answers as `detected_source_language` when no source is given: an identifier of its own
    over DeepL's source languages (lingua, every language model), standing in for DeepL's detection. The fake's
    default, a handful of stop words, takes "Os dejo el enlace a la convocatoria de la academia" for French."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = {str(language["language"]).split("-")[0] for language in fakes.SOURCE_LANGUAGES}
    isos = [iso for iso in (getattr(IsoCode639_1, code, None) for code in sorted(codes)) if iso is not None]
    detector = LanguageDetectorBuilder.from_iso_codes_639_1(*isos).with_low_accuracy_mode() \
        .with_preloaded_language_models().build()
    naive = fakes.naive_detect

    def detect(text: str) -> str:
        found = detector.detect_language_of(fakes._TAG_RE.sub(" ", text))
        return found.iso_code_639_1.name if found is not None else naive(text)

    return detect


def _serve_fake(conn: Connection, latency: float) -> None:
    """The child process: run the fake until told to stop, answer for its counters and the time it took.

    DeepL's time for a request runs from its first line read to its answer written, less the time spent
    waiting for a body the client sent after its headers (that wait is the client's), on `time.monotonic`
    (one clock for every process of the machine). It is recorded as (path, arrived, answered) with
    `answered - arrived` that time.
    """
    from tests.fakes import deepl as fakes

    served: list[tuple[str, float, float]] = []
    parse_request, read_body, serve = (fakes._Handler.parse_request, fakes._Handler._read_body,
                                       fakes._Handler._serve)

    def first_line_read(handler: Any) -> bool:
        handler.line_read = time.monotonic()
        return bool(parse_request(handler))

    def body_read(handler: Any) -> bytes:
        began = time.monotonic()
        body = read_body(handler)
        handler.body_wait = time.monotonic() - began
        return body

    def timed(handler: Any) -> None:
        handler.body_wait = None
        serve(handler)
        if handler.body_wait is not None:
            served.append((handler.path, handler.line_read + handler.body_wait, time.monotonic()))

    # Class attributes swapped in the child only (the fake's module is not changed).
    setattr(fakes._Handler, "parse_request", first_line_read)  # noqa: B010
    setattr(fakes._Handler, "_read_body", body_read)  # noqa: B010
    setattr(fakes._Handler, "_serve", timed)  # noqa: B010
    fake = fakes.FakeDeepL(latency=latency, detect=_deepl_detection(fakes)).start()
    conn.send((fake.url, fake.auth_key))
    try:
        while True:
            command = conn.recv()
            if command == "stop":
                break
            if command == "reset":
                fake.reset()
                served.clear()
                conn.send(None)
            elif command == "served":
                conn.send(list(served))
            elif command == "calls":
                with fake.lock:
                    conn.send([(c.target, c.source, list(c.texts), c.billed_characters) for c in fake.translate_calls])
    finally:
        fake.stop()


@dataclass
class Call:
    target: str
    source: str | None
    texts: list[str]
    billed: int


class RemoteFake:
    """The loopback DeepL fake in a child process: `url`, `auth_key`, `reset()`, `calls()`."""

    def __init__(self, latency: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_fake, args=(child, latency), name="fake-deepl", daemon=True)
        self._process.start()
        child.close()
        self.url, self.auth_key = self._conn.recv()

    def reset(self) -> None:
        self._conn.send("reset")
        self._conn.recv()

    def calls(self) -> list[Call]:
        self._conn.send("calls")
        return [Call(*row) for row in self._conn.recv()]

    def served(self) -> list[tuple[str, float, float]]:
        """(path, arrived, answered) of every request since `reset`, on `time.monotonic` (see `_serve_fake`)."""
        self._conn.send("served")
        return list(self._conn.recv())

    def close(self) -> None:
        try:
            self._conn.send("stop")
        except (BrokenPipeError, OSError):
            pass
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self) -> RemoteFake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- the bot


class BenchChat:
    """Records when each translated reply is posted."""

    platform = "slack"
    capabilities = Capabilities(threads=True, ephemeral=True, max_message_length=40_000)

    def __init__(self) -> None:
        self.posted: list[tuple[float, str, str]] = []
        self.cpu_at_reply = 0.0  # the process's CPU time when the last thread reply was posted
        self.loop_cpu_at_reply = 0.0  # the event loop's thread's, then
        self.counter = 0

    def _id(self) -> str:
        self.counter += 1
        return f"B{self.counter}"

    async def post(self, channel: Identity, reply: Reply) -> str:
        self.posted.append((time.monotonic(), "post", reply.text))
        return self._id()

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str:
        self.posted.append((time.monotonic(), thread_id, reply.text))
        self.cpu_at_reply, self.loop_cpu_at_reply = time.process_time(), time.thread_time()
        return self._id()

    async def direct_message(self, user: Identity, reply: Reply) -> str:
        return self._id()

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None:
        return None

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None:
        return None

    async def create_channel(self, workspace: str, name: str) -> Identity:
        return Identity("slack", workspace, name)


def make_core(folder: Path, fake: RemoteFake) -> tuple[Any, BenchChat, DeepLTranslator]:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{folder / 'bench.sqlite3'}",  # type: ignore[call-arg]
                        data_dir=folder)
    translator = DeepLTranslator(fake.auth_key, server_url=fake.url, timeout=10.0)
    core = build_core(settings, translator=translator)
    chat = BenchChat()
    core.dispatcher.attach_chat(chat)
    return core, chat, translator


def add_members(core: Any, channel: Identity, day: list[dict[str, object]]) -> list[str]:
    translation = core.services.translation
    ids = []
    for row in day:
        identity = Identity("slack", "T1", str(row["user"]))
        member = core.services.members.get_or_create(identity, display_name=str(row["city"]))
        core.services.members.set_language(identity, str(row["author_lang"]))
        ids.append(member.id)
    translation.channels.add_readers(channel, ids)
    translation.channels.set_mode(channel, TranslationMode.thread, by=None)
    translation.channels.forget()
    return list(translation.channels.languages(channel))


# ---------------------------------------------------------------- cost


@dataclass
class Minimum:
    distinct: int = 0  # distinct texts (as written) with words to translate
    pairs: int = 0  # their (text, needed language) pairs
    naive: int = 0  # characters of those pairs, the text as written
    readme: int = 0  # characters of those pairs, the text as the bot sends it (markup as tags)
    sent_pairs: int = 0  # distinct (sent text, needed language): texts that differ only by markup are one
    sent: int = 0  # their characters: the least DeepL can bill
    unsure: list[tuple[str, str, float]] = field(default_factory=list)  # sent texts of no sure language
    unsure_extra: int = 0  # what they would cost in their own language too


def minimum(day: list[dict[str, object]], languages: list[str], identifier: LanguageIdentifier) -> Minimum:
    """The least DeepL must bill for the day (see `Minimum`), with the bot's identifier deciding each text's
    own language (its most likely one). A text it cannot identify with confidence goes first into the languages
    it cannot be in, and into a candidate language only when DeepL's detection says it is another one: what it
    would cost in its own language is counted apart, in `unsure_extra`, and is not paid when DeepL agrees."""
    found = Minimum()
    sent: set[tuple[str, str]] = set()
    extra: set[tuple[str, str]] = set()
    for text in sorted({str(row["text"]) for row in day}):
        segments = parse(text).parts
        if not has_words(segments):
            continue
        found.distinct += 1
        identified = identifier.identify(words_of(segments))
        own = identified.language
        source = source_code(own) if own and identified.confident else ""
        pieces = split_pieces(segments, PIECE_CHARACTERS)
        for target in (target_code(code) for code in languages):
            xml = not ({target.split("-")[0], source} & NO_TAG_HANDLING)
            forms = [encode(piece, xml=xml).text for piece in pieces]
            if own is not None and base(target) == own:
                if not identified.confident and (forms[0], target) not in extra:
                    extra.add((forms[0], target))
                    found.unsure.append((text, own, identified.score))
                    found.unsure_extra += sum(len(form) for form in forms)
                continue
            found.pairs += 1
            found.naive += len(text)
            found.readme += sum(len(form) for form in forms)
            if (forms[0], target) not in sent:
                sent.add((forms[0], target))
                found.sent += sum(len(form) for form in forms)
    found.sent_pairs = len(sent)
    return found


async def cost(day: list[dict[str, object]]) -> None:
    channel = Identity("slack", "T1", "C-cluster")
    with tempfile.TemporaryDirectory() as folder, deepl_client_settings(max_retries=2, timeout=5.0), \
            RemoteFake() as fake:
        core, chat, translator = make_core(Path(folder), fake)
        await core.services.translation.start()
        await core.services.translation.engine.ready()
        languages = add_members(core, channel, day)
        fake.reset()
        started = time.monotonic()
        for row in day:
            thread = row.get("thread_of")
            await core.dispatcher.message_posted(MessagePosted(
                author=Identity("slack", "T1", str(row["user"])), channel=channel, message_id=f"m{row['n']}",
                text=parse(str(row["text"])), thread_id=f"m{thread}" if thread is not None else None,
                display_name=str(row["city"])))
        await core.services.translation.drain()
        elapsed = time.monotonic() - started
        least = minimum(day, languages, core.services.translation.engine.identifier)
        calls = fake.calls()
        billed = sum(call.billed for call in calls)
        asked = {(text, call.source, call.target) for call in calls for text in call.texts}
        print(f"messages: {len(day)}, distinct texts: {len({str(r['text']) for r in day})}, "
              f"with words to translate: {least.distinct}, channel languages: {', '.join(languages)}")
        print(f"DeepL requests: {len(calls)} ({sum(len(c.texts) for c in calls)} texts, {len(asked)} distinct "
              f"(text, source, target)), billed characters: {billed:,}")
        print(f"naive minimum (each distinct text as written, once per member language other than its own): "
              f"{least.pairs} pairs, {least.naive:,} characters")
        print(f"minimum as the README defines it (the same pairs, the text as the bot sends it: markup as tags): "
              f"{least.readme:,} characters")
        print(f"  texts that differ only by markup (a mention, a link) are one text as sent, and DeepL bills it "
              f"once: -{least.readme - least.sent:,} -> {least.sent:,} characters over {least.sent_pairs} "
              f"distinct (sent text, language)")
        if billed == least.sent:
            verdict = "billed = minimum"
        elif billed == least.sent + least.unsure_extra:
            verdict = (f"billed = minimum + {least.unsure_extra:,} characters: {len(least.unsure)} sent text(s) "
                       f"whose language the bot could not identify with confidence went into their own language "
                       f"too (DeepL's detection did not confirm the language the bot thought most likely)")
        else:
            verdict = f"billed - minimum = {billed - least.sent:+,} characters, unexplained"
        print(f"billed / README minimum {billed / least.readme:.3f}; billed / minimum as sent "
              f"{billed / least.sent:.3f}: {verdict}")
        for text, language, score in least.unsure:
            print(f"    no sure language locally (best {language} at {score:.2f}), left to DeepL's detection: "
                  f"{text[:70]!r}")
        print(f"thread replies posted: {sum(1 for p in chat.posted if p[1] != 'post')}, notices: "
              f"{sum(1 for p in chat.posted if p[1] == 'post')}; wall time {elapsed:.2f} s")
        translator.close()


# ---------------------------------------------------------------- latency


def _round_trips(fake: RemoteFake, count: int) -> tuple[list[float], list[float]]:
    """One DeepL round trip with the library alone, one request at a time, nothing else running: how long
    each took, and how much of it was the client's (the library, the kernel, the loopback), not DeepL's."""
    import deepl

    client = deepl.DeepLClient(fake.auth_key, server_url=fake.url, send_platform_info=False)
    times, client_side = [], []
    for i in range(count + 1):
        began = time.monotonic()
        client.translate_text([f"Nous organisons la rencontre numéro {i} du cluster."], target_lang="DE",
                              source_lang="FR", tag_handling="xml", preserve_formatting=True)
        took = time.monotonic() - began
        served = [end - start for _, start, end in fake.served() if start >= began]
        for _ in range(100):  # the fake records a request just after writing its answer: wait for the record
            if served:
                break
            time.sleep(0.01)
            served = [end - start for _, start, end in fake.served() if start >= began]
        if i:  # the first one opens the connection
            times.append(took)
            client_side.append(took - served[-1])
        time.sleep(0.05)
    client.close()
    return times, client_side


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@dataclass
class Sample:
    total: float  # message -> translated reply posted
    deepl: float  # the slowest request of the message, as long as the fake took to answer it
    before: float  # message -> the first request is at DeepL
    spread: float  # the first request is at DeepL -> the last one is
    after: float  # the last answer leaves DeepL -> the reply is posted
    cpu: float  # the bot's CPU time for the message (every thread of the process, bookkeeping included)
    cpu_to_reply: float  # the same, from the message to its reply only
    loop_cpu_to_reply: float  # the event loop's thread only (the bot's own code; the library works in others)
    requests: int

    @property
    def overhead(self) -> float:
        return self.total - self.deepl


async def latency(samples: int, delay: float, *, each: bool = False) -> None:
    channel = Identity("slack", "T1", "C-latency")
    day = [{"n": i, "user": f"U{i}", "city": f"City {i}", "author_lang": lang} for i, lang in enumerate(LANGUAGES)]
    with tempfile.TemporaryDirectory() as folder, deepl_client_settings(max_retries=2, timeout=5.0), \
            RemoteFake(latency=delay) as fake:
        trips, client_sides = _round_trips(fake, 9)
        one_trip, client_side = statistics.median(trips), statistics.median(client_sides)
        core, chat, translator = make_core(Path(folder), fake)
        await core.services.translation.start()
        await core.services.translation.engine.ready()
        languages = add_members(core, channel, day)
        found: list[Sample] = []
        for i in range(-2, samples):  # two warm-up messages (first connections, the quota check)
            text = (f"Nous organisons la rencontre numéro {i} du cluster anti-rumeurs à Strasbourg, "
                    f"avec <@U1> et les villes partenaires.")
            before = len(chat.posted)
            began, began_cpu, began_loop_cpu = time.monotonic(), time.process_time(), time.thread_time()
            await core.dispatcher.message_posted(MessagePosted(
                author=Identity("slack", "T1", "U1"), channel=channel, message_id=f"l{i}", text=parse(text),
                display_name="Paris"))
            assert len(chat.posted) == before + 1, "one reply expected"
            replied = chat.posted[-1][0]
            await core.services.translation.drain()  # the bookkeeping after the reply: its CPU counts too
            cpu = time.process_time() - began_cpu
            served = [(start, end) for path, start, end in fake.served()
                      if path.startswith("/v2/translate") and start >= began]
            assert len(served) == len(languages) - 1, f"{len(languages) - 1} requests expected, not {len(served)}"
            if i >= 0:
                found.append(Sample(
                    total=replied - began, deepl=max(end - start for start, end in served),
                    before=min(start for start, _ in served) - began,
                    spread=max(start for start, _ in served) - min(start for start, _ in served),
                    after=replied - max(end for _, end in served), cpu=cpu,
                    cpu_to_reply=chat.cpu_at_reply - began_cpu,
                    loop_cpu_to_reply=chat.loop_cpu_at_reply - began_loop_cpu, requests=len(served)))
            await asyncio.sleep(0.05)  # messages do not arrive back to back
        translator.close()

    def p50(values: Iterable[float]) -> float:
        return statistics.median(values)

    total = p50(s.total for s in found)
    if each:
        for n, sample in enumerate(found):
            print(f"  message {n}: reply {_ms(sample.total)}, DeepL {_ms(sample.deepl)}, overhead "
                  f"{_ms(sample.overhead)} (before {_ms(sample.before)}, spread {_ms(sample.spread)}, after "
                  f"{_ms(sample.after)}), CPU {_ms(sample.cpu)}")
    print(f"latency, one message into {len(languages) - 1} languages (fake DeepL +{delay * 1000:.0f} ms a request, "
          f"in its own process; {samples} messages, p50 unless said):")
    print(f"  one DeepL round trip, library alone, one at a time: {_ms(one_trip)} "
          f"(min {_ms(min(trips))}, max {_ms(max(trips))}); of which on the client's side (library, kernel, "
          f"loopback): {_ms(client_side)}")
    print(f"  message -> translated reply: {_ms(total)}, max {_ms(max(s.total for s in found))} "
          f"= {total / one_trip:.2f}x one round trip (target <= 1.3x)")
    print(f"  DeepL's own time for the message (its slowest request, request read -> answer written): "
          f"{_ms(p50(s.deepl for s in found))}")
    overheads = [s.overhead - client_side for s in found]
    print(f"  bot overhead (message -> reply, less the slowest DeepL round trip of the message = DeepL's own time "
          f"+ the client's side of one round trip): {_ms(p50(overheads))}, max {_ms(max(overheads))} "
          f"(target <= 5 ms)")
    print(f"  stricter: less DeepL's own time only (the library's cost of one request charged to the bot too): "
          f"{_ms(p50(s.overhead for s in found))}; less one round trip alone: "
          f"{_ms(p50(s.total - one_trip for s in found))}")
    print(f"    message -> first request at DeepL {_ms(p50(s.before for s in found))}; first -> last request "
          f"{_ms(p50(s.spread for s in found))}; last answer -> reply {_ms(p50(s.after for s in found))}")
    print(f"  bot CPU time per message (every thread, bookkeeping after the reply included): "
          f"{_ms(p50(s.cpu for s in found))}; from the message to its reply: {_ms(p50(s.cpu_to_reply for s in found))} "
          f"(the library's six requests included), of which in the event loop's thread (the bot's own code): "
          f"{_ms(p50(s.loop_cpu_to_reply for s in found))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--workload", type=Path, help="a cluster_day.jsonl file (see shared/workloads/README.md)")
    parser.add_argument("--samples", type=int, default=31, help="messages timed for the latency (p50 over them)")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the fake adds to each request")
    parser.add_argument("--each", action="store_true", help="print every message's figures")
    parser.add_argument("--latency-only", action="store_true", help="skip the cost of the day")
    options = parser.parse_args()
    if options.workload:
        day = [json.loads(line) for line in options.workload.read_text(encoding="utf-8").splitlines() if line.strip()]
        print(f"workload: {options.workload}")
    else:
        day = generated_day()
        print("workload: generated cluster day (200 messages, 12 cities, 7 languages)")
    if not options.latency_only:
        asyncio.run(cost(day))
    asyncio.run(latency(options.samples, options.delay, each=options.each))


if __name__ == "__main__":
    main()
