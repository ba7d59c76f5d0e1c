"""Which sites may embed the widget, and what the socket.io channel accepts from a page."""
from __future__ import annotations

import pytest

from bot.settings import Settings, allowed_origins
from integrations.channels.socketio import IntakeSocketIOInput, metadata_of, session_key


def test_the_default_origin_is_the_consoles_own_under_both_loopback_names():
    assert allowed_origins("", public_url="http://127.0.0.1:8080") == ("http://127.0.0.1:8080", "http://localhost:8080")
    assert allowed_origins("", public_url="https://partners.example.org/") == ("https://partners.example.org",)


def test_configured_origins_are_checked_and_deduplicated():
    raw = "https://www.wikimedia.de, https://www.wikimedia.de/ http://localhost:3000"
    assert allowed_origins(raw, public_url="") == ("https://www.wikimedia.de", "http://localhost:3000")
    assert allowed_origins("*", public_url="") == ("*",)


@pytest.mark.parametrize("bad", ["www.example.org", "https://example.org/page", "ftp://example.org", "https://"])
def test_anything_but_an_origin_is_refused_with_a_clear_message(bad):
    with pytest.raises(ValueError, match="INTAKE_ALLOWED_ORIGINS"):
        Settings.from_env({"INTAKE_ALLOWED_ORIGINS": bad})


def test_rasa_is_reached_beside_the_console_unless_configured():
    assert Settings.from_env({"INTAKE_RASA_PORT": "5105"}).rasa_public_url == "http://127.0.0.1:5105"
    custom = Settings.from_env({"INTAKE_RASA_PUBLIC_URL": "https://chat.example.org/"})
    assert custom.rasa_public_url == "https://chat.example.org"


def test_only_configured_pages_may_connect():
    channel = IntakeSocketIOInput()
    channel.allowed_origins = ("https://www.wikimedia.de",)
    assert channel.allows("https://www.wikimedia.de")
    assert not channel.allows("https://evil.example")
    assert channel.allows(None)  # not a browser: no page to protect
    channel.allowed_origins = ("*",)
    assert channel.allows("https://anything.example")


def test_session_keys_are_well_formed_or_new():
    # DESIGN.md: a session key is 32-128 characters of [A-Za-z0-9_-] (the widget makes 32 hex).
    for mine in ("0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789abcdef", "k-_" * 40):
        assert session_key(mine) == mine
    for bad in ("a", "../../etc", None, 42, "a" * 31, "a" * 129, "0123456789abcdef0123456789abcde\x00"):
        fresh = session_key(bad)
        assert fresh != bad and len(fresh) == 32


def test_metadata_that_is_not_an_object_is_dropped():
    assert metadata_of({"language": "es"}) == {"language": "es"}
    assert metadata_of('{"language": "fr"}') == {"language": "fr"}
    assert metadata_of("{not json") == {} and metadata_of(["x"]) == {} and metadata_of(None) == {}


def test_make_run_stops_with_a_clear_message_on_a_bad_origin():
    from integrations.stack.run import check_settings

    assert "is not an origin" in (check_settings({"INTAKE_ALLOWED_ORIGINS": "example.org"}) or "")
    assert check_settings({"INTAKE_ALLOWED_ORIGINS": "https://example.org"}) is None


def test_the_message_limit_is_a_bounded_setting():
    from bot.settings import Settings

    assert Settings.from_env({}).max_message_chars == 5000
    assert Settings.from_env({"INTAKE_MAX_MESSAGE_CHARS": "800"}).max_message_chars == 800
    for bad in ("0", "99", "100001", "²", "-5", "lots"):
        with pytest.raises(ValueError, match="INTAKE_MAX_MESSAGE_CHARS"):
            Settings.from_env({"INTAKE_MAX_MESSAGE_CHARS": bad})


@pytest.mark.parametrize("language", ["en", "es", "fr", "pt", "de", "ar", "it"])
def test_the_too_long_reply_names_the_limit_in_every_language(language):
    from integrations.channels.replies import too_long_text

    text = too_long_text(language, 5000)
    assert "5000" in text and "{" not in text


def test_language_detection_reads_only_the_beginning():
    from bot.i18n.detect import metadata_with_guess

    assert metadata_with_guess({}, "Nous sommes un musée à Lyon et voulons donner des photos. " + "x" * 1_000_000) \
        == metadata_with_guess({}, "Nous sommes un musée à Lyon et voulons donner des photos. " + "x" * 2_000)
