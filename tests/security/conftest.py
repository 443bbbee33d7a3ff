"""Fixtures for the security tests: a small graph (with hostile names) behind the API, API keys per role."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from stakegraph.model import EdgeRecord, NodeRecord, edge_id
from stakegraph.settings import Settings
from stakegraph.store import EmbeddedStore
from stakegraph.store.base import GraphStore
from tests.api.conftest import EDGES, NODES

#: ``HYPOTHESIS_PROFILE=nightly`` runs the long variants (≥ 10,000 generated GraphQL queries).
NIGHTLY = os.environ.get("HYPOTHESIS_PROFILE", "") == "nightly"
KEYS = {"read": "r3ad-key", "write": "wr1te-key", "admin": "adm1n-key"}
API_KEYS = ",".join(f"{k}:{role}" for role, k in KEYS.items())
HOSTILE = [
    NodeRecord("xss_party", "party", {"name": "<img src=x onerror=alert(1)>", "kind": "corporate",
                                      "country": "CN", "note": "=HYPERLINK(\"http://evil.example\")"}),
    NodeRecord("平安_party", "party", {"name": "平安银行 \u202e evil", "kind": "bank", "country": "CN",
                                      "total_assets": 1e9, "tier1_capital": 1e8}),
]
HOSTILE_EDGES = [
    EdgeRecord(edge_id("lends_to", "平安_party", "xss_party"), "lends_to", "平安_party", "xss_party",
               {"amount": 1e6, "currency": "CNY"}),
]


def auth(role: str | None) -> dict[str, str]:
    """Headers sending the key of ``role`` (none for ``None``)."""
    return {"Authorization": f"Bearer {KEYS[role]}"} if role else {}


def settings(**over: Any) -> Settings:
    return Settings(_env_file=None, **over)  # type: ignore[call-arg]


def fill(store: GraphStore) -> GraphStore:
    store.write([*NODES, *HOSTILE], [*EDGES, *HOSTILE_EDGES])
    return store


@pytest.fixture
def small_store(tmp_path: Path) -> GraphStore:
    return fill(EmbeddedStore(tmp_path / "security.sqlite"))
