"""The console's own language: which of the assistant's six a page is shown in, and its texts
there from the message catalogues (integrations/console/locale/<lang>/LC_MESSAGES/console.po,
compiled to .mo by the build: `make` runs `pybabel compile`).

A page's language is the viewer's setting (users.language), else the browser's
Accept-Language, else English. Templates call `_()`, `ngettext()` and `{% trans %}` (Jinja2's
i18n extension) and get the page's language from the `locale` of their context; Python code
marks texts it keeps in tables with `N_()` (so that `pybabel extract` finds them) and
translates them with `translate(locale, text)` when it shows them.
"""
from __future__ import annotations

import logging
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from babel import Locale, negotiate_locale
from babel.support import Translations

from bot.i18n.catalog import DEFAULT_LANGUAGE, supported_languages

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "console"
#: Where a request keeps the language chosen for it.
REQUEST_KEY = "console_locale"


def N_(message: str) -> str:
    """Mark a text for extraction without translating it here (it is translated when shown)."""
    return message


def languages() -> tuple[str, ...]:
    """The console's languages: the assistant's, English first."""
    return supported_languages()


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of `locale`; English (and a catalogue not built) shows the msgids."""
    if locale == DEFAULT_LANGUAGE:
        return NullTranslations()
    if not (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").exists():
        # The build compiles them (make); without them every page is in English, not broken.
        log.warning("the console's %s catalogue is not compiled: pages shown in English", locale)
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [locale], DOMAIN)


def translate(locale: str, message: str) -> str:
    """`message` in `locale` (pybabel extracts literal messages of this call: `translate:2`)."""
    return translations(locale).gettext(message)


def translate_plural(locale: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` in `locale` (extracted as `translate_plural:2,3`)."""
    return translations(locale).ngettext(singular, plural, n)


def accepted(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, most wanted first ("q=0" ones left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(ranked)]


def choose(setting: str | None, accept_language: str | None) -> str:
    """The page's language: the user's setting when it is one of the console's, else the
    browser's first acceptable one ("fr-CH" is French), else English."""
    available = languages()
    if setting in available:
        return setting
    wanted = accepted(accept_language)
    found = negotiate_locale(wanted, available) or negotiate_locale(
        [tag.split("_")[0] for tag in wanted], available)
    return found or DEFAULT_LANGUAGE


def request_locale(request: web.Request, setting: str | None = None) -> str:
    """The language of the page answering `request` (kept on the request once chosen); `setting`
    is the viewer's users.language."""
    if REQUEST_KEY not in request:
        request[REQUEST_KEY] = choose(setting, request.headers.get("Accept-Language"))
    return str(request[REQUEST_KEY])


def direction(locale: str) -> str:
    """"rtl" for a language written right to left (Arabic), else "ltr"."""
    return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"


@jinja2.pass_context
def _template_gettext(context: Any, message: str) -> str:
    return translate(context.get("locale", DEFAULT_LANGUAGE), message)


@jinja2.pass_context
def _template_ngettext(context: Any, singular: str, plural: str, n: int) -> str:
    return translate_plural(context.get("locale", DEFAULT_LANGUAGE), singular, plural, n)


def install(env: jinja2.Environment) -> None:
    """Give the templates `_`, `gettext`, `ngettext` and `{% trans %}` in the language of the
    `locale` in their context (one environment serves every language)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=True)
