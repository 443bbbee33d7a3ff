"""Plain SVG charts (no script, no CDN): every label escaped."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup


def bar_chart(rows: Sequence[tuple[str, float, bool]], *, title: str = "", unit: str = "",
              marker: float | None = None, width: int = 760, bar_h: int = 18, label_w: int = 230) -> Markup:
    """A horizontal bar chart of ``(label, value, flagged)`` rows; flagged bars are red.

    ``marker`` draws a dashed vertical line at that value (e.g. the 10% major-customer test).

    >>> svg = str(bar_chart([("<b>", 60.0, True), ("y", 40.0, False)], unit="%"))
    >>> "&lt;b&gt;" in svg and "<b>" not in svg, svg.count("<rect")
    (True, 2)
    """
    top = 26 if title else 6
    height = top + len(rows) * (bar_h + 6) + 24
    vmax = max([v for _, v, _ in rows] + [marker or 0.0, 1e-9])
    plot_w = width - label_w - 70
    # inline SVG in HTML needs no xmlns (and the page names no address)
    out = [Markup('<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">').format(
        width, height, width, height, title or "bar chart")]
    if title:
        out.append(Markup('<text x="4" y="16" font-size="13" font-weight="600" fill="#1f2933">{}</text>')
                   .format(title))
    for i, (label, value, flagged) in enumerate(rows):
        y = top + i * (bar_h + 6)
        w = max(1.0, plot_w * max(0.0, value) / vmax)
        colour = "#dc2626" if flagged else "#16a34a"
        text = label if len(label) <= 34 else label[:33] + "…"
        out.append(Markup('<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#1f2933">{}</text>')
                   .format(label_w - 6, y + bar_h - 5, text))
        out.append(Markup('<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="{}"><title>{}: {:.2f}{}</title>'
                          '</rect>').format(label_w, y, w, bar_h, colour, label, value, unit))
        out.append(Markup('<text x="{:.1f}" y="{}" font-size="11" fill="#52606d">{:.2f}{}</text>')
                   .format(label_w + w + 4, y + bar_h - 5, value, unit))
    if marker is not None:
        x = label_w + plot_w * marker / vmax
        out.append(Markup('<line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}" stroke="#7b8794" stroke-dasharray="4 3"/>'
                          '<text x="{:.1f}" y="{}" font-size="11" fill="#52606d">{:g}{}</text>')
                   .format(x, top - 2, x, height - 20, x + 3, height - 8, marker, unit))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


def short_number(v: float) -> str:
    """A value for a chart label: thousands separators, large amounts in k/M/B.

    >>> short_number(30_602_302_240.8), short_number(581.14), short_number(86.76), short_number(47.0)
    ('30.6B', '581.1', '86.76', '47')
    """
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
        if abs(v) >= size:
            return f"{v / size:,.3g}{suffix}"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.4g}"


def trend_chart(periods: Sequence[str], series: Sequence[tuple[str, Sequence[float | None], Sequence[str]]], *,
                title: str = "", width: int = 760, panel_h: int = 78, label_w: int = 190) -> Markup:
    """Small multiples: one line per measure over the same period ends; a period with flags is a red dot.

    ``series`` rows are ``(label, values, flags)`` with one value (``None``: no value) and one flag text
    (empty: nothing crossed) per period. Each panel is scaled to its own range (measures differ in unit);
    the panel's last value is printed beside it, and each dot's ``<title>`` says period, value and flag.
    The ``<svg>`` carries ``data-periods``; each dot has class ``pt`` (``pt flagged`` when flagged).

    >>> svg = str(trend_chart(["2025-12-31", "2026-03-31"], [("HHI <x>", [1647.4, 1972.2], ["", "crossed 1,800"])]))
    >>> 'data-periods="2"' in svg, svg.count('class="pt'), svg.count("pt flagged"), "&lt;x&gt;" in svg
    (True, 2, 1, True)
    """
    top = 26 if title else 6
    bottom = 40
    plot_w = width - label_w - 90
    height = top + len(series) * panel_h + bottom
    n = len(periods)

    def x_of(i: int) -> float:
        return label_w + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    out = [Markup('<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}" data-periods="{}">')
           .format(width, height, width, height, title or "trend chart", n)]
    if title:
        out.append(Markup('<text x="4" y="16" font-size="13" font-weight="600" fill="#1f2933">{}</text>')
                   .format(title))
    for row, (label, values, flags) in enumerate(series):
        y0 = top + row * panel_h
        known = [v for v in values if v is not None]
        lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
        span = hi - lo or max(abs(hi), 1.0)

        def y_of(v: float, y0: int = y0, lo: float = lo, span: float = span) -> float:
            return y0 + panel_h - 14 - (panel_h - 28) * (v - lo) / span

        out.append(Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#e4e7eb"/>')
                   .format(label_w, y0 + panel_h - 8, label_w + plot_w, y0 + panel_h - 8))
        text = label if len(label) <= 30 else label[:29] + "…"
        out.append(Markup('<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#1f2933">{}</text>')
                   .format(label_w - 8, y0 + panel_h / 2, text))
        pts = [(x_of(i), y_of(v)) for i, v in enumerate(values) if v is not None]
        if len(pts) > 1:
            out.append(Markup('<polyline fill="none" stroke="#2563eb" stroke-width="2" points="{}"/>')
                       .format(" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)))
        for i, v in enumerate(values):
            if v is None:
                continue
            flag = flags[i] if i < len(flags) else ""
            out.append(Markup('<circle class="{}" cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}"><title>{}: {} {}{}'
                              '</title></circle>').format("pt flagged" if flag else "pt", x_of(i), y_of(v),
                                                          5 if flag else 3, "#dc2626" if flag else "#2563eb",
                                                          label, periods[i], short_number(v),
                                                          f" — {flag}" if flag else ""))
        if known:
            last = next(v for v in reversed(values) if v is not None)
            out.append(Markup('<text x="{:.1f}" y="{:.1f}" font-size="11" fill="#52606d">{}</text>')
                       .format(label_w + plot_w + 8, y_of(last) + 4, short_number(last)))
    axis_y = top + len(series) * panel_h + 14
    for i, p in enumerate(periods):
        if n <= 12 or i % max(1, n // 8) == 0 or i == n - 1:
            out.append(Markup('<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle" fill="#52606d">{}</text>')
                       .format(x_of(i), axis_y, p))
    out.append(Markup("</svg>"))
    return Markup("").join(out)
