"""The privacy notice at `/privacy`, in every language the assistant speaks.

Its words are in privacy/<lang>.yml; the facts that change per deployment are filled in from
Settings: the two retention periods (INTAKE_RETENTION_DAYS_ABANDONED, INTAKE_RETENTION_DAYS) and
where to ask for erasure (Settings.general_contact). The language is `?lang=` if it names one we
have, else the browser's Accept-Language, else English; Arabic pages are right-to-left.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from markupsafe import Markup, escape

from bot.data import load_yaml
from bot.i18n.catalog import DEFAULT_LANGUAGE, language_name, supported_languages
from bot.settings import Settings
from bot.store.names import REFERENCE_PREFIX

HERE = Path(__file__).resolve().parent
TEXTS = HERE / "privacy"
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur"})
#: Accept-Language entries read; a longer header is someone else's problem, not ours.
MAX_LANGUAGE_RANGES = 20


@cache
def notice_text(language: str) -> dict[str, Any]:
    """The words of the notice in `language` (privacy/<language>.yml)."""
    return dict(load_yaml((TEXTS / f"{language}.yml").read_text(encoding="utf-8")))


def notice_languages() -> tuple[str, ...]:
    """The languages the notice is written in: those the assistant speaks."""
    return tuple(code for code in supported_languages() if (TEXTS / f"{code}.yml").exists())


def days(n: int, language: str) -> str:
    """`n` days, in the language's plural form (Arabic has six)."""
    forms = notice_text(language)["days"]
    form = Locale.parse(language).plural_form(n)
    return str(forms.get(form) or forms["other"]).format(n=n)


def render_notice(settings: Settings, language: str) -> str:
    """The notice's HTML in `language`, with this deployment's retention periods and contact."""
    text = notice_text(language)
    contact = settings.general_contact
    # Isolated, so that an address or a reference prefix reads left to right in Arabic text.
    values = {
        "abandoned_days": escape(days(settings.retention_days_abandoned, language)),
        "retention_days": escape(days(settings.retention_days, language)),
        "contact": Markup('<bdi><a href="mailto:{0}">{0}</a></bdi>').format(contact),
        "reference_prefix": Markup("<bdi>{0}</bdi>").format(REFERENCE_PREFIX),
    }

    def fill(words: str) -> Markup:
        # The words are escaped first; only the placeholders' own markup goes in as HTML.
        return Markup(str(escape(words)).format(**values))

    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string((HERE / "pages" / "privacy.html").read_text(encoding="utf-8"))
    return template.render(
        lang=language, dir="rtl" if language in RIGHT_TO_LEFT else "ltr", text=text, fill=fill,
        languages=[(code, _capitalised(language_name(code, code))) for code in notice_languages()],
    )


def choose_language(*, query: str | None, accept_language: str | None, available: tuple[str, ...]) -> str:
    """`?lang=` if it names an available language, else the best of Accept-Language, else English."""
    for code in (query or "").replace("_", "-").split("-")[:1]:
        if code.lower() in available:
            return code.lower()
    ranked = []
    for position, item in enumerate((accept_language or "").split(",")[:MAX_LANGUAGE_RANGES]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().split("-")[0].lower()
        if base in available and quality > 0:
            ranked.append((-quality, position, base))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def _capitalised(name: str) -> str:
    # CLDR writes "español", "français"; in a list of links they start with a capital.
    return name[:1].upper() + name[1:]
