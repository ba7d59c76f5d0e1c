"""What every `intake` command shares: the migrated database of INTAKE_DATABASE_URL, and the
error that reports bad usage in one line."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from bot.settings import Settings

OK, FAILED, USAGE = 0, 1, 2


class UsageError(ValueError):
    """Bad usage or input; the message is printed as it is."""


@contextmanager
def database(settings: Settings) -> Iterator[Session]:
    """A session on the migrated database; one command, one engine, disposed of afterwards."""
    from bot.store import make_engine, make_sessionmaker, upgrade

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()
