"""INTAKE_RABBITMQ_URL is checked without ever showing its password, the published form of an event
carries nothing a partner typed, and the event broker is off when the URL is empty."""
from __future__ import annotations

import asyncio

import pytest
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.data import ROOT
from bot.settings import Settings
from integrations.analytics.broker import QUEUE, IntakeEventBroker, analytics_event
from integrations.stack.supervision import layout_env


def test_the_url_is_checked_and_never_shown() -> None:
    url = "amqp://intake:s3cr%2Ft@rabbit.internal:5673/intake"
    settings = Settings.from_env({"INTAKE_RABBITMQ_URL": url})
    assert settings.rabbitmq_url == url and "s3cr" not in repr(settings)
    assert Settings.from_env({}).rabbitmq_url == ""
    for bad in ("redis://x:6379/0", "amqp://user:hunter2@host:notaport/", "amqp:///vhost"):
        with pytest.raises(ValueError) as error:
            Settings.from_env({"INTAKE_RABBITMQ_URL": bad})
        assert "INTAKE_RABBITMQ_URL" in str(error.value) and "hunter2" not in str(error.value)


def test_the_broker_takes_the_url_whole_and_logs_only_the_host() -> None:
    broker = IntakeEventBroker("amqp://intake:p%40ss%2Fword@rabbit.internal:5673/intake", event_loop=asyncio.new_event_loop())
    assert (broker.host, broker.port, broker.username, broker.password) == ("rabbit.internal", 5673, "intake", "p@ss/word")
    assert broker._configure_url() == "amqp://intake:p%40ss%2Fword@rabbit.internal:5673/intake"
    assert broker.queues == [QUEUE]


def test_endpoints_name_the_broker_and_an_empty_url_turns_it_off(monkeypatch) -> None:
    monkeypatch.setenv("INTAKE_RABBITMQ_URL", "")
    monkeypatch.setenv("INTAKE_ACTIONS_PORT", "5055")
    monkeypatch.setenv("INTAKE_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("INTAKE_REDIS_URL", "")
    config = read_endpoint_config(str(ROOT / "bot" / "endpoints.yml"), "event_broker")
    assert config is not None and config.type == "integrations.analytics.broker.IntakeEventBroker"
    assert config.kwargs["queues"] == [QUEUE]
    assert asyncio.run(IntakeEventBroker.from_endpoint_config(config)) is None
    assert asyncio.run(IntakeEventBroker.from_endpoint_config(EndpointConfig(url="  "))) is None


def test_the_published_event_holds_no_text_of_the_conversation() -> None:
    user = {"event": "user", "timestamp": 1.0, "text": "write to ana@example.org",
            "parse_data": {"text": "write to ana@example.org", "intent": {"name": "inform", "confidence": 0.9},
                           "entities": [{"entity": "email", "value": "ana@example.org"}]},
            "metadata": {"ip": "203.0.113.9"}}
    bot = {"event": "bot", "timestamp": 2.0, "text": "Thanks Ana, we write to ana@example.org", "data": {}}
    contact = {"event": "slot", "timestamp": 3.0, "name": "contact_email", "value": "ana@example.org"}
    asked = {"event": "slot", "timestamp": 4.0, "name": "requested_slot", "value": "country"}
    published = [analytics_event("c1", event) for event in (user, bot, contact, asked)]
    assert "ana" not in repr(published) and "203.0.113" not in repr(published)
    assert published[0] == {"sender_id": "c1", "event": "user", "timestamp": 1.0,
                            "parse_data": {"intent": {"name": "inform"}}}
    assert published[2] == {"sender_id": "c1", "event": "slot", "timestamp": 3.0, "name": "contact_email"}
    assert published[3]["value"] == "country"


def test_the_consumer_starts_under_supervisord_only_with_a_url(tmp_path) -> None:
    on = layout_env({"INTAKE_RASA_PORT": "5005", "INTAKE_ACTIONS_PORT": "5055", "INTAKE_RABBITMQ_URL": "amqp://h/"},
                    var_dir=tmp_path, model=tmp_path / "m.tar.gz")
    off = layout_env({"INTAKE_RASA_PORT": "5005", "INTAKE_ACTIONS_PORT": "5055", "INTAKE_RABBITMQ_URL": ""},
                     var_dir=tmp_path, model=tmp_path / "m.tar.gz")
    assert (on["INTAKE_ANALYTICS_AUTOSTART"], off["INTAKE_ANALYTICS_AUTOSTART"]) == ("true", "false")
