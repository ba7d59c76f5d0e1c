"""JSON log lines (INTAKE_LOG_FORMAT=json) and the intake funnel's counting rules."""
from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from bot.settings import Settings
from integrations.observability.logs import JsonFormatter, request_id_from, request_id_var
from integrations.tracker import funnel


def _line(record_logger: logging.Logger, stream: io.StringIO) -> dict:
    return json.loads(stream.getvalue().splitlines()[-1])


def test_a_json_line_has_the_fields_and_the_request_id_of_its_context():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.observability.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        token = request_id_var.set("req-12345678")
        try:
            logger.warning("delivery %s failed", "d-1")
        finally:
            request_id_var.reset(token)
        entry = _line(logger, stream)
        assert entry["message"] == "delivery d-1 failed" and entry["level"] == "WARNING"
        assert entry["logger"] == "test.observability.json" and entry["request_id"] == "req-12345678"
        assert entry["timestamp"].endswith("Z")
        logger.info("outside a request")
        assert _line(logger, stream)["request_id"] is None
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("crashed\nsecond line")
        crashed = _line(logger, stream)  # one line, newlines escaped
        assert "RuntimeError" in crashed["exception"] and crashed["message"] == "crashed\nsecond line"
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize("given", [None, "", "short", "x" * 65, "id with spaces", "id\r\nX-Evil: 1", "é" * 10])
def test_a_request_id_that_is_not_sane_is_replaced(given):
    made = request_id_from(given)
    assert made != given and len(made) == 32


def test_a_sane_request_id_is_kept():
    assert request_id_from("3f2a9c1e-0b7d-4c55-9a0e-1d2f3a4b5c6d") == "3f2a9c1e-0b7d-4c55-9a0e-1d2f3a4b5c6d"


def test_the_log_format_setting():
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"INTAKE_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(ValueError, match="INTAKE_LOG_FORMAT"):
        Settings.from_env({"INTAKE_LOG_FORMAT": "xml"})
    assert Settings.from_env({}).worker_metrics_port is None
    assert Settings.from_env({"INTAKE_WORKER_METRICS_PORT": "9101"}).worker_metrics_port == 9101


def test_sanic_loggers_write_json_after_the_rasa_launcher_set_it_up(monkeypatch):
    from sanic.log import LOGGING_CONFIG_DEFAULTS as defaults

    from integrations.stack import rasa_server

    # The launcher changes the defaults' formatters in place: this test changes copies of them.
    monkeypatch.setitem(defaults, "formatters", {name: dict(f) for name, f in defaults["formatters"].items()})
    root = logging.getLogger()
    saved = [(h, h.formatter) for h in root.handlers]
    try:
        rasa_server.json_logs()
        handlers = {name: dict(h, stream="ext://sys.stderr") for name, h in defaults["handlers"].items()}
        logging.config.dictConfig(dict(defaults, handlers=handlers))  # what Sanic(...) does with the defaults
        formatters = {type(h.formatter) for name in ("sanic.root", "sanic.access", "sanic.error")
                      for h in logging.getLogger(name).handlers}
        assert formatters == {JsonFormatter}
        assert all(isinstance(h.formatter, JsonFormatter) for h in root.handlers)
    finally:
        for handler, formatter in saved:
            handler.setFormatter(formatter)
        for name in ("sanic.root", "sanic.access", "sanic.error"):
            for handler in list(logging.getLogger(name).handlers):
                logging.getLogger(name).removeHandler(handler)


def _slot(name: str, value: object) -> dict:
    return {"event": "slot", "name": name, "value": value}


def test_the_funnel_counts_a_start_once_and_a_submission_once():
    started = funnel.CONVERSATIONS_STARTED.labels("es")._value.get()
    submitted = funnel.INQUIRIES_SUBMITTED.labels("es")._value.get()
    other = funnel.CONVERSATIONS_STARTED.labels("other")._value.get()
    funnel.count_saved(first=True, language="es", reference_before=None, new=[{"event": "user"}])
    funnel.count_saved(first=False, language="es", reference_before=None, new=[{"event": "user"}])
    funnel.count_saved(first=False, language="es", reference_before=None, new=[_slot("reference", "WMP-1")])
    # The idempotent second yes repeats the reference: not a second inquiry.
    funnel.count_saved(first=False, language="es", reference_before="WMP-1", new=[_slot("reference", "WMP-1")])
    funnel.count_saved(first=True, language="tlh", reference_before=None, new=[{"event": "user"}])  # no catalogue
    funnel.count_saved(first=True, language="es", reference_before=None, new=[])  # nothing saved: nothing counted
    assert funnel.CONVERSATIONS_STARTED.labels("es")._value.get() == started + 1
    assert funnel.INQUIRIES_SUBMITTED.labels("es")._value.get() == submitted + 1
    assert funnel.CONVERSATIONS_STARTED.labels("other")._value.get() == other + 1
