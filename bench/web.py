"""Benchmark of the web pages: 100,000 practices, the search page and a practice page under 20 concurrent clients for
30 s each, on SQLite and on PostgreSQL; prints p50/p95/p99 and errors.

Usage:
    python bench/web.py                                   # SQLite (temporary file) and PostgreSQL
    python bench/web.py --database-url sqlite:///data/web-bench.sqlite3
    python bench/web.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/icc_web --seconds 10

The practices are those of `bench/practices_search.py` (nine languages, Zipf-like words, a fifth translated),
seeded the same way. The web host runs as it does in production, `uvicorn` serving the app the wiring builds, in
processes of its own (`--workers`), on a loopback port; the clients are aiohttp sessions in this process, each
asking as soon as it has its answer (a closed loop: 20 requests always under way). Search pages ask for the same
mix of queries as the search benchmark (words, theme and city filters, a cluster, a second page, in several
reader languages); practice pages are published practices picked at random. Every answer must be 200 with the
page's heading, else it counts as an error. Targets: search page p95 <= 50 ms, practice page p95 <= 20 ms,
0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.practices_search import CITIES, seed  # noqa: E402
from bot import db  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/icc_web"
BENCH_SCHEMA = "bench_web"
URL_VARIABLE = "ICC_BENCH_WEB_DATABASE_URL"
TARGETS = {"search page": 50.0, "practice page": 20.0}

#: (words, theme, city, cluster, page, reader language) of the search pages asked for.
SEARCHES = [
    ("migrants", "", "", "", 1, "en"), ("integración", "", "", "", 1, "es"), ("intercultural", "", "", "", 2, "fr"),
    ("barrio", "participation", "Barcelona", "", 1, "es"), ("migranti", "", "Reggio Emilia", "", 1, "it"),
    ("école langue", "", "", "", 1, "fr"), ("інтеграція", "", "", "", 1, "uk"), ("library", "", "", "", 2, "en"),
    ("", "housing", "Lisbon", "", 1, "pt"), ("", "", "", "iberian", 1, "pt"), ("Ubuntu", "education", "", "", 1, "de"),
    ("", "", "", "", 3, "en"), ("rumores", "", "", "iberian", 1, "es"), ('NEAR("rumours" OR *', "", "", "", 1, "en"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_factory():  # type: ignore[no-untyped-def]
    """The web host's app on the benchmark's database (what each server process runs)."""
    from bot.settings import Settings
    from bot.wiring import build_core, web_app

    settings = Settings(_env_file=None, database_url=os.environ[URL_VARIABLE])  # type: ignore[call-arg]
    return web_app(build_core(settings, migrate=False))


def add_cluster(url: str) -> None:
    """A regional cluster of the Spanish and Portuguese cities, for the searches by cluster."""
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO cluster (slug, name, kind, description, status, languages, themes, "
                                "channel_name, mirror_reactions) VALUES ('iberian', 'Iberian network', 'regional', "
                                "'', 'active', 'es,pt', '', '', false)"))
        cluster_id = connection.execute(text("SELECT id FROM cluster WHERE slug = 'iberian'")).scalar_one()
        for number, (_, country, _) in enumerate(CITIES, start=1):
            if country in ("ES", "PT"):
                connection.execute(text("INSERT INTO clustermembership (cluster_id, city_id, joined_at) "
                                        "VALUES (:cluster, :city, CURRENT_TIMESTAMP)"),
                                   {"cluster": cluster_id, "city": number})
    engine.dispose()


def published_ids(url: str) -> list[int]:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        found = [int(row[0]) for row in connection.execute(text("SELECT id FROM practice WHERE status = 'published'"))]
    engine.dispose()
    return found


def cpu_seconds(pid: int) -> float:
    """Processor time used by `pid` and its children (the web host's workers), which does not grow when other
    programs share the machine, unlike the latencies."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            pending += [int(child) for child in
                        Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Processor time the web host spent per answer, in milliseconds.
    cpu_ms: float = float("nan")

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


async def load(name: str, address: str, paths: list[str], *, clients: int, seconds: float, expect: str) -> Run:
    """`clients` closed loops asking for `paths` (picked at random) for `seconds`."""
    import aiohttp

    run = Run(name)
    rng = random.Random(7)
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base_url=address, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def client(number: int) -> None:
            headers = {"Accept-Language": "en"}
            while time.perf_counter() < deadline:
                path = rng.choice(paths)
                began = time.perf_counter()
                try:
                    async with session.get(path, headers=headers) as answer:
                        body = await answer.text()
                        status = answer.status
                except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
                    run.errors.append(f"{path}: {type(error).__name__}")
                    continue
                took = (time.perf_counter() - began) * 1000
                if status != 200 or expect not in body:
                    run.errors.append(f"{path}: {status}")
                else:
                    run.latencies.append(took)

        await asyncio.gather(*(client(number) for number in range(clients)))
    return run


def search_paths() -> list[str]:
    paths = []
    for words, theme, city, cluster, page, lang in SEARCHES:
        params = {"q": words, "theme": theme, "cluster": cluster, "page": page, "lang": lang}
        if city:
            params["city"] = str(next(n for n, (name, _, _) in enumerate(CITIES, start=1) if name == city))
        paths.append("/practices?" + urlencode({k: v for k, v in params.items() if v}))
    return paths


def start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, **{URL_VARIABLE: url}, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "uvicorn", "bench.web:app_factory", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
               "--lifespan", "off"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def wait_up(address: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"the web host stopped: {log.read_text()[-2000:]}")
            try:
                async with session.get(address + "/healthz") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the web host did not start in 60 s")


async def measure(url: str, *, clients: int, seconds: float, workers: int, folder: Path) -> list[Run]:
    ids = published_ids(url)
    rng = random.Random(11)
    practice_paths = [f"/practices/{rng.choice(ids)}" for _ in range(5000)]
    port = free_port()
    log = folder / "web.log"
    process = start_server(url, port, workers, log)
    address = f"http://127.0.0.1:{port}"
    try:
        await wait_up(address, process, log)
        # One look at each page first, as a warmed cache would have (templates compiled, statements prepared).
        await load("warm-up", address, search_paths() + practice_paths[:50], clients=2, seconds=2,
                   expect="</html>")
        runs = []
        for name, paths, expect in (("search page", search_paths(), "<main"),
                                    ("practice page", practice_paths, "<article")):
            before = cpu_seconds(process.pid)
            run = await load(name, address, paths, clients=clients, seconds=seconds, expect=expect)
            run.cpu_ms = (cpu_seconds(process.pid) - before) * 1000 / max(1, len(run.latencies) + len(run.errors))
            runs.append(run)
    finally:
        process.terminate()
        process.wait(20)
    return runs


def bench(url: str, options: argparse.Namespace, folder: Path) -> list[Run] | None:
    parsed = make_url(url)
    label = parsed.get_backend_name()
    print(f"\n== {label}: {parsed.render_as_string(hide_password=True)}")
    if label == "postgresql":
        admin = db.make_engine(url)
        try:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE"))
                connection.execute(text(f"CREATE SCHEMA {BENCH_SCHEMA}"))
        except Exception as error:  # noqa: BLE001 - a missing server skips this database
            print(f"  skipped: cannot reach PostgreSQL ({type(error).__name__})")
            return None
        finally:
            admin.dispose()
        url = parsed.update_query_dict({"options": f"-csearch_path={BENCH_SCHEMA}"}).render_as_string(
            hide_password=False)
    engine = db.make_engine(url)
    try:
        seed(engine, options.practices, options.seed)
    finally:
        engine.dispose()
    add_cluster(url)
    runs = asyncio.run(measure(url, clients=options.clients, seconds=options.seconds, workers=options.workers,
                               folder=folder))
    for run in runs:
        print(f"  {run.name:<14} {len(run.latencies):>6} answers ({len(run.latencies) / options.seconds:.0f}/s)"
              f"  p50 {run.percentile(0.50):6.1f} ms  p95 {run.percentile(0.95):6.1f} ms"
              f"  p99 {run.percentile(0.99):6.1f} ms  errors {len(run.errors)}  web host CPU {run.cpu_ms:.1f} ms/page")
        for error in sorted(set(run.errors))[:5]:
            print(f"    error: {error}")
    if label == "postgresql":
        cleanup = db.make_engine(parsed.render_as_string(hide_password=False))
        with cleanup.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE"))
        cleanup.dispose()
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", help="a database to measure (default: both)")
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20, help="requests under way at once")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each page's run")
    parser.add_argument("--workers", type=int, default=2, help="web host processes (uvicorn --workers)")
    parser.add_argument("--seed", type=int, default=2024)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="icc-web-bench-") as name:
        folder = Path(name)
        urls = options.database_url or [f"sqlite:///{folder}/web.sqlite3", DEFAULT_POSTGRES]
        print(f"web pages: {options.practices:,} practices, {options.clients} clients, {options.seconds:.0f} s per "
              f"page, {options.workers} web processes")
        results = {url: bench(url, options, folder) for url in urls}
    print(f"\nload average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} processors")
    print("summary (ms)                 p50      p95      p99   errors   CPU/page   target p95")
    for url, runs in results.items():
        for run in runs or []:
            target = TARGETS[run.name]
            ok = run.percentile(0.95) <= target and not run.errors
            print(f"  {make_url(url).get_backend_name():<11}{run.name:<14}{run.percentile(0.5):>7.1f}"
                  f"{run.percentile(0.95):>9.1f}{run.percentile(0.99):>9.1f}{len(run.errors):>9}{run.cpu_ms:>11.1f}"
                  f"   <= {target:.0f} {'met' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
