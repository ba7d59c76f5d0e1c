"""Server-side SVG charts for the console's dashboard: no JavaScript, no library, work offline.

Each chart is an `<svg role="img">` with a title and a description, numbers written on the bars,
and colours with at least 3:1 contrast against white. Every text is escaped.

Charts are drawn in a 360-unit-wide viewBox and scale to their container (the style sheet gives
them the container's width, up to a maximum): a phone shows them at about their drawn size, so
their 13-unit text stays readable. Labels are never cut: a long one wraps onto more lines.
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.i18n.catalog import DEFAULT_LANGUAGE
from integrations.console.i18n import N_, translate

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


def _svg(height: int, title: str, desc: str, body: list[str], ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
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
    `title`, labels and `unit` come translated; `locale` is for the chart's own words."""
    top = max((value for _, value in items), default=0) or 1
    body = []
    y = 0
    for label, value in items:
        for line in wrap(label):
            y += LINE
            body.append(f'<text x="0" y="{y - 4}" font-size="{FONT}" fill="#202122">{escape(line)}</text>')
        width = round((WIDTH - VALUE_ROOM) * value / top)
        body.append(f'<rect x="0" y="{y}" width="{max(width, 1)}" height="{BAR}" fill="{COLOURS[0]}"/>')
        body.append(f'<text x="{max(width, 1) + 5}" y="{y + BAR - 1}" font-size="{FONT}" fill="#202122">'
                    f'{escape(_number(value))}{escape(unit)}</text>')
        y += BAR + 6
    desc = "; ".join(f"{label}: {_number(value)}{unit}" for label, value in items) or translate(locale, NO_DATA)
    return _svg(max(LINE, y), title, desc, body, ident)


def grouped(title: str, groups: Sequence[str], series: dict[str, Sequence[float]], *, ident: str,
            locale: str = DEFAULT_LANGUAGE) -> str:
    """One row per group (a week) with one bar per series (a funnel stage) drawn over each other
    from the longest to the shortest, so every bar shows; a legend above wraps to the width."""
    names = list(series)
    top = max((v for values in series.values() for v in values), default=0) or 1
    body = []
    x = y = 0
    for s, name in enumerate(names):
        room = 18 + 7 * len(name) + 12
        if x and x + room > WIDTH:
            x, y = 0, y + LINE
        body.append(f'<rect x="{x}" y="{y + 3}" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>')
        body.append(f'<text x="{x + 16}" y="{y + 13}" font-size="{FONT}" fill="#202122">{escape(name)}</text>')
        x += room
    y += LINE + 8
    plot = WIDTH - WEEK_LABEL - VALUE_ROOM // 2
    for g, group in enumerate(groups):
        body.append(f'<text x="0" y="{y + BAR + 1}" font-size="{FONT}" fill="#202122">{escape(group)}</text>')
        order = sorted(range(len(names)), key=lambda s: -series[names[s]][g])
        for s in order:
            value = series[names[s]][g]
            width = round(plot * value / top)
            body.append(f'<rect x="{WEEK_LABEL}" y="{y + 2}" width="{width}" height="{BAR + 2}" '
                        f'fill="{COLOURS[s % len(COLOURS)]}"><title>'
                        f'{escape(f"{group}, {names[s]}: {_number(value)}")}</title></rect>')
        largest = max((series[n][g] for n in names), default=0)
        body.append(f'<text x="{WEEK_LABEL + round(plot * largest / top) + 5}" y="{y + BAR + 1}" font-size="{FONT}" '
                    f'fill="#202122">{escape(_number(largest))}</text>')
        y += BAR + 8
    desc = "; ".join(f"{group}: " + ", ".join(f"{n} {_number(series[n][g])}" for n in names)
                     for g, group in enumerate(groups)) or translate(locale, NO_DATA)
    return _svg(max(LINE, y), title, desc, body, ident)


def _number(value: float) -> str:
    return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"
