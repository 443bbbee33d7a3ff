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
