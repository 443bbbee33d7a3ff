"""The trend chart in real Chromium (network blocked): the audit's "Change over time" and the trend page.

Uses the served pages and the browser fixtures of test_browser.py; screenshots go to tests/artifacts/viz/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stakegraph.samples.scenarios import TECH_WON
from tests.viz.test_browser import COVERED, Visit, client, open_view, page, small_client  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser]

#: The book's measures the audit follows (stakegraph.audit.TREND_MEASURES), each one panel of the chart.
MEASURES = 5
#: Quarter ends from 2024-06-30 to the sample's "today" 2026-06-30.
QUARTERS = 9

CHART = """() => {
  const svg = document.querySelector('#trend-chart svg');
  if (!svg) return null;
  const r = svg.getBoundingClientRect();
  return {periods: Number(svg.dataset.periods), dots: svg.querySelectorAll('circle.pt').length,
          flagged: svg.querySelectorAll('circle.pt.flagged').length, lines: svg.querySelectorAll('polyline').length,
          width: r.width, height: r.height,
          flaggedTitles: [...svg.querySelectorAll('circle.pt.flagged title')].map(t => t.textContent)};
}"""


def _clean(visit: Visit) -> None:
    assert visit.console == [], f"console errors {visit.console}"
    assert visit.blocked == [], f"tried to reach the network: {visit.blocked}"
    assert visit.dialogs == [], visit.dialogs


def test_audit_change_over_time_section(page: tuple[Any, Visit], artifacts: Path) -> None:  # noqa: F811
    pg, visit = page
    open_view(pg, visit, "/audit")
    section = pg.locator("#over-time")
    assert section.count() == 1 and section.locator(":scope > h2").inner_text() == "Change over time"
    chart = pg.evaluate(CHART)
    assert chart is not None and chart["width"] > 300 and chart["height"] > 200, chart
    assert chart["periods"] == QUARTERS and chart["lines"] == MEASURES
    assert chart["dots"] == QUARTERS * MEASURES  # every measure has a value at every quarter end
    assert chart["flagged"] >= 1 and all("crossed" in t or "fell below" in t for t in chart["flaggedTitles"]), chart
    # the data is text in the DOM: one table row per period, the crossing written out and visible
    rows = section.locator("table").first.locator("tbody tr")
    assert rows.count() == QUARTERS
    crossing = section.locator("table").first.locator("td", has_text="the 10% major line").first
    crossing.scroll_into_view_if_needed()
    assert crossing.is_visible()
    text = section.inner_text()
    assert "exposure (USD)" in text  # money says its currency
    assert "Last period: 2026-03-31 → 2026-06-30" in text
    seen = pg.evaluate(COVERED)
    assert seen["repeated"] == [] and seen["hidden"] == [], seen
    _clean(visit)
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(artifacts / "audit_over_time.png"))


def test_trend_page_draws_tech_co_cr5_rising(page: tuple[Any, Visit], artifacts: Path) -> None:  # noqa: F811
    pg, visit = page
    query = "node=tech_co&measure=cr_k&period=year&from_date=2018-12-31&to_date=2026-06-30"
    resp = pg.goto(f"http://stakegraph.test/viz/analysis/trend?{query}", wait_until="load")
    assert resp is not None and resp.status == 200
    chart = pg.evaluate(CHART)
    assert chart is not None and chart["periods"] == 9 and chart["dots"] == 9 and chart["lines"] == 1, chart
    # crossings: four key customers won (one a year: 2019, 2020, 2022, 2024) and the HHI over 1,800 in 2026
    assert chart["flagged"] == 5, chart
    assert any("tech_cust_1 crossed the 10% major line" in t for t in chart["flaggedTitles"])
    won = TECH_WON[0][:4]
    cell = pg.locator("td", has_text="tech_cust_1 crossed the 10% major line").first
    cell.scroll_into_view_if_needed()
    assert cell.is_visible() and won == "2024"
    assert pg.locator("td", has_text="86.76").count() >= 1
    _clean(visit)
    pg.locator("#chart").screenshot(path=str(artifacts / "trend_tech_co_cr5.png"))
