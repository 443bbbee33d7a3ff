"""Smoke test: every benchmark script's ``main`` runs at its smallest size and prints its tables.

No timing is asserted (speed belongs in ``bench/``); this only keeps the scripts runnable.
Generated portfolios and stores go to a temporary cache (``STAKEGRAPH_BENCH_CACHE``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("rustworkx", reason="bench extras missing: pip install -e '.[bench]'")
pytest.importorskip("psutil", reason="bench extras missing: pip install -e '.[bench]'")

from bench import (  # noqa: E402
    after_write,
    analytics,
    api_latency,
    audit,
    common,
    load,
    load_neo4j,
    memory,
    projection,
    run_all,
    views,
)


@pytest.fixture(autouse=True)
def bench_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path_factory.getbasetemp() / "bench-cache"
    monkeypatch.setenv("STAKEGRAPH_BENCH_CACHE", str(cache))
    return cache


def test_common_helpers() -> None:
    assert common.growth_exponent([10, 100, 1000], [1.0, 10.0, 100.0]) == pytest.approx(1.0)
    assert common.growth_exponent([10, 100], [1.0, 100.0]) == pytest.approx(2.0)
    assert common.percentile([1, 2, 3, 4], 50) == 2.5  # numpy linear: halfway between 2 and 3
    assert common.percentile([1, 2, 3, 4, 5], 95) == pytest.approx(4.8)
    assert common.table(["a", "b"], [(1, 0.5)]) == "| a | b |\n|---|---|\n| 1 | 0.5 |"


def test_portfolio_is_cached_and_counted() -> None:
    import csv

    folder = common.portfolio(100, relationships=50)
    by_file = {f.stem: sum(1 for _ in csv.reader(f.open(encoding="utf-8"))) - 1 for f in folder.glob("*.csv")}
    assert {k: by_file[k] for k in ("parties", "projects", "relationships", "interactions", "signals")} == {
        "parties": 100, "projects": 20, "relationships": 50, "interactions": 50, "signals": 25}
    assert common.row_count(folder) == sum(by_file.values())
    assert common.portfolio(100, relationships=50) == folder


def test_analytics_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert analytics.main(["--sizes", "100"]) == 0
    out = capsys.readouterr().out
    assert "| betweenness exact unweighted | networkx |" in out and "full dependency audit" in out


def test_after_write_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert after_write.main(["--sizes", "100"]) == 0
    out = capsys.readouterr().out
    assert "| stale path" in out and "| wait for the rebuild" in out and "answered" in out


def test_audit_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert audit.main(["--sizes", "100"]) == 0
    out = capsys.readouterr().out
    assert "Audit phases" in out and "DebtRank" in out and "Resident set size after each phase" in out
    assert "Peak resident set size within each phase" in out and "| JSON |" in out


def test_audit_against_another_tree(capsys: pytest.CaptureFixture[str]) -> None:
    """``--before SRC --runs 2``: now and before alternate, each row and phase column labelled."""
    src = Path(audit.__file__).resolve().parents[1] / "src"
    assert audit.main(["--sizes", "100", "--no-debtrank", "--repeat", "0", "--runs", "2", "--before", str(src)]) == 0
    out = capsys.readouterr().out
    assert [line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| 100 ")][:4] == [
        "100 now #1", "100 before #1", "100 now #2", "100 before #2"]


def test_api_latency_main(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--parties", "100", "--requests", "4", "--seconds", "3"]
    assert api_latency.main([*args, "--backends", "embedded"]) == 0
    out = capsys.readouterr().out
    assert "### Loopback" in out and "GraphQL overhead" in out and "peak RSS" in out
    assert "| GraphQL, no cache |" in out and "| GraphQL, response cache |" in out


@pytest.mark.neo4j
def test_api_latency_on_neo4j(neo4j_uri: str, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("STAKEGRAPH_NEO4J_URI", neo4j_uri)
    args = ["--parties", "100", "--requests", "4", "--seconds", "3", "--backends", "neo4j", "--no-loopback"]
    assert api_latency.main(args) == 0
    out = capsys.readouterr().out
    assert "### In-process (httpx ASGITransport), neo4j store, 100 parties" in out
    assert "| GraphQL, no cache |" in out


def test_api_plain_endpoints_return_the_graphql_data() -> None:
    """The overhead comparison is fair only if both endpoints return the same data."""
    import asyncio

    import httpx

    app = api_latency.build_app(100)
    t = app.state.bench_targets
    q = api_latency.queries(t)

    async def go() -> tuple[dict, list, dict, dict]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
            page = (await c.post("/graphql", json={"query": q["page of 100 with relationship counts"][0]})).json()
            plain = (await c.get("/bench/page")).json()
            hood = (await c.post("/graphql", json={"query": q["depth-2 neighbourhood (limit 100)"][0]})).json()
            plain_hood = (await c.get(f"/bench/neighborhood?id={t['busy']}")).json()
            return page, plain, hood, plain_hood

    page, plain, hood, plain_hood = asyncio.run(go())
    assert [e["node"] for e in page["data"]["parties"]["edges"]] == plain
    assert hood["data"]["neighborhood"] == plain_hood
    search = q["search (first 20)"][0]

    async def go2() -> tuple[dict, dict]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
            return ((await c.post("/graphql", json={"query": search})).json(),
                    (await c.get(f"/bench/search?text={t['text']}")).json())

    gql, plain_search = asyncio.run(go2())
    assert gql["data"]["search"] == plain_search


@pytest.mark.neo4j
def test_load_neo4j_main(neo4j_uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert load_neo4j.main(["--rels", "300", "--batches", "1000", "--quick", "--uri", neo4j_uri]) == 0
    out = capsys.readouterr().out
    for writer in ("| csv script (csv + UNWIND) |", "| baseline (ready records) |", "| store |", "| loader |",
                   "| embedded |"):
        assert writer in out
    assert "| × baseline (ready records) | × csv script |" in out


def test_load_worker_without_rust_extension() -> None:
    """The no-Rust run really runs the pure-Python packstream (the extension cannot be imported)."""
    folder = common.portfolio(100, relationships=50)
    r = load_neo4j.run_worker("", folder, "embedded", 1000, rust=False)
    assert r["rows"] > common.row_count(folder)  # rows written: nodes + edges (+ involves/concerns edges)
    import subprocess
    import sys

    code = ("import sys; from bench.load_neo4j import _BlockRust; sys.meta_path.insert(0, _BlockRust()); "
            "import neo4j; from bench.load_neo4j import _rust_importable; print(_rust_importable())")
    root = Path(load_neo4j.__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.browser
def test_views_main(capsys: pytest.CaptureFixture[str]) -> None:
    if not (Path(views.CHROMIUM).exists() or shutil.which("chromium")):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"Chromium not found at {views.CHROMIUM} under CI; tools/install-system-deps.sh installs it")
        pytest.skip(f"Chromium not found at {views.CHROMIUM}; install it with: apt-get install -y chromium")
    assert views.main(["--sizes", "50", "--repeat", "1", "--parties", "100"]) == 0
    out = capsys.readouterr().out
    assert "network view" in out and "ego view" in out


def test_memory_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert memory.main(["--sizes", "100"]) == 0
    out = capsys.readouterr().out
    assert "API process" in out and "stakegraph.loaders.load into embedded" in out


def test_subgraph_projection_gives_the_same_concentration(capsys: pytest.CaptureFixture[str]) -> None:
    """Scaling step 1 (docs/scaling.md): project only parties, projects and structural kinds."""
    from stakegraph.store.embedded import EmbeddedStore

    with EmbeddedStore(common.embedded_db(100)) as store:
        full = store.project()
        part = store.project(types=projection.SUB_TYPES, kinds=projection.sub_kinds())
    assert part.number_of_nodes() < full.number_of_nodes()
    assert {d["type"] for _, d in part.nodes(data=True)} <= {"party", "project"}
    rows = projection.concentration_rows(full)
    assert rows and rows == projection.concentration_rows(part)
    assert projection.main(["--sizes", "100"]) == 0
    assert "| identical |" in capsys.readouterr().out


def test_run_all_names_every_script() -> None:
    import pkgutil

    import bench

    scripts = {m.name for m in pkgutil.iter_modules(bench.__path__)} - {"common", "run_all"}
    assert scripts == set(run_all.SCRIPTS)


def test_load_floor_and_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert load.main(["--sizes", "100", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "| floor |" in out and "| cli |" in out


def test_load_before_row_runs_another_source_tree(capsys: pytest.CaptureFixture[str]) -> None:
    """``--before SRC`` times the CLI load imported from SRC (here: this tree's own src)."""
    src = Path(load.__file__).resolve().parents[1] / "src"
    assert load.main(["--sizes", "100", "--repeat", "1", "--modes", "cli", "--before", str(src)]) == 0
    out = capsys.readouterr().out
    assert "| cli (before) |" in out and "| cli |" in out
    with pytest.raises(SystemExit):
        load.main(["--sizes", "100", "--before", str(src.parent / "docs")])
