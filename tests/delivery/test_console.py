"""As people use it at the console: the ICC team rejects a Lisbon coordinator's practice; she is told once."""

from __future__ import annotations

from pathlib import Path

from bot.db import session_scope
from bot.messages import Identity
from bot.models import DeliveryState, PracticeStatus
from bot.settings import Settings
from bot.wiring import build_core
from tests.core.test_console import run_bot
from tests.practices.conftest import practice


def test_the_author_of_a_rejected_practice_is_told_once_in_her_language(database_url: str, tmp_path: Path) -> None:
    assert run_bot(["demo"], database_url, tmp_path).returncode == 0
    core = build_core(Settings(_env_file=None, database_url=database_url, data_dir=tmp_path),  # type: ignore[call-arg]
                      migrate=False)
    try:
        ana = core.services.members.find(Identity("console", "local", "ana"))
        lisbon = core.services.cities.find("Lisbon")
        assert ana is not None and lisbon is not None
        with session_scope(core.engine) as session:
            shared = core.services.practices.create(session=session, author=ana, data=practice(
                lisbon, title="Mediadores interculturais", language="pt"))
            number = shared.id

        # Ivana is on the ICC team, of no city: Enter when the console asks for her city and her role.
        reject = f"\n\n/practices reject {number} Please add the results of the evaluation.\n"
        first = run_bot(["console", "--as", "ivana", "--channel", "icc-team"], database_url, tmp_path,
                        reject + f"/practices reject {number} Twice?\n")
        again = run_bot(["console", "--as", "ivana", "--channel", "icc-team"], database_url, tmp_path, reject)

        assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
        assert f"Practice #{number} “Mediadores interculturais” is rejected. Its author will be told." in first.stdout
        told = "(direct message to ana) A equipa ICC não aceitou a sua prática «Mediadores interculturais»"
        assert first.stdout.count(told) == 1 and "Please add the results of the evaluation." in first.stdout
        assert "already rejected" in first.stdout and "already rejected" in again.stdout
        assert told not in again.stdout
        rows = core.services.delivery.store.rows()
        assert [(row.item, row.target, row.state, row.locale) for row in rows] == [
            (f"practice-review:{number}:reject", "console:local:@ana", DeliveryState.sent, "pt")]
        assert core.services.practices.get(number).status is PracticeStatus.rejected  # type: ignore[union-attr]
    finally:
        core.engine.dispose()
