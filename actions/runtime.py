"""Process-wide resources of the action server, built on first use (never at import:
rasa-sdk imports and instantiates every action when it starts)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import sessionmaker as SessionMaker

from bot.delivery.endpoints import EndpointsConfig, load_endpoints
from bot.intake.service import sessionmaker_for
from bot.routing import Router, default_router
from bot.settings import Settings
from bot.vocab.regions import countries_needing_region


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


def router() -> Router:
    return default_router(settings().data_dir)


def sessionmaker() -> SessionMaker:
    return sessionmaker_for(settings().database_url)


@lru_cache(maxsize=1)
def region_countries() -> frozenset[str]:
    return frozenset(countries_needing_region(settings().data_dir))


@lru_cache(maxsize=1)
def endpoints() -> EndpointsConfig | None:
    """The affiliates' delivery endpoints (INTAKE_ENDPOINTS_FILE), or None without the file."""
    path = settings().endpoints_file
    if not path:
        return None
    known = [affiliate.id for affiliate in router().directory.affiliates]
    return load_endpoints(Path(path), known_affiliates=known)
