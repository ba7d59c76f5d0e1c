"""Our processes' log lines: the usual text, or one JSON object per line (INTAKE_LOG_FORMAT=json).

A JSON line has `timestamp` (ISO 8601 UTC), `level`, `logger`, `message`, `request_id` (the
console request being handled, else null) and `exception` (the type and traceback) when there is
one. The message is what the code logged: our code never logs personal data (a partner's words,
contact details, conversation ids in the console's access log), so the format adds none, and no
record attribute is copied wholesale (a library's `extra` could carry anything).

The request id is set by the console for each request (integrations/console/request_ids.py) in a
context variable, which every log call of that request's task sees.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: The request being handled in this task, for the log lines it writes.
request_id_var: ContextVar[str | None] = ContextVar("intake_request_id", default=None)

#: A request id taken from a client: short, of a plain alphabet (no spaces, quotes or newlines
#: that would forge log lines or headers). Anything else is replaced by a new one.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def request_id_from(header: str | None) -> str:
    """The client's X-Request-ID when it is sane, else a new random one."""
    return header if header is not None and _SANE_ID.match(header) else uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per record (module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # An access log line is written after the handler's context is gone: it passes the id.
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(fmt: str, level: int = logging.INFO) -> None:
    """Set up the root logger of one of our processes: `fmt` is settings.log_format."""
    logging.basicConfig(level=level, format=TEXT_FORMAT)
    if fmt == "json":
        use_json(logging.getLogger())


def use_json(logger: logging.Logger) -> None:
    """Give every handler of `logger` the JSON formatter (also after a library set up its own)."""
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())
