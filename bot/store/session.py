"""Engines and sessions. Nothing is created at import: callers build and own them.

SQLite is shared by the Rasa server and the action server, so every connection turns on WAL
(readers never block the writer) and a busy timeout (writers wait instead of failing).
pysqlite's own transaction handling is switched off so that SQLAlchemy emits BEGIN and
SAVEPOINT itself; write transactions start with `BEGIN IMMEDIATE`, which takes the write lock
up front: a transaction that reads and then writes cannot fail half-way with "database is
locked" because another connection wrote in between.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

#: How long an SQLite writer waits for the lock before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 15_000
#: How long a PostgreSQL connection attempt may take, in seconds.
POSTGRES_CONNECT_TIMEOUT_S = 10

_SQLITE_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})
#: Execution option naming one transaction's SQLite mode, e.g.
#: `session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})`.
SQLITE_BEGIN_OPTION = "intake_sqlite_begin"


def make_engine(url: str, *, sqlite_begin: str = "IMMEDIATE", **kwargs: Any) -> Engine:
    """Create a 2.0-style engine for `url` (SQLite or PostgreSQL).

    `sqlite_begin` is the SQLite transaction mode: IMMEDIATE for code that writes, DEFERRED
    for read-only users such as the console. Extra keyword arguments go to `create_engine`.
    """
    mode = sqlite_begin.upper()
    if mode not in _SQLITE_BEGIN_MODES:
        raise ValueError(f"sqlite_begin must be one of {sorted(_SQLITE_BEGIN_MODES)}")
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
    if backend == "sqlite":
        connect_args.setdefault("check_same_thread", False)
        _ensure_sqlite_directory(parsed.database)
        if _is_file_database(parsed.database):
            # SQLAlchemy 1.4 gives a file database a NullPool: every session opened the file
            # again and ran the pragmas below (in `make bench` the hand-off gate's connects
            # alone were ~12% of the Rasa server's CPU). Kept connections run them once.
            kwargs.setdefault("poolclass", QueuePool)
    elif backend == "postgresql" and parsed.get_driver_name() == "psycopg2":
        connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)
    kwargs.setdefault("hide_parameters", True)  # bound values (personal data) stay out of errors
    # A ping finds server connections dropped by a restart; an SQLite file cannot drop one.
    kwargs.setdefault("pool_pre_ping", backend != "sqlite")
    engine = create_engine(parsed, future=True, connect_args=connect_args, **kwargs)
    if backend == "sqlite":
        _install_sqlite_hooks(engine, mode)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker:
    """A 2.0-style session factory; use it as `with factory.begin() as session:`."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False, class_=Session)


def _is_file_database(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and "mode=memory" not in (database or "")


def _ensure_sqlite_directory(database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: Engine, begin_mode: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            _enable_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A transaction may ask for another mode (execution option SQLITE_BEGIN_OPTION): a
        # reading engine's one transaction that reads and then writes takes the lock up front.
        mode = str(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, begin_mode)).upper()
        if mode not in _SQLITE_BEGIN_MODES:
            raise ValueError(f"{SQLITE_BEGIN_OPTION} must be one of {sorted(_SQLITE_BEGIN_MODES)}")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _enable_wal(cursor: Any) -> None:
    """Switch the database file to WAL (persistent) unless it already is.

    The switch needs an exclusive lock and SQLite reports "database is locked" at once, without
    its busy handler, when another connection is using a fresh database: retry until the timeout.
    """
    mode = str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    if mode in ("wal", "memory"):
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
