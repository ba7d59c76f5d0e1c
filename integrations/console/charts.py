"""Server-side SVG charts for the console's dashboard: no JavaScript, no library, work offline.

Each chart is an `<svg role="img">` with a title and a description, numbers written on the bars,
and colours with at least 3:1 contrast against white. Every text is escaped.
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

#: Series colours (Wikimedia design palette), each ≥ 3:1 against white.
COLOURS = ("#3366cc", "#14866d", "#ac6600", "#b32424", "#6b4ba1", "#54595d")
ROW = 22
LABEL_WIDTH = 180
BAR_WIDTH = 380


def _svg(width: int, height: int, title: str, desc: str, body: list[str], ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{ident}-t {ident}-d" class="chart">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def bars(title: str, items: Sequence[tuple[str, float]], *, ident: str, unit: str = "") -> str:
    """Horizontal bars, one per (label, value), the value written after each bar."""
    top = max((value for _, value in items), default=0) or 1
    body = []
    for i, (label, value) in enumerate(items):
        y = i * ROW
        width = round(BAR_WIDTH * value / top)
        body.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" font-size="12" fill="#202122">'
                    f'{escape(_short(label))}</text>')
        body.append(f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{max(width, 1)}" height="{ROW - 6}" fill="{COLOURS[0]}"/>')
        body.append(f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 15}" font-size="12" fill="#202122">'
                    f'{escape(_number(value))}{escape(unit)}</text>')
    desc = "; ".join(f"{label}: {_number(value)}{unit}" for label, value in items) or "no data"
    return _svg(LABEL_WIDTH + BAR_WIDTH + 70, max(ROW, ROW * len(items)), title, desc, body, ident)


def grouped(title: str, groups: Sequence[str], series: dict[str, Sequence[float]], *, ident: str) -> str:
    """Vertical bars: for each group (a week), one bar per series (a funnel stage), with a legend."""
    names = list(series)
    top = max((v for values in series.values() for v in values), default=0) or 1
    per, gap, plot = 9, 8, 160
    width = max(len(names) * 125 + 20, len(groups) * (per * len(names) + gap) + 40)
    body = []
    for s, name in enumerate(names):
        body.append(f'<rect x="{10 + s * 125}" y="4" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>')
        body.append(f'<text x="{26 + s * 125}" y="14" font-size="12" fill="#202122">{escape(name)}</text>')
    for g, group in enumerate(groups):
        x0 = 30 + g * (per * len(names) + gap)
        for s, name in enumerate(names):
            value = series[name][g]
            height = round(plot * value / top)
            body.append(f'<rect x="{x0 + s * per}" y="{30 + plot - height}" width="{per - 1}" height="{height}" '
                        f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(f"{group}, {name}: {_number(value)}")}</title></rect>')
        body.append(f'<text x="{x0}" y="{30 + plot + 14}" font-size="10" fill="#202122">{escape(group[-3:])}</text>')
    desc = "; ".join(f"{group}: " + ", ".join(f"{n} {_number(series[n][g])}" for n in names)
                     for g, group in enumerate(groups)) or "no data"
    return _svg(width, 30 + plot + 20, title, desc, body, ident)


def _number(value: float) -> str:
    return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
