"""`intake tokens`: make, list, disable API tokens; the token is printed once and works."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.store import make_engine
from bot.store.accounts.api_tokens import token_hash
from bot.store.tables import api_tokens


@pytest.fixture
def database(db_url, monkeypatch) -> str:
    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    return db_url


def intake(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdin=io.StringIO(""), stdout=out), out.getvalue()


def test_a_token_is_shown_once_stored_hashed_and_listed_without_it(database, capsys):
    code, out = intake("tokens", "add", "--name", "wm-fr CRM", "--affiliate", "wm-fr")
    assert code == 0
    raw = out.strip().splitlines()[-1]
    assert raw.startswith("itk_") and len(raw) > 40
    engine = make_engine(database)
    with engine.connect() as connection:
        row = connection.execute(select(api_tokens.c.token_hash, api_tokens.c.affiliate_id)).one()
    engine.dispose()
    assert row.token_hash == token_hash(raw) and row.affiliate_id == "wm-fr"
    code, listing = intake("tokens", "list")
    assert code == 0 and "wm-fr CRM" in listing and "active" in listing and raw not in listing
    assert intake("tokens", "disable", "--name", "wm-fr CRM")[0] == 0
    assert "disabled" in intake("tokens", "list")[1]


@pytest.mark.parametrize("argv, message", [
    (("tokens", "add", "--name", "x", "--affiliate", "nobody"), "unknown affiliate"),
    (("tokens", "disable", "--name", "nobody"), "no token named"),
    (("tokens",), "choose an action"),
])
def test_bad_input_is_one_line_and_exit_code_2(database, capsys, argv, message):
    code, _ = intake(*argv)
    assert code == 2 and message in capsys.readouterr().err


def test_names_are_unique(database, capsys):
    assert intake("tokens", "add", "--name", "tool")[0] == 0
    assert intake("tokens", "add", "--name", "tool")[0] == 2
    assert "exists already" in capsys.readouterr().err
