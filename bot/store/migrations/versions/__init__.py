"""Alembic revision scripts (loaded by path, not imported as modules)."""
