"""Any catalogue analysis as a page, and the error page: renderers (an answer or an error in, a page out).

``/viz/analysis/NAME`` (:mod:`stakegraph.web.pages`) shows :func:`analysis_page`: the analysis's
tables exactly as ``stakegraph analyze NAME`` prints them (the catalogue's ``tables()``), its
parameters as used, any notes and the one stamp of the answer. :func:`error_page` names the problem
and the fix of any :class:`~stakegraph.errors.StakegraphError`.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from stakegraph.analyses import CATALOGUE, Analysis, Answer
from stakegraph.analyses.cells import Shown
from stakegraph.analytics.timeline import TrendResult
from stakegraph.errors import StakegraphError, outcome
from stakegraph.viz.charts import trend_chart
from stakegraph.viz.page import Page, stamp_html, table

__all__ = ["analysis_page", "analysis_index", "cell_text", "error_page", "example_query"]


def cell_text(value: Any) -> str:
    """A table cell as the page shows it (the text the terminal shows; numbers in full).

    >>> cell_text(Shown(86.7647, "86.76%")), cell_text(None), cell_text(True), cell_text(0.1 + 0.2)
    ('86.76%', '', 'yes', '0.30000000000000004')
    >>> cell_text(270000000.0), cell_text([1, "a"])
    ('270,000,000', '1, a')
    """
    if isinstance(value, Shown):
        return value.text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    return str(value)


def _numeric(rows: list[list[Any]]) -> tuple[int, ...]:
    first = rows[0] if rows else []
    return tuple(i for i, v in enumerate(first)
                 if isinstance(v, int | float | Shown) and not isinstance(v, bool))


def _param_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def example_query(analysis: Analysis) -> dict[str, str]:
    """The query parameters of the analysis's CLI example (``analyze contagion b_bank --method debtrank``).

    >>> from stakegraph.analyses import get
    >>> example_query(get("contagion"))
    {'shocks': 'b_bank', 'method': 'debtrank'}
    """
    words = shlex.split(analysis.example)[3:] if analysis.example else []
    positional = [p for p in analysis.params if p.positional]
    out: dict[str, str] = {}
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("-"):
            p = next((p for p in analysis.params if w in (p.cli_flag, p.short)), None)
            if p is not None and p.kind == "bool":
                out[p.name] = "true"
            elif p is not None and i + 1 < len(words):
                out[p.name] = words[i + 1]
                i += 1
        elif positional:
            out[positional.pop(0).name] = w
        i += 1
    return out


def analysis_page(analysis: Analysis, ans: Answer, params: Mapping[str, Any], *, query: str = "") -> Page:
    """The page of one answer: parameters, the analysis's tables, notes and the stamp.

    ``params`` are the parsed parameters (``parse_params``) the tables read; ``query`` the page's
    query string (for the JSON link).
    """
    page = Page("analysis", analysis.title, analysis.help,
                links=[("/", "Index"), ("/audit", "Audit"), ("/graphql", "GraphiQL")],
                meta={"analysis": analysis.name, "parameters": dict(ans.parameters)})
    shown = dict(ans.parameters)
    rows = [(p.name, _param_text(shown.get(p.name)), p.help) for p in analysis.params]
    json_href = f"/viz/analysis/{analysis.name}?" + urlencode(
        [*((k, v) for k, v in _query_pairs(query) if k != "format"), ("format", "json")])
    page.section("Parameters", table(["parameter", "value", "meaning"], rows),
                 Markup('<p class="muted">The same answer as JSON: <a href="{}">{}</a> · on the command line: '
                        "<code>stakegraph analyze {} … --json</code></p>").format(json_href, json_href,
                                                                                   analysis.name),
                 anchor="parameters")
    if isinstance(ans.result, TrendResult) and ans.result.rows:  # the trend drawn (its table follows)
        r = ans.result
        chart = trend_chart([x.period_end for x in r.rows],
                            [(f"{r.measure} of {r.name}", [x.value for x in r.rows], ["; ".join(x.flags) for x in r.rows])],
                            title=f"{r.measure} of {r.name} at each {r.period} end; red = a line crossed",
                            panel_h=160)
        page.section("Chart", Markup('<div class="chart" id="trend-chart">{}</div>').format(chart), anchor="chart")
    for i, t in enumerate(analysis.tables(ans.result, params)):
        cells = [list(r) for r in t.rows]
        page.section(t.title, table(list(t.headers), [[cell_text(c) for c in r] for r in cells],
                                    numeric=_numeric(cells)), anchor=f"table-{i}")
    notes = analysis.notes(ans.result)
    if notes:
        page.section("Notes", Markup("<ul>{}</ul>").format(Markup("").join(
            Markup("<li>{}</li>").format(n) for n in notes)), anchor="notes")
    page.section("How it was computed", stamp_html(ans.stamp), anchor="stamp")
    return page


def _query_pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


def analysis_index(nodes: Sequence[str] = ()) -> Markup:
    """A list of every catalogue analysis with a link to its page: the parameters of its CLI example,
    with the example's node ids replaced by ``nodes`` (the user's own; the parameter is left out
    when there are too few) and edge ids left out — no link names a sample id."""
    items = []
    for a in CATALOGUE.values():
        q = example_query(a)
        picks = iter(nodes)
        for p in a.params:
            if p.name in q and p.kind in ("node", "shocks", "edge"):
                pick = next(picks, None) if p.kind != "edge" else None
                if pick is None:
                    del q[p.name]
                else:
                    q[p.name] = pick
        href = f"/viz/analysis/{a.name}" + (f"?{urlencode(q)}" if q else "")
        items.append(Markup('<li><a href="{}">{}</a> — {}</li>').format(href, a.name, a.title))
    return Markup("<ul>{}</ul>").format(Markup("").join(items))


def error_page(error: BaseException, *, request_id: str = "-") -> tuple[int, Page]:
    """``(http_status, page)`` for ``error``: the problem and the fix; an unexpected error is masked."""
    status = outcome(error)[0]
    if isinstance(error, StakegraphError):
        title, problem, fix = f"{status}: {error.graphql_code.replace('_', ' ').lower()}", error.reason, error.fix
    else:
        title, problem, fix = (f"{status}: internal error", f"Internal error (request id {request_id})",
                               "the server log has the details")
    page = Page("error", title, problem, links=[("/", "Index")], meta={"status": status})
    page.section("What to do", Markup("<p>{}</p>").format(fix or "check the address and its parameters"),
                 Markup('<p class="muted">Every analysis and its parameters: <a href="/">the index</a>.</p>'),
                 anchor="fix")
    return status, page
