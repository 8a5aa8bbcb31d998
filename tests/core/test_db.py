"""The database: migrations up and down on SQLite and PostgreSQL, WAL and foreign keys on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import db
from bot.messages import Identity
from bot.models import City, Member, Role
from bot.services.members import MemberService


def test_the_schema_is_at_the_latest_revision_and_has_every_table(engine: Engine) -> None:
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(db.alembic_config(engine)).get_heads())
    assert len(heads) == 1, f"the migrations must form one line, not branches: {heads}"
    assert db.current_revisions(engine) == heads
    tables = set(inspect(engine).get_table_names())
    assert {"city", "member", "cluster", "clustermembership", "clusterchannel", "practice", "practicetheme",
            "practicetranslation", "practicereview"} <= tables


@pytest.mark.fresh_database  # migrates down to nothing and up again
def test_upgrade_is_idempotent_and_downgrade_empties_the_schema(engine: Engine) -> None:
    db.upgrade(engine)
    from alembic import command

    command.downgrade(db.alembic_config(engine), "base")
    assert not {"city", "member", "practice"} & set(inspect(engine).get_table_names())
    db.upgrade(engine)
    assert "practice" in inspect(engine).get_table_names()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Member(platform="console", workspace_id="local", user_id="x", city_id=999))
        with pytest.raises(IntegrityError):
            session.commit()


def test_one_member_per_platform_identity(engine: Engine) -> None:
    members = MemberService(engine)
    identity = Identity("slack", "T1", "U1")
    first = members.get_or_create(identity, display_name="Ana", platform_locale="pt-PT")
    again = members.get_or_create(identity, display_name="Ana Silva")
    assert first.id == again.id and again.display_name == "Ana Silva" and again.locale == "pt-PT"
    other_workspace = members.get_or_create(Identity("slack", "T2", "U1"))
    assert other_workspace.id != first.id
    assert members.set_role(identity, Role.coordinator).role == Role.coordinator


def test_unicode_names_round_trip(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(City(name="Montréal 🇨🇦 مرحبا", country="CA"))
        session.commit()
        assert session.get(City, 1) is not None


@pytest.mark.fresh_database  # migrates one step down
def test_a_schema_already_current_is_not_migrated_again_at_start(engine: Engine) -> None:
    from alembic.script import ScriptDirectory

    # The newest revision read from the files is Alembic's own head.
    assert {db.newest_revision()} == set(ScriptDirectory.from_config(db.alembic_config(engine)).get_heads())
    assert db.schema_is_current(engine) and db.upgrade_if_behind(engine) is False
    # One migration behind (a deploy with a new migration): upgraded at start.
    from alembic import command

    command.downgrade(db.alembic_config(engine), "-1")
    assert not db.schema_is_current(engine)
    assert db.upgrade_if_behind(engine) is True and db.schema_is_current(engine)
