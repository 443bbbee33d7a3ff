"""The parity suite's data: the bundled sample and a seeded generated portfolio, each in an embedded store
behind every door (the Python Workspace, the CLI's data dir, the web app)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.settings import Settings
from stakegraph.store import EmbeddedStore
from stakegraph.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
#: The generated portfolio: ``stakegraph generate --parties 200 --seed 7``.
GENERATED_PARTIES, GENERATED_SEED = 200, 7

#: One parameter set per analysis, as text (what a user types on the command line or in a URL); a list
#: is a repeated value (shocks). Ids: the bundled sample (data/sample/*.csv).
SAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "concentration": {"node": "tech_co", "kinds": "buys_from", "k": "3"},
    "portfolio-concentration": {"kinds": "lends_to", "top": "5"},
    "book-concentration": {"kinds": "lends_to", "by": "source"},
    "structure": {},
    "dependencies": {"top": "5"},
    "removal-impact": {"node": "epc_main"},
    "funding-dominators": {"node": "p_energy_plant_1"},
    "centrality": {"top": "5", "weighted": "true"},
    "cut-points": {},
    "groups": {"control_threshold": "50"},
    "exposures": {"node": "b_bank"},
    "cofinancing": {},
    "cofinancing-centrality": {},
    "contagion": {"shocks": ["a_co", "loss:b_bank:0.25"], "recovery": "0.3"},
    "damaging-paths": {"source": "a_co", "target": "b_bank", "k": "2"},
    "health": {"as_of": "2026-06-30", "threshold": "70"},
    "health-scores": {"top": "5"},
    "health-detail": {"edge": "r_ab_loan", "as_of": "2023-04-10"},  # the recall day: its last day in the graph
    "lifecycle": {"node": "tech_co"},
    "lifecycle-book": {},
    "segments": {},
    "communities": {"seed": "0"},
}
#: Extra sets (the other contagion methods); the key is ``NAME#label``.
SAMPLE_EXTRA: dict[str, dict[str, Any]] = {
    "contagion#debtrank": {"shocks": ["b_bank"], "method": "debtrank"},
    "contagion#cascade": {"shocks": ["a_co"], "method": "cascade"},
    "contagion#clearing": {"method": "clearing"},
    "contagion#ends": {"shocks": ["ends:r_ab_loan"]},
    "concentration#lenders": {"node": "a_co", "kinds": "lends_to", "direction": "in"},
    "health#default-as-of": {},
}
#: Ids of the generated portfolio (seed 7): the largest lender, a party borrower, the busiest EPC.
GENERATED_PARAMS: dict[str, dict[str, Any]] = {
    "concentration": {"node": "pty_0000000", "kinds": "lends_to", "direction": "out"},
    "portfolio-concentration": {"kinds": "buys_from,offtakes", "top": "10"},
    "book-concentration": {"kinds": "lends_to", "by": "target"},
    "structure": {},
    "dependencies": {"top": "10"},
    "removal-impact": {"node": "pty_0000014"},
    "funding-dominators": {"node": "prj_0000004"},
    "centrality": {"top": "10", "sample": "20", "seed": "3"},
    "cut-points": {"top": "10"},
    "groups": {},
    "exposures": {"node": "pty_0000000"},
    "cofinancing": {},
    "cofinancing-centrality": {},
    "contagion": {"shocks": ["pty_0000062"]},
    "damaging-paths": {"source": "pty_0000062", "target": "pty_0000000"},
    "health": {},
    "health-scores": {"top": "10"},
    "health-detail": {"edge": "rel_00000545"},
    "lifecycle": {"node": "pty_0000062"},
    "lifecycle-book": {},
    "segments": {},
    "communities": {"seed": "1", "resolution": "1.5"},
}
GENERATED_EXTRA: dict[str, dict[str, Any]] = {
    "contagion#debtrank": {"shocks": ["pty_0000001"], "method": "debtrank", "variant": "bardoscia2015"},
    "contagion#clearing": {"method": "clearing"},
}


@dataclass
class Portfolio:
    """One data set behind every door."""

    name: str
    data_dir: Path
    store: EmbeddedStore
    workspace: Workspace
    client: TestClient
    params: dict[str, dict[str, Any]]
    extra: dict[str, dict[str, Any]]

    @property
    def cli_env(self) -> dict[str, str | None]:
        """The CLI's environment: the embedded store in ``data_dir`` (never the test session's Neo4j)."""
        return {"STAKEGRAPH_DATA_DIR": str(self.data_dir), "STAKEGRAPH_NEO4J_URI": None}


def _portfolio(name: str, source: Path, data_dir: Path, params: dict[str, dict[str, Any]],
               extra: dict[str, dict[str, Any]]) -> Iterator[Portfolio]:
    from stakegraph.loaders.pipeline import load
    from stakegraph.web.app import create_app

    store = EmbeddedStore(data_dir / "stakegraph.sqlite")
    store.ensure_schema()
    load(source, store)
    settings = Settings(_env_file=None, data_dir=data_dir, neo4j_uri=None)  # type: ignore[call-arg]
    app = create_app(settings, store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Portfolio(name, data_dir, store, Workspace(store, settings), client, params, extra)
    store.close()


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portfolio]:
    yield from _portfolio("sample", SAMPLE, tmp_path_factory.mktemp("parity_sample"), SAMPLE_PARAMS, SAMPLE_EXTRA)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portfolio]:
    from stakegraph.samples.scale import generate

    files = tmp_path_factory.mktemp("parity_generated_files")
    generate(GENERATED_PARTIES, GENERATED_SEED, files)
    yield from _portfolio("generated", files, tmp_path_factory.mktemp("parity_generated"), GENERATED_PARAMS,
                          GENERATED_EXTRA)


@pytest.fixture(params=["sample", "generated"])
def portfolio(request: pytest.FixtureRequest) -> Portfolio:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]
