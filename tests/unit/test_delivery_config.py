"""Unit tests of bot.delivery.endpoints: the endpoints file and its validation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.delivery import (
    Endpoint,
    EndpointsConfig,
    EndpointsError,
    Webhook,
    load_endpoints,
    targets_for,
)
from bot.routing import DEFAULT_DATA_DIR, load_directory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "integrations" / "delivery" / "endpoints.example.yml"
KNOWN = frozenset({"wm-de", "wm-fr", "wmf-partnerships"})
SECRET = "s3cret-s3cret-s3cret"


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> EndpointsConfig:
    path = tmp_path / "endpoints.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_endpoints(path, known_affiliates=KNOWN, env=env or {})


def fails(tmp_path: Path, text: str, *fragments: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(EndpointsError) as info:
        load(tmp_path, text, env)
    message = str(info.value)
    assert str(tmp_path / "endpoints.yml") in message
    for fragment in fragments:
        assert fragment in message
    return message


def test_full_file(tmp_path):
    config = load(
        tmp_path,
        f"""
        default:
          webhook: {{url: "https://hooks.example.org/in", secret: "{SECRET}"}}
          email: ["partnerships@example.org"]
        affiliates:
          wm-de:
            webhook: {{url: "http://127.0.0.1:8099/hook", secret: "{SECRET}-de"}}
            email: ["a@example.de", "b@example.de"]
            response_days: 3
          wm-fr:
            email: "partenariats@example.fr"
        """,
    )
    assert config.default == Endpoint(
        webhook=Webhook(url="https://hooks.example.org/in", secret=SECRET),
        email=("partnerships@example.org",),
        response_days=7,
    )
    de = config.affiliates["wm-de"]
    assert de.webhook == Webhook(url="http://127.0.0.1:8099/hook", secret=f"{SECRET}-de")
    assert de.email == ("a@example.de", "b@example.de")
    assert de.response_days == 3
    assert config.affiliates["wm-fr"] == Endpoint(webhook=None, email=("partenariats@example.fr",))


def test_for_affiliate_falls_back_to_default_then_none(tmp_path):
    text = """
        default: {email: "all@example.org"}
        affiliates:
          wm-fr: {email: "fr@example.org"}
        """
    config = load(tmp_path, text)
    assert config.for_affiliate("wm-fr").email == ("fr@example.org",)
    assert config.for_affiliate("wm-de").email == ("all@example.org",)
    without_default = load(tmp_path, "affiliates:\n  wm-fr: {email: fr@example.org}\n")
    assert without_default.for_affiliate("wm-de") is None
    assert without_default.default is None


def test_empty_file_is_an_empty_config(tmp_path):
    config = load(tmp_path, "")
    assert config == EndpointsConfig(default=None, affiliates={})
    assert targets_for(config, "wm-de") == []
    assert targets_for(None, "wm-de") == []


def test_targets_never_carry_the_secret(tmp_path):
    config = load(
        tmp_path,
        f"""
        affiliates:
          wm-de:
            webhook: {{url: "https://x.example/h", secret: "{SECRET}"}}
            email: [a@example.de]
          wm-fr: {{email: fr@example.org}}
        """,
    )
    targets = targets_for(config, "wm-de")
    assert targets == [("webhook", {"url": "https://x.example/h"}), ("email", {"to": ["a@example.de"]})]
    assert SECRET not in repr(targets)
    assert targets_for(config, "wm-fr") == [("email", {"to": ["fr@example.org"]})]
    assert targets_for(config, "wmf-partnerships") == []


def test_secret_is_not_in_reprs(tmp_path):
    config = load(tmp_path, f'default: {{webhook: {{url: "https://x.example/h", secret: "{SECRET}"}}}}')
    assert config.default is not None and config.default.webhook is not None
    assert config.default.webhook.secret == SECRET
    for value in (config, config.default, config.default.webhook):
        assert SECRET not in repr(value)
        assert SECRET not in str(value)


def test_environment_substitution(tmp_path):
    config = load(
        tmp_path,
        """
        affiliates:
          wm-de:
            webhook: {url: "https://${HOOK_HOST}/in", secret: "${DE_SECRET}"}
        """,
        env={"HOOK_HOST": "hooks.example.de", "DE_SECRET": SECRET},
    )
    webhook = config.affiliates["wm-de"].webhook
    assert webhook == Webhook(url="https://hooks.example.de/in", secret=SECRET)


def test_unset_environment_variable(tmp_path):
    fails(
        tmp_path,
        'default: {webhook: {url: "https://x.example/h", secret: "${NOT_SET_ANYWHERE}"}}',
        "default.webhook.secret",
        "NOT_SET_ANYWHERE is not set",
    )


def test_empty_environment_variable_is_a_missing_secret(tmp_path):
    fails(
        tmp_path,
        'default: {webhook: {url: "https://x.example/h", secret: "${EMPTY}"}}',
        "default.webhook.secret",
        "missing or empty",
        env={"EMPTY": ""},
    )


def test_unknown_affiliate(tmp_path):
    fails(tmp_path, "affiliates:\n  wm-xx: {email: a@example.org}\n", "affiliates.wm-xx", "unknown affiliate id")


@pytest.mark.parametrize(
    "url",
    ["ftp://x.example/h", "https://", "hooks.example.org/in", "", "https://x.example:99999/", "https://x y/"],
)
def test_bad_url(tmp_path, url):
    fails(
        tmp_path,
        f'affiliates:\n  wm-de: {{webhook: {{url: "{url}", secret: "{SECRET}"}}}}\n',
        "affiliates.wm-de.webhook.url",
        "http:// or https:// URL with a host",
    )


def test_missing_secret(tmp_path):
    fails(tmp_path, 'default: {webhook: {url: "https://x.example/h"}}', "default.webhook.secret", "missing")
    fails(tmp_path, 'default: {webhook: {url: "https://x.example/h", secret: ""}}', "missing or empty")


def test_short_secret_is_rejected_without_echoing_it(tmp_path):
    message = fails(
        tmp_path,
        'default: {webhook: {url: "https://x.example/h", secret: "tooShort123"}}',
        "default.webhook.secret",
        "at least 16 characters",
    )
    assert "tooShort123" not in message


def test_secret_must_be_a_string(tmp_path):
    fails(tmp_path, 'default: {webhook: {url: "https://x.example/h", secret: 12345678901234567890}}', "must be a string")


@pytest.mark.parametrize("address", ["not-an-address", "a@", "@example.org", "a b@example.org", "a@ex ample.org", "a@@x.org"])
def test_malformed_email(tmp_path, address):
    fails(tmp_path, f'affiliates:\n  wm-fr: {{email: ["ok@example.org", "{address}"]}}\n', "affiliates.wm-fr.email[1]", "not an e-mail address")


def test_email_must_be_string_or_list(tmp_path):
    fails(tmp_path, "default: {email: {a: b}}", "default.email", "list")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("defaults: {email: a@example.org}", "unknown key(s) defaults"),
        ("default: {email: a@example.org, phone: 123}", "default: unknown key(s) phone"),
        ('default: {webhook: {url: "https://x.example", secret: "' + SECRET + '", token: x}}', "default.webhook: unknown key(s) token"),
        ("affiliates:\n  wm-de: {email: a@example.org, response_day: 3}\n", "affiliates.wm-de: unknown key(s) response_day"),
    ],
)
def test_unknown_keys(tmp_path, text, where):
    fails(tmp_path, text, where)


@pytest.mark.parametrize("days", ["0", "-1", "1.5", '"7"', "true"])
def test_response_days_must_be_positive(tmp_path, days):
    fails(tmp_path, f"default: {{email: a@example.org, response_days: {days}}}", "default.response_days", "positive")


def test_endpoint_needs_a_target(tmp_path):
    fails(tmp_path, "affiliates:\n  wm-de: {response_days: 3}\n", "affiliates.wm-de", "needs a webhook, an email")


def test_sections_must_be_mappings(tmp_path):
    fails(tmp_path, "- a\n- b\n", "must be a mapping")
    fails(tmp_path, "affiliates: [wm-de]", "affiliates", "mapping")
    fails(tmp_path, "default: just-a-string", "default: must be a mapping")


def test_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(EndpointsError, match="cannot read"):
        load_endpoints(tmp_path / "absent.yml", known_affiliates=KNOWN)
    fails(tmp_path, "default: {email: [unclosed\n", "not valid YAML")


def test_environment_defaults_to_os_environ(tmp_path, monkeypatch):
    monkeypatch.setenv("INTAKE_TEST_SECRET_X", SECRET)
    path = tmp_path / "e.yml"
    path.write_text('default: {webhook: {url: "https://x.example", secret: "${INTAKE_TEST_SECRET_X}"}}')
    config = load_endpoints(path, known_affiliates=KNOWN)
    assert config.default is not None and config.default.webhook is not None
    assert config.default.webhook.secret == SECRET


def test_example_file_is_valid_against_the_directory():
    known = {affiliate.id for affiliate in load_directory(DEFAULT_DATA_DIR).affiliates}
    env = {"INTAKE_WEBHOOK_SECRET_WM_DE": SECRET, "INTAKE_WEBHOOK_SECRET_WMF": SECRET + "-wmf"}
    config = load_endpoints(EXAMPLE, known_affiliates=known, env=env)
    assert config.default is not None
    assert set(config.affiliates) <= known
    assert config.affiliates["wm-de"].response_days == 5
    assert targets_for(config, "wm-xx-unlisted") == [("email", {"to": ["partnerships@example.org"]})]


@pytest.mark.parametrize(
    ("key", "text", "owner"),
    [
        ("affiliates.wm-de.webhook.url", 'affiliates:\n  wm-de: {webhook: {url: "http://crm.example.org/h", secret: "%s"}}\n', "affiliate wm-de"),
        ("default.webhook.url", 'default: {webhook: {url: "http://10.0.0.5:8080/h", secret: "%s"}}\n', "the default endpoint"),
    ],
)
def test_plain_http_to_another_machine_is_refused_naming_the_affiliate(tmp_path, key, text, owner):
    message = fails(tmp_path, text % SECRET, key, f"{owner}'s webhook must use https://")
    assert "\n" not in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8099/h", "http://localhost/h", "http://[::1]:9000/h", "http://127.1.2.3/h",
                                 "https://crm.example.org/h"])
def test_https_or_loopback_http_is_accepted(tmp_path, url):
    config = load(tmp_path, f'affiliates:\n  wm-de: {{webhook: {{url: "{url}", secret: "{SECRET}"}}}}\n')
    assert config.affiliates["wm-de"].webhook.url == url
