"""Fixtures of the view tests: the bundled sample in an embedded store, the same plus XSS names, a browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
ARTIFACTS = ROOT / "tests" / "artifacts" / "viz"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("STAKEGRAPH_CHROMIUM", "/usr/bin/chromium")

XSS = "<img src=x onerror=alert(1)>"
HREF = 'Evil <a href="javascript:alert(2)">href</a> Ltd'

#: Nodes and edges that carry the payloads into every view (ids chosen to be reachable from each one).
XSS_NODES = (
    NodeRecord("xss_img", "party", {"name": XSS, "kind": "corporate", "country": "CN", "capital": 1000.0,
                                    "annual_revenue": 5000.0}),
    NodeRecord("xss_href", "party", {"name": HREF, "kind": "bank", "country": "CN", "capital": 5000.0,
                                     "tier1_capital": 5000.0}),
    NodeRecord("xss_seller", "party", {"name": f"Seller {XSS}", "kind": "corporate", "country": "CN"}),
)
XSS_EDGES = (
    EdgeRecord("xss_e1", "lends_to", "xss_href", "xss_img", {"amount": 800.0, "currency": "CNY"}),
    EdgeRecord("xss_e2", "buys_from", "xss_img", "a_co", {"annual_revenue": 300.0}),
    EdgeRecord("xss_e3", "sponsors", "xss_img", "p_energy_plant_1", {"share_pct": 5.0}),
    EdgeRecord("xss_e4", "lends_to", "xss_href", "p_energy_plant_1", {"amount": 1000.0}),
    EdgeRecord("xss_e5", "buys_from", "xss_img", "xss_seller", {"annual_revenue": 700.0}),
    EdgeRecord("xss_e6", "buys_from", "xss_href", "xss_seller", {"annual_revenue": 300.0}),
    EdgeRecord("xss_e7", "lends_to", "xss_href", "a_co", {"amount": 2000.0, "status": "active"}),
)


def _load(path: Path) -> EmbeddedStore:
    from stakegraph.loaders.pipeline import load

    store = EmbeddedStore(path)
    store.ensure_schema()
    load(SAMPLE, store)
    return store


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """The bundled sample portfolio, untouched (numbers are checked against it)."""
    store = _load(tmp_path_factory.mktemp("viz_sample") / "sample.sqlite")
    yield store
    store.close()


@pytest.fixture(scope="session")
def sample_graph(sample_store: EmbeddedStore) -> nx.MultiDiGraph:
    return sample_store.project()


@pytest.fixture(scope="session")
def xss_store(sample_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """The sample plus parties named with an XSS payload and an ``href`` link, tied into every view."""
    path = tmp_path_factory.mktemp("viz_xss") / "xss.sqlite"
    store = _load(path)
    store.write(XSS_NODES, XSS_EDGES)
    yield store
    store.close()


@pytest.fixture(scope="session")
def xss_graph(xss_store: EmbeddedStore) -> nx.MultiDiGraph:
    return xss_store.project()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless system Chromium driven by Playwright (never ``playwright install``)."""
    exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not exe:
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must install Debian's chromium (see .ci/run)")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install it with: apt-get install -y chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            yield b
        finally:
            b.close()
