"""Alembic migrations of the intake store (run by bot.store.schema.upgrade)."""
