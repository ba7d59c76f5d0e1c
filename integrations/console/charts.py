"""Server-side SVG charts for the console's dashboard: no JavaScript, no library, work offline.

Each chart is an `<svg role="img">` with a title and a description, numbers written on the bars,
and colours with at least 3:1 contrast against white. Every text is escaped.

Charts are drawn in a 360-unit-wide viewBox and scale to their container (the style sheet gives
them the container's width, up to a maximum): a phone shows them at about their drawn size, so
their 13-unit text stays readable. Labels are never cut: a long one wraps onto more lines.

Right to left (Arabic) a chart is drawn mirrored: labels and bars start at the right edge and
grow leftwards, as the page reads. Every x is computed left to right and mirrored where written
(`_Canvas`); a text's x is where it starts, which is its right end in a right-to-left chart.

Numbers are written as the viewer's locale writes them ("1,234.5", "1.234,5", "1 234,5").
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.i18n.catalog import DEFAULT_LANGUAGE
from integrations.console import labels
from integrations.console.i18n import N_, direction, translate

#: Series colours (Wikimedia design palette), each ≥ 3:1 against white.
COLOURS = ("#3366cc", "#14866d", "#ac6600", "#b32424", "#6b4ba1", "#54595d")
WIDTH = 360
FONT = 13
LINE = 16
#: Characters of a label per line: 360 units at 13-unit text of ~7 units per character, with room to spare.
LABEL_CHARS = 44
BAR = 12
#: Room right of the longest bar for its value.
VALUE_ROOM = 64
WEEK_LABEL = 72
#: A chart's description when it has nothing to show.
NO_DATA = N_("no data")


class _Canvas:
    """A chart's elements, positioned left to right and written mirrored for a right-to-left locale."""

    def __init__(self, locale: str) -> None:
        self.rtl = direction(locale) == "rtl"
        self.body: list[str] = []

    def text(self, x: float, y: float, text: str) -> None:
        at = WIDTH - x if self.rtl else x
        self.body.append(f'<text x="{at}" y="{y}" font-size="{FONT}" fill="#202122">{escape(text)}</text>')

    def rect(self, x: float, y: float, width: float, height: float, fill: str, title: str = "") -> None:
        at = WIDTH - x - width if self.rtl else x
        tip = f"<title>{escape(title)}</title>" if title else ""
        self.body.append(f'<rect x="{at}" y="{y}" width="{width}" height="{height}" fill="{fill}">{tip}</rect>')

    def svg(self, height: int, title: str, desc: str, ident: str) -> str:
        # The direction is the svg's own, not inherited: a text's start is its right end in Arabic.
        return _svg(height, title, desc, self.body, ident, "rtl" if self.rtl else "ltr")


def _svg(height: int, title: str, desc: str, body: list[str], ident: str, writing: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" direction="{writing}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{ident}-t {ident}-d" class="chart">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def wrap(label: str, limit: int = LABEL_CHARS) -> list[str]:
    """A label as lines of at most `limit` characters, broken between words (a longer word is split)."""
    lines: list[str] = []
    current = ""
    for word in label.split() or [""]:
        while len(word) > limit:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:limit])
            word = word[limit:]
        if current and len(current) + 1 + len(word) > limit:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


def bars(title: str, items: Sequence[tuple[str, float]], *, ident: str, unit: str = "",
         locale: str = DEFAULT_LANGUAGE) -> str:
    """Horizontal bars, one per (label, value): the label above its bar, the value after it.
    `title`, labels and `unit` come translated; `locale` is for the chart's own words and its numbers."""
    top = max((value for _, value in items), default=0) or 1
    canvas = _Canvas(locale)
    y = 0
    for label, value in items:
        for line in wrap(label):
            y += LINE
            canvas.text(0, y - 4, line)
        width = max(round((WIDTH - VALUE_ROOM) * value / top), 1)
        canvas.rect(0, y, width, BAR, COLOURS[0])
        canvas.text(width + 5, y + BAR - 1, f"{_number(value, locale)}{unit}")
        y += BAR + 6
    desc = "; ".join(f"{label}: {_number(value, locale)}{unit}" for label, value in items) or translate(locale, NO_DATA)
    return canvas.svg(max(LINE, y), title, desc, ident)


def grouped(title: str, groups: Sequence[str], series: dict[str, Sequence[float]], *, ident: str,
            locale: str = DEFAULT_LANGUAGE) -> str:
    """One row per group (a week) with one bar per series (a funnel stage) drawn over each other
    from the longest to the shortest, so every bar shows; a legend above wraps to the width."""
    names = list(series)
    top = max((v for values in series.values() for v in values), default=0) or 1
    canvas = _Canvas(locale)
    x = y = 0
    for s, name in enumerate(names):
        room = 18 + 7 * len(name) + 12
        if x and x + room > WIDTH:
            x, y = 0, y + LINE
        canvas.rect(x, y + 3, 12, 12, COLOURS[s % len(COLOURS)])
        canvas.text(x + 16, y + 13, name)
        x += room
    y += LINE + 8
    plot = WIDTH - WEEK_LABEL - VALUE_ROOM // 2
    for g, group in enumerate(groups):
        canvas.text(0, y + BAR + 1, group)
        order = sorted(range(len(names)), key=lambda s: -series[names[s]][g])
        for s in order:
            value = series[names[s]][g]
            canvas.rect(WEEK_LABEL, y + 2, round(plot * value / top), BAR + 2, COLOURS[s % len(COLOURS)],
                        title=f"{group}, {names[s]}: {_number(value, locale)}")
        largest = max((series[n][g] for n in names), default=0)
        canvas.text(WEEK_LABEL + round(plot * largest / top) + 5, y + BAR + 1, _number(largest, locale))
        y += BAR + 8
    desc = "; ".join(f"{group}: " + ", ".join(f"{n} {_number(series[n][g], locale)}" for n in names)
                     for g, group in enumerate(groups)) or translate(locale, NO_DATA)
    return canvas.svg(max(LINE, y), title, desc, ident)


def _number(value: float, locale: str) -> str:
    """A bar's value in `locale`: a whole number as it is, any other with one decimal."""
    if isinstance(value, float) and not value.is_integer():
        return labels.tenths(value, locale)
    return labels.number(int(value), locale)
