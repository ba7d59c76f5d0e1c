"""`intake users ...` against a real database: exit codes, messages, and what is stored."""

from __future__ import annotations

import io

import pytest

from bot.cli import main
from bot.staff.passwords import verify_password
from bot.store import make_engine, make_sessionmaker
from bot.store.accounts.users import credentials_by_email

PASSWORD = "correct horse battery"


@pytest.fixture
def database(db_url, monkeypatch) -> str:
    """INTAKE_DATABASE_URL pointing at an empty database (the CLI migrates it)."""
    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    return db_url


def intake(*argv: str, stdin: str = "") -> tuple[int, str]:
    """Run the CLI; its exit code and what it printed on stdout."""
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def stored_hash(url: str, email: str) -> str | None:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            found = credentials_by_email(session=session, email=email)
    finally:
        engine.dispose()
    return found.password_hash if found else None


def add(email: str, role: str, *extra: str, password: str = PASSWORD) -> tuple[int, str]:
    return intake(
        "users", "add", "--email", email, "--role", role, *extra, "--password-stdin", stdin=password + "\n"
    )


def test_add_staff_and_affiliate_users_then_list_them(database, capsys):
    assert add("Ana@Example.org", "staff") == (0, "added staff user ana@example.org\n")
    assert add("fr@example.org", "affiliate", "--affiliate", "wm-fr")[0] == 0
    stored = stored_hash(database, "ANA@example.org")
    assert stored is not None and stored.startswith("$argon2id$")
    assert verify_password(stored, PASSWORD).ok  # the newline from stdin is not part of it
    code, out = intake("users", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["EMAIL", "ROLE", "AFFILIATE", "DISABLED", "LAST", "LOGIN"]
    assert lines[1].split() == ["ana@example.org", "staff", "-", "no", "never"]
    assert lines[2].split() == ["fr@example.org", "affiliate", "wm-fr", "no", "never"]
    assert "$argon2" not in out and stored not in out
    assert capsys.readouterr().err == ""


def test_list_of_no_users(database):
    code, out = intake("users", "list")
    assert code == 0 and "(no users)" in out


def test_disable_and_enable(database):
    add("ana@example.org", "staff")
    assert intake("users", "disable", "--email", "ANA@example.org") == (0, "disabled ana@example.org\n")
    assert intake("users", "list")[1].splitlines()[1].split()[3] == "yes"
    assert intake("users", "enable", "--email", "ana@example.org") == (0, "enabled ana@example.org\n")
    assert intake("users", "list")[1].splitlines()[1].split()[3] == "no"


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (
            ["users", "add", "--email", "a@example.org", "--role", "staff", "--password-stdin"],
            "short\n",
            "at least 12",
        ),
        (
            ["users", "add", "--email", "a@example.org", "--role", "staff", "--password-stdin"],
            "",
            "at least 12",
        ),
        (
            [
                "users",
                "add",
                "--email",
                "a@example.org",
                "--role",
                "affiliate",
                "--affiliate",
                "wm-xx",
                "--password-stdin",
            ],
            PASSWORD,
            "unknown affiliate 'wm-xx'",
        ),
        (
            ["users", "add", "--email", "a@example.org", "--role", "affiliate", "--password-stdin"],
            PASSWORD,
            "needs an affiliate",
        ),
        (
            [
                "users",
                "add",
                "--email",
                "a@example.org",
                "--role",
                "staff",
                "--affiliate",
                "wm-fr",
                "--password-stdin",
            ],
            PASSWORD,
            "belongs to no affiliate",
        ),
        (
            ["users", "add", "--email", "not-an-address", "--role", "staff", "--password-stdin"],
            PASSWORD,
            "not an e-mail",
        ),
        (["users", "add", "--email", "a@example.org", "--role", "staff"], PASSWORD, "--password-stdin"),
        (
            ["users", "add", "--email", "a@example.org", "--role", "admin", "--password-stdin"],
            PASSWORD,
            "invalid choice",
        ),
        (["users", "add", "--role", "staff", "--password-stdin"], PASSWORD, "--email"),
        (["users", "disable", "--email", "nobody@example.org"], "", "no user with e-mail nobody@example.org"),
        (["users"], "", "choose an action"),
        ([], "", "choose a command"),
        (["frobnicate"], "", "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(database, capsys, argv, stdin, message):
    assert intake(*argv, stdin=stdin) == (2, "")
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("intake") and err.count("\n") == 1 and "Traceback" not in err
    assert "(no users)" in intake("users", "list")[1]  # nothing was stored


def test_a_duplicate_address_in_any_case_is_refused(database, capsys):
    assert add("ana@example.org", "staff")[0] == 0
    capsys.readouterr()
    assert add("ANA@Example.org", "affiliate", "--affiliate", "wm-fr", password="another password!") == (
        2,
        "",
    )
    assert capsys.readouterr().err == "intake: a user with e-mail ana@example.org exists already\n"
    assert intake("users", "list")[1].count("ana@example.org") == 1


def test_an_unreachable_database_exits_1_without_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("INTAKE_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    assert intake("users", "list") == (1, "")
    err = capsys.readouterr().err
    assert err.startswith("intake: database error:") and "Traceback" not in err


def test_help_exits_0(capsys):
    assert main(["users", "add", "--help"]) == 0
    assert "--password-stdin" in capsys.readouterr().out


def test_intake_is_the_packages_console_script():
    from importlib.metadata import entry_points

    scripts = [ep.value for ep in entry_points(group="console_scripts") if ep.name == "intake"]
    assert scripts == ["bot.cli:main"]
