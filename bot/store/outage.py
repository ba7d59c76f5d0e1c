"""What counts as "the database cannot be reached right now", for every part that answers 503
instead of 500 during an outage (the console, the conversation store in Rasa).

SQLAlchemy wraps the driver's errors: a refused or dropped connection, a server shutting down or
restarting is an OperationalError or an InterfaceError (psycopg2 and sqlite3 alike), a pool
that cannot hand out a connection in time is sqlalchemy's TimeoutError, and any DBAPI error
SQLAlchemy recognised as a disconnect has `connection_invalidated`. A bad query (a bug) is none
of these and stays a 500.
"""
from __future__ import annotations

from sqlalchemy import exc


def unreachable(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the database is unreachable, not that a query is wrong."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)):
            return True
        if isinstance(current, exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False
