"""The core's own words that people read in the console, in English and marked for its
translations: short texts (`Wording`: a form field's name, "handed to a person" in a
transcript) and refusals (`Refusal`: why a request was turned down).

The core translates nothing here and imports nothing of the console: it marks. `pybabel
extract` finds the literal first argument of `Wording(...)` and `Refusal(...)` calls in bot/
(the Makefile's `messages-extract` passes `-k Wording -k Refusal`), the console's catalogues
hold their translations, and the console says them in its viewer's language
(integrations/console/labels.py). The JSON API, logs and the command line read them as the
plain English strings they are.
"""
from __future__ import annotations

from collections.abc import Callable


class Wording(str):
    """An English text of the core that the console shows translated; everywhere else the str it
    holds. A partner's words are never one: they stay as written."""

    __slots__ = ()


def _same(text: str) -> str:
    return text


def _english_number(value: int | float) -> str:
    return f"{value:,}"


class Refusal(ValueError):
    """A request the core turns down, with a reason fit for the person who asked.

    `template` is the English reason as the JSON API's `error` says it (lower case, no full
    stop), with %(name)s placeholders filled from `params`: a number is written as the reader's
    language writes it, a `Wording` (a field's name) is translated with the template, anything
    else is shown as it is. str() is the English reason. A subclass's call is not one pybabel
    looks for: its template is marked `Wording("...")`."""

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(self.said())

    def said(self, translate: Callable[[str], str] = _same,
             number: Callable[[int | float], str] = _english_number) -> str:
        """The reason through `translate` (a catalogue's gettext), numbers written by `number`."""
        shown = translate(self.template)
        if not self.params:
            return shown
        values = {}
        for name, value in self.params.items():
            if isinstance(value, Wording):
                value = translate(value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                value = number(value)
            values[name] = value
        return shown % values
