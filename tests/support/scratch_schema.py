"""A scratch schema on a shared PostgreSQL server: a test's own tables, dropped afterwards, and
nobody else's touched."""
from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

from sqlalchemy.engine import make_url

from bot.store import make_engine


@contextlib.contextmanager
def scratch_schema(base_url: str, prefix: str) -> Iterator[str]:
    """A fresh schema named `prefix_…` on the server of `base_url`: the URL whose connections
    use it (search_path)."""
    schema = f"{prefix}_{secrets.token_hex(5)}"
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
