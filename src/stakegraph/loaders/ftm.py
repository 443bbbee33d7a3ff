"""FollowTheMoney (FtM) in and out: the graph as an FtM entity stream, and an FtM stream into the graph.

Needs the optional ``followthemoney`` package (``pip install 'stakegraph[ftm]'``); the rest of
stakegraph never imports it. The tables :data:`PARTY_SCHEMA`, :data:`EDGE_SCHEMA` and
:data:`IMPORT_EDGES` are the mapping documented in docs/followthemoney.md.

Every exported entity is a valid FtM entity (the schema's property types, the edge's required
ends); values FtM cannot hold exactly (our kinds, amounts to the cent and beyond, countries that are
not ISO codes, provenance) travel beside the FtM properties under the top-level key ``stakegraph``,
which FtM tools ignore. Importing our own export therefore gives back the same graph (ids, kinds,
amounts, provenance); importing any other FtM stream maps the schemata and properties in the tables.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stakegraph.domain import DOMAIN, PROVENANCE
from stakegraph.errors import ConfigError, DanglingEdge, GraphError, TypeConflict
from stakegraph.loaders.compressed import open_bytes
from stakegraph.loaders.errors import FileFormatError, LoaderStoreError
from stakegraph.loaders.records import check_kind, check_props, edge_decl, node_decl
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store.base import GraphStore

SIDECAR = "stakegraph"
_PROV = {p.name for p in PROVENANCE}

#: party kind → FtM schema (export).
PARTY_SCHEMA: dict[str, str] = {
    "person": "Person",
    **dict.fromkeys(("government", "multilateral_agency", "bilateral_agency", "export_credit_agency",
                     "policy_bank", "development_bank"), "PublicBody"),
    **dict.fromkeys(("trust_fund", "local_contributor", "other"), "Organization"),
}
#: FtM schema → party kind (import of streams without the sidecar).
SCHEMA_KIND: dict[str, str] = {"Person": "person", "PublicBody": "government", "Company": "corporate",
                               "Organization": "other", "LegalEntity": "other"}
#: node type → FtM schema; parties use :data:`PARTY_SCHEMA` (default Company).
NODE_SCHEMA: dict[str, str] = {"project": "Project", "contract": "Contract", "interaction": "Event",
                               "signal": "Event"}
#: relationship kind → (FtM schema, property of our source, property of our target, role or "").
EDGE_SCHEMA: dict[str, tuple[str, str, str, str]] = {
    "lends_to": ("Debt", "creditor", "debtor", ""),
    "owns": ("Ownership", "owner", "asset", ""),
    "invests_in": ("Ownership", "owner", "asset", "investor"),
    "party_to": ("ContractAward", "supplier", "contract", ""),
    "sponsors": ("ProjectParticipant", "participant", "project", "sponsor"),
}
#: FtM edge schema → (relationship kind, property that is our source, property that is our target).
IMPORT_EDGES: dict[str, tuple[str, str, str]] = {
    "Debt": ("lends_to", "creditor", "debtor"),
    "Ownership": ("owns", "owner", "asset"),
    "ContractAward": ("party_to", "supplier", "contract"),
    "ProjectParticipant": ("partner_of", "participant", "project"),
    "Directorship": ("controls", "director", "organization"),
    "Payment": ("buys_from", "payer", "beneficiary"),
    "UnknownLink": ("partner_of", "subject", "object"),
}
#: our property → FtM property, per FtM schema family (values are cleaned by FtM; exact ones in the sidecar).
_NODE_PROPS = {"name": "name", "name_en": "alias", "country": "country", "sector": "sector", "email": "email",
               "total_cost": "amount", "currency": "currency", "status": "status", "start_date": "startDate",
               "end_date": "endDate", "amount": "amount", "signed_date": "contractDate", "date": "date",
               "note": "summary", "capital": "capital"}
_EDGE_PROPS = {"amount": "amount", "currency": "currency", "start_date": "startDate", "end_date": "endDate",
               "share_pct": "percentage", "status": "status", "role": "role"}


_FTM_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.\-]*[0-9a-zA-Z])?$")


def ftm_id(our_id: str) -> str:
    """The FtM id of one of our ids: itself when FtM allows it (letters, digits, ``.``, ``-``), else a slug
    plus 10 hex of its SHA-1 (``p_plant_1`` → ``p-plant-1-…``); the exact id travels in the sidecar."""
    if _FTM_ID.match(our_id) and len(our_id) <= 128:
        return our_id
    slug = re.sub(r"[^0-9a-zA-Z]+", "-", our_id).strip("-")[:60]
    digest = hashlib.sha1(our_id.encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}" if slug else f"sg-{digest}"


def _model() -> Any:
    try:
        from followthemoney import model
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ConfigError("FollowTheMoney support needs the followthemoney package",
                          fix="pip install 'stakegraph[ftm]'") from e
    return model


def _add(proxy: Any, prop: str, value: Any) -> None:
    if prop in proxy.schema.properties and value not in (None, "", []):
        for v in value if isinstance(value, list) else [value]:
            proxy.add(prop, v if isinstance(v, str) else json.dumps(v) if isinstance(v, bool) else str(v),
                      quiet=True, fuzzy=False)


def _node_entity(model: Any, n: NodeRecord) -> Any:
    schema = PARTY_SCHEMA.get(str(n.props.get("kind")), "Company") if n.type == "party" else NODE_SCHEMA[n.type]
    proxy = model.make_entity(schema)
    proxy.id = ftm_id(n.id)
    if n.type == "contract":
        _add(proxy, "title", n.props.get("name"))
    if n.type in ("interaction", "signal"):
        _add(proxy, "involved", [ftm_id(str(x)) for x in (n.props.get("party_id"), n.props.get("counterparty_id")) if x])
    for ours, theirs in _NODE_PROPS.items():
        if ours in n.props and not (schema == "Project" and ours == "amount"):
            _add(proxy, theirs, n.props[ours])
    if not proxy.has("name") and "name" in proxy.schema.properties:
        proxy.add("name", n.id)
    return proxy


def _edge_entity(model: Any, e: EdgeRecord) -> Any:
    schema, src, tgt, role = EDGE_SCHEMA.get(e.kind, ("UnknownLink", "subject", "object", e.kind))
    proxy = model.make_entity(schema)
    proxy.id = ftm_id(e.id)
    proxy.add(src, ftm_id(e.source))
    proxy.add(tgt, ftm_id(e.target))
    if role:
        _add(proxy, "role", role)
    for ours, theirs in _EDGE_PROPS.items():
        if ours in e.props:
            _add(proxy, theirs, e.props[ours])
    if e.kind == "invests_in":
        _add(proxy, "sharesValue", e.props.get("amount"))
        _add(proxy, "sharesCurrency", e.props.get("currency"))
    return proxy


def export_ftm(store: GraphStore, path: str | Path) -> int:
    """Write every node and relationship of ``store`` as FtM JSON lines to ``path``; returns the count."""
    model = _model()
    n = 0
    out = Path(path)
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "w", encoding="utf-8") as f:
        for node in sorted(store.iter_nodes(), key=lambda x: x.id):
            data = _node_entity(model, node).to_dict()
            data[SIDECAR] = {"id": node.id, "type": node.type, "props": dict(node.props)}
            f.write(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str) + "\n")
            n += 1
        for edge in sorted(store.iter_edges(), key=lambda x: x.id):
            data = _edge_entity(model, edge).to_dict()
            data[SIDECAR] = {"id": edge.id, "kind": edge.kind, "source": edge.source, "target": edge.target,
                             "props": dict(edge.props)}
            f.write(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str) + "\n")
            n += 1
    tmp.replace(out)
    return n


# -- import ----------------------------------------------------------------------------------
@dataclass
class FtmLoad:
    """What :func:`load_ftm` read and wrote: records by type/kind, entities skipped (with why), errors."""

    nodes: int = 0
    edges: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    written: bool = False


def _first(props: dict[str, list[str]], name: str) -> str | None:
    vals = props.get(name) or []
    return vals[0] if vals else None


def _from_ftm(data: dict[str, Any], label: str, line: int, load_id: str
              ) -> NodeRecord | EdgeRecord | str:
    """Our record for one FtM entity, or why it is skipped/refused (text)."""
    model = _model()
    schema = model.get(str(data.get("schema")))
    if schema is None:
        return f"schema {data.get('schema')!r} is not an FtM schema"
    sc = data.get(SIDECAR)
    side: dict[str, Any] = sc if isinstance(sc, dict) else {}
    eid = str(side.get("id") or data.get("id") or "")
    if not eid:
        return "has no id"
    props: dict[str, list[str]] = {k: [str(x) for x in v] for k, v in (data.get("properties") or {}).items()}
    prov = {"source_file": label, "source_row": line, "load_id": load_id}
    if schema.edge:
        spec = IMPORT_EDGES.get(schema.name)
        kind = str(side.get("kind") or (spec[0] if spec else ""))
        if kind not in DOMAIN.rel_kinds or spec is None and not side:
            return f"skipped: {schema.name} has no relationship kind (see docs/followthemoney.md)"
        src = side.get("source") or (_first(props, spec[1]) if spec else None)
        tgt = side.get("target") or (_first(props, spec[2]) if spec else None)
        if not src or not tgt:
            return f"{schema.name} {eid!r} lacks one of its ends"
        eraw: dict[str, Any] = {ours: _first(props, theirs) for ours, theirs in _EDGE_PROPS.items() if props.get(theirs)}
        if kind == "partner_of" and eraw.get("role") in DOMAIN.rel_kinds:
            kind = str(eraw.pop("role"))
        values = dict(side["props"]) if isinstance(side.get("props"), dict) else eraw
        checked, issues = check_props(edge_decl(DOMAIN.rel_kinds[kind]), {k: (v, k) for k, v in values.items()
                                                                          if k not in _PROV})
        if issues:
            return "; ".join(f"{i.column}: {i.reason}" for i in issues)
        return EdgeRecord(eid, kind, str(src), str(tgt), {**checked, **_prov(values, prov)})
    ntype = str(side.get("type") or ("party" if schema.is_a("LegalEntity") else
                                      "project" if schema.name == "Project" else
                                      "contract" if schema.name == "Contract" else ""))
    if ntype not in DOMAIN.node_types:
        return f"skipped: {schema.name} is not a party, project or contract"
    raw: dict[str, Any] = {ours: _first(props, theirs) for ours, theirs in _NODE_PROPS.items() if props.get(theirs)}
    if schema.name == "Contract":
        raw["name"] = _first(props, "title") or raw.get("name")
    if ntype == "project" and "amount" in raw:
        raw["total_cost"] = raw.pop("amount")
    values = dict(side["props"]) if isinstance(side.get("props"), dict) else raw
    nt = DOMAIN.node_types[ntype]
    default_kind: str | None = SCHEMA_KIND.get(schema.name, "other") if ntype == "party" else None
    found_kind, issues = check_kind(nt, values.pop("kind", None) or default_kind, "kind")
    decl = node_decl(nt)
    checked, more = check_props(decl, {k: (v, k) for k, v in values.items() if k not in _PROV and
                                       (k in decl or "props" in side)})
    issues += more
    if issues:
        return "; ".join(f"{i.column}: {i.reason}" for i in issues)
    if found_kind:
        checked["kind"] = found_kind
    return NodeRecord(eid, ntype, {**checked, **_prov(values, prov)})


def _prov(values: dict[str, Any], default: dict[str, Any]) -> dict[str, Any]:
    return {k: values.get(k, default[k]) for k in default}


def _lines(path: Path, label: str) -> Iterator[tuple[int, dict[str, Any]]]:
    with open_bytes(path, label) as f:
        for n, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise FileFormatError(f"line {n} is not JSON ({e})", file=label, row=n,
                                      fix="give an FtM entity stream: one JSON entity per line") from e
            if not isinstance(data, dict):
                raise FileFormatError(f"line {n} is not a JSON object", file=label, row=n,
                                      fix="give an FtM entity stream: one JSON entity per line")
            yield n, data


def load_ftm(path: str | Path, store: GraphStore, *, strict: bool = True, load_id: str | None = None) -> FtmLoad:
    """Load an FtM entity stream (JSON lines, optionally .gz/.xz) into ``store``.

    Entities whose schema has no counterpart are skipped and listed; entities that cannot be
    converted are errors (strict: nothing is written).
    """
    p = Path(path)
    label = p.name
    if load_id is None:
        h = hashlib.sha256(b"ftm\0")
        with open(p, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        load_id = "load_" + h.hexdigest()[:16]
    out = FtmLoad()
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    for n, data in _lines(p, label):
        rec = _from_ftm(data, label, n, load_id)
        if isinstance(rec, NodeRecord):
            nodes.append(rec)
        elif isinstance(rec, EdgeRecord):
            edges.append(rec)
        elif rec.startswith("skipped: "):
            out.skipped.append(f"{label}:{n}: {rec.removeprefix('skipped: ')}")
        else:
            out.errors.append(f"{label}:{n}: {rec}")
    if out.errors and strict:
        return out
    try:
        store.write(nodes, edges)
    except (DanglingEdge, TypeConflict) as e:  # checked before anything is written
        out.errors.append(f"{label}: {e}")
        return out
    except GraphError as e:
        raise LoaderStoreError(f"the {store.backend} store failed while loading {label}: {e}; re-run it") from e
    out.nodes, out.edges, out.written = len(nodes), len(edges), True
    return out
