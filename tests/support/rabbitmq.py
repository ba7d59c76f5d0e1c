"""RabbitMQ for the tests: the server of INTAKE_TEST_RABBITMQ_URL (e.g.
amqp://guest:guest@127.0.0.1:5672/%2F), a private vhost per test made with `rabbitmqctl` (so that
tests never share a queue with each other, other agents or a running stack), deleted afterwards.

Without INTAKE_TEST_RABBITMQ_URL the tests that need it skip, unless INTAKE_TEST_REQUIRE_RABBITMQ=1
(CI) says they must run: then they fail."""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

RABBITMQ_ENV = "INTAKE_TEST_RABBITMQ_URL"
REQUIRE_ENV = "INTAKE_TEST_REQUIRE_RABBITMQ"


def rabbitmq_base() -> str:
    """The test server's URL; skips (or fails when required) when there is none."""
    url = os.environ.get(RABBITMQ_ENV, "")
    problem = "" if url else f"{RABBITMQ_ENV} is not set"
    if url and shutil.which("rabbitmqctl") is None:
        problem = "rabbitmqctl (which makes each test's vhost) is not installed"
    if problem:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{problem}, and {REQUIRE_ENV} says the RabbitMQ tests must run")
        pytest.skip(f"{problem}; RabbitMQ tests skipped")
    return url


def _ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def private_vhost(base: str) -> Iterator[str]:
    """A fresh vhost on the server of `base`, usable by its user; yields its URL."""
    parts = urlsplit(base)
    name = "intake_test_" + secrets.token_hex(5)
    _ctl("add_vhost", name)
    try:
        _ctl("set_permissions", "-p", name, parts.username or "guest", ".*", ".*", ".*")
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))
    finally:
        _ctl("delete_vhost", name)


def through(url: str, port: int) -> str:
    """`url` with its host and port replaced by 127.0.0.1:`port` (a TcpProxy in front)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, f"{parts.netloc.rpartition('@')[0]}@127.0.0.1:{port}", parts.path, "", ""))
