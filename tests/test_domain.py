"""The domain is declared once and is internally consistent."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from stakegraph.domain import DOMAIN, NODE_TYPES, RELATIONSHIP_KINDS, PropType
from stakegraph.errors import DomainError, ValidationError
from stakegraph.validate import coerce, edge_props, node_props, node_type, rel_kind

pytestmark = pytest.mark.security  # proves requirements of docs/security.md (make check-security)

ROOT = Path(__file__).resolve().parents[1]


def test_issue_minimum_relationship_kinds_declared() -> None:
    wanted = {
        "lends_to", "invests_in", "sponsors", "guarantees", "insures", "builds", "operates", "supplies",
        "buys_from", "offtakes", "owns", "controls", "party_to", "contract_for", "contact_of",
    }
    assert wanted <= set(RELATIONSHIP_KINDS)


def test_signal_and_interaction_kinds_declared() -> None:
    assert {"meeting", "call", "report", "complaint"} <= set(NODE_TYPES["interaction"].kinds)
    assert {
        "payment_delay", "order_volume_change", "missed_milestone", "management_change", "dispute",
        "funds_diverted", "statement_irregularity",
    } <= set(NODE_TYPES["signal"].kinds)


def test_party_attributes_for_analytics_declared() -> None:
    party = NODE_TYPES["party"]
    for name in ("country", "total_assets", "capital", "tier1_capital", "external_assets", "external_liabilities",
                 "debt_to_asset", "net_margin", "credit_rating", "lifecycle_stage", "replaceability"):
        assert party.prop(name) is not None, name
    for org in ("bank", "development_bank", "policy_bank", "fund", "corporate", "government", "insurer", "person"):
        assert org in party.kinds


def test_contract_terms_are_typed() -> None:
    c = NODE_TYPES["contract"]
    assert c.prop("cross_default_threshold").type is PropType.FLOAT  # type: ignore[union-attr]
    assert c.prop("guarantee_cap").type is PropType.FLOAT  # type: ignore[union-attr]
    assert c.prop("covenants").type is PropType.LIST  # type: ignore[union-attr]
    assert c.prop("repayment_adjustment") is not None


def test_rel_kinds_reference_declared_node_types_and_unique_labels() -> None:
    for k in RELATIONSHIP_KINDS.values():
        assert set(k.sources) | set(k.targets) <= set(NODE_TYPES)
        assert re.fullmatch(r"[A-Z_]+", k.rel_type)
        if k.weight:
            assert k.prop(k.weight) is not None, (k.name, k.weight)
    assert len({k.rel_type for k in RELATIONSHIP_KINDS.values()}) == len(RELATIONSHIP_KINDS)
    assert len({t.label for t in NODE_TYPES.values()}) == len(NODE_TYPES)


def test_every_edge_and_node_has_provenance() -> None:
    for k in RELATIONSHIP_KINDS.values():
        assert {"source_file", "source_row", "load_id"} <= {p.name for p in k.all_props}


def test_labels_only_from_domain() -> None:
    assert DOMAIN.label("party") == "Party"
    with pytest.raises(KeyError):
        DOMAIN.label("Party) DETACH DELETE n //")
    with pytest.raises(DomainError, match="use one of"):
        rel_kind("LENDS_TO`]->() DELETE")
    with pytest.raises(DomainError):
        node_type("company")


@pytest.mark.parametrize(
    ("ptype", "raw", "expected"),
    [
        (PropType.FLOAT, "1,500,000", 1_500_000.0),
        (PropType.FLOAT, 12, 12.0),
        (PropType.INT, "7", 7),
        (PropType.BOOL, "yes", True),
        (PropType.DATE, "2024/03/05", "2024-03-05"),
        (PropType.DATE, "1995-09-14T00:00:00Z", "1995-09-14"),
        (PropType.LIST, "DSCR>=1.2; LLCR>=1.3", ["DSCR>=1.2", "LLCR>=1.3"]),
        (PropType.STR, " 中国银行 ", "中国银行"),
    ],
)
def test_coerce(ptype: PropType, raw: object, expected: object) -> None:
    from stakegraph.domain import Prop

    assert coerce(Prop("x", ptype), raw) == expected


@pytest.mark.parametrize("raw", ["abc", "nan", "inf", "1e400"])
def test_bad_numbers_name_field_and_fix(raw: str) -> None:
    from stakegraph.domain import Prop

    with pytest.raises(ValidationError) as e:
        coerce(Prop("amount", PropType.FLOAT), raw)
    assert e.value.field == "amount" and "fix:" in str(e.value)


def test_ranges_and_choices() -> None:
    k = RELATIONSHIP_KINDS["owns"]
    with pytest.raises(ValidationError, match="share_pct"):
        edge_props(k, {"share_pct": "120"})
    with pytest.raises(ValidationError, match="amount"):
        edge_props(RELATIONSHIP_KINDS["lends_to"], {"amount": "-5"})
    with pytest.raises(ValidationError, match="kind"):
        node_props(NODE_TYPES["party"], {"name": "X", "kind": "spaceship"})
    with pytest.raises(ValidationError, match="date"):
        coerce(NODE_TYPES["signal"].prop("date"), "3024-01-01")  # type: ignore[arg-type]
    assert node_props(NODE_TYPES["party"], {"name": "X"})["kind"] == "corporate"


def test_no_cypher_built_from_strings_outside_cypher_module() -> None:
    """Security item 13: Cypher lives in src/stakegraph/store/cypher.py only."""
    out = subprocess.run(
        ["git", "grep", "-nE", r"(MATCH|MERGE|UNWIND|DETACH DELETE) \(", "--", "*.py", ":!src/stakegraph/store/cypher.py", ":!tests", ":!bench"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert out.stdout == "", out.stdout
