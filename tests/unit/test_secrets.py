"""One secret per purpose, each long enough, never shown; Rasa's HTTP API behind its own secret."""
from __future__ import annotations

import jwt
import pytest

from bot.settings import MIN_SECRET_CHARS, Settings, check_secrets, masked
from integrations.stack.rasa_server import ADMIN_CLAIMS, admin_jwt, api_options, refused_option

STRONG = {
    "INTAKE_API_TOKEN": "a" * 32 + "-api",
    "INTAKE_RASA_ADMIN_SECRET": "b" * 32 + "-rasa",
    "INTAKE_LINK_SECRET": "c" * 32 + "-link",
    "INTAKE_SESSION_SECRET": "d" * 32 + "-session",
    "INTAKE_CONVERSATION_SECRET": "e" * 32 + "-conversation",
}


def _check(env: dict[str, str]) -> str | None:
    try:
        check_secrets(Settings.from_env(env))
    except ValueError as error:
        return str(error)
    return None


def test_distinct_strong_secrets_and_unset_ones_pass():
    assert _check(STRONG) is None
    assert _check({}) is None  # unset: what the secret protects stays off


@pytest.mark.parametrize("variable", sorted(STRONG))
def test_a_short_secret_is_refused_by_name_never_by_value(variable):
    weak = "Sh0rt-but-not-empty-" + "x" * (MIN_SECRET_CHARS - 21)
    problem = _check({**STRONG, variable: weak})
    assert problem is not None and problem.startswith(variable) and "too short" in problem
    assert weak not in problem and "\n" not in problem


def test_one_secret_for_two_purposes_is_refused():
    shared = "s" * 40
    problem = _check({**STRONG, "INTAKE_LINK_SECRET": shared, "INTAKE_SESSION_SECRET": shared})
    assert problem == "INTAKE_SESSION_SECRET is the same as INTAKE_LINK_SECRET: each purpose needs its own secret"


def test_the_api_token_cannot_double_as_rasas_admin_secret():
    problem = _check({**STRONG, "INTAKE_RASA_ADMIN_SECRET": STRONG["INTAKE_API_TOKEN"]})
    assert problem is not None and "INTAKE_RASA_ADMIN_SECRET" in problem and STRONG["INTAKE_API_TOKEN"] not in problem


def test_secrets_stay_out_of_the_settings_repr_and_are_masked():
    settings = Settings.from_env(STRONG)
    assert not any(value in repr(settings) for value in STRONG.values())
    assert masked(STRONG["INTAKE_API_TOKEN"]) == "aaaa…"
    assert masked("short") == "…"


def test_rasas_api_is_off_without_its_secret_and_never_uses_a_url_token():
    assert api_options("") == {"enable_api": False, "jwt_secret": None, "jwt_method": "HS256", "auth_token": None}
    on = api_options("k" * 40)
    assert on["enable_api"] is True and on["jwt_secret"] == "k" * 40 and on["auth_token"] is None


def test_the_admin_jwt_has_rasas_admin_role_and_an_expiry():
    token = admin_jwt("k" * 40)
    claims = jwt.decode(token, "k" * 40, algorithms=["HS256"])
    assert claims["user"] == ADMIN_CLAIMS["user"] and claims["exp"] > 0
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another secret of forty characters......", algorithms=["HS256"])


@pytest.mark.parametrize("argv", [["--auth-token", "t"], ["--enable-api"], ["--jwt-secret=s"]])
def test_the_launcher_refuses_options_that_would_show_a_secret(argv):
    assert refused_option(["--port", "5005", *argv]) == argv[0].split("=")[0]
    assert refused_option(["--port", "5005", "--cors", "https://example.org"]) is None


def test_the_launcher_exits_with_one_line_for_a_weak_secret(monkeypatch, capsys):
    from integrations.stack import rasa_server

    monkeypatch.setenv("INTAKE_RASA_ADMIN_SECRET", "too-short")
    assert rasa_server.main(["--port", "5005"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("INTAKE_RASA_ADMIN_SECRET is too short") and "too-short" not in err


def test_make_run_keeps_each_secret_in_its_own_file_and_reports_only_a_prefix(tmp_path, monkeypatch):
    from integrations.stack.run import GENERATED_SECRETS, check_settings, secrets_env, secrets_report

    for name in GENERATED_SECRETS:
        monkeypatch.delenv(name, raising=False)
    env = secrets_env(tmp_path)
    assert set(env) == set(GENERATED_SECRETS) and len(set(env.values())) == len(env)
    assert all((tmp_path / file).stat().st_mode & 0o777 == 0o600 for file in GENERATED_SECRETS.values())
    assert secrets_env(tmp_path) == env  # generated once, then kept
    assert check_settings(env) is None
    report = secrets_report(env, tmp_path)
    assert str(tmp_path / "rasa_admin_secret") in report
    assert not any(value in report or value[:8] in report for value in env.values())


def test_rasas_api_routes_exist_only_with_the_secret():
    from rasa.core.run import configure_app

    def paths(**options) -> set[str]:
        app = configure_app(None, **options)
        return {route.path for route in app.router.routes}

    assert "status" not in paths(**api_options(""))
    assert {"status", "conversations/<conversation_id:path>/tracker"} <= paths(**api_options("k" * 40))


@pytest.mark.parametrize(("name", "raw"), [("INTAKE_RATE_CONVERSATION_PER_MINUTE", "-1"),
                                           ("INTAKE_RATE_CONVERSATION_BURST", "0"),
                                           ("INTAKE_RATE_CLIENT_PER_MINUTE", "lots"),
                                           ("INTAKE_MAX_INQUIRIES_PER_HOUR", "²"),
                                           ("INTAKE_TRUSTED_PROXIES", "10.0.0.1, proxy.local")])
def test_bad_limit_settings_are_refused_with_the_variable_named(name, raw):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: raw})


def test_limit_settings_have_defaults_and_zero_turns_them_off():
    default = Settings.from_env({})
    assert (default.rate_conversation_per_minute, default.rate_conversation_burst, default.rate_client_per_minute,
            default.max_inquiries_per_hour, default.trusted_proxies) == (30, 10, 120, 5, ())
    off = Settings.from_env({"INTAKE_RATE_CLIENT_PER_MINUTE": "0", "INTAKE_TRUSTED_PROXIES": "10.0.0.1 ::1"})
    assert off.rate_client_per_minute == 0 and off.trusted_proxies == ("10.0.0.1", "::1")


def test_the_general_contact_is_configurable_and_checked():
    assert Settings.from_env({"INTAKE_GENERAL_CONTACT": "partners@wikimedia.de"}).general_contact == "partners@wikimedia.de"
    assert Settings.from_env({}).general_contact == "partnerships@wikimedia.org"
    with pytest.raises(ValueError, match="INTAKE_GENERAL_CONTACT"):
        Settings.from_env({"INTAKE_GENERAL_CONTACT": "not an address"})
