"""The canonical file layout: which file holds what, and how a row becomes records.

A file's role comes from its name (stem prefix ``parties``, ``projects``,
``contracts``, ``relationships``, ``interactions``, ``signals``; also for XLSX
sheet names) or else from its header. Column names are matched after trimming,
lower-casing and turning spaces/hyphens into ``_``; common Chinese and English
aliases (``名称`` → ``name``, ``金额`` → ``amount``, ``source`` → ``source_id`` …)
are accepted. Unknown columns are kept as text properties. See docs/data-format.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Any

from stakegraph.domain import DOMAIN
from stakegraph.loaders.formats import RawRow
from stakegraph.loaders.records import (
    ALL_EDGE_PROPS,
    PROVENANCE_NAMES,
    Converted,
    Issue,
    Item,
    NotFast,
    check_kind,
    check_props,
    edge_decl,
    fast_coercer,
    node_decl,
    text_id,
)
from stakegraph.model import EdgeRecord, NodeRecord, edge_id
from stakegraph.validate import is_blank

ROLES = ("parties", "projects", "contracts", "relationships", "interactions", "signals")
NODE_OF_ROLE = {"parties": "party", "projects": "project", "contracts": "contract",
                "interactions": "interaction", "signals": "signal"}

ALIASES: dict[str, str] = {
    # ids and names
    "编号": "id", "代码": "id", "标识": "id", "名称": "name", "名字": "name", "姓名": "name",
    "英文名称": "name_en", "类型": "kind", "类别": "kind", "种类": "kind", "type": "kind",
    # places and classification
    "国家": "country", "地区": "region", "区域": "region", "行业": "sector", "状态": "status",
    # money
    "金额": "amount", "币种": "currency", "货币": "currency", "持股比例": "share_pct", "比例": "share_pct",
    "share": "share_pct", "总资产": "total_assets", "资本": "capital", "年收入": "annual_revenue",
    "营业收入": "annual_revenue", "信用评级": "credit_rating", "总投资": "total_cost", "装机容量": "capacity_mw",
    # dates
    "开始日期": "start_date", "起始日期": "start_date", "结束日期": "end_date", "到期日": "end_date",
    "签署日期": "signed_date", "日期": "date",
    # relationships and events
    "来源": "source_id", "源": "source_id", "source": "source_id", "from": "source_id",
    "目标": "target_id", "target": "target_id", "to": "target_id",
    "相关方": "party_id", "主体": "party_id", "对手方": "counterparty_id", "交易对手": "counterparty_id",
    "关系": "relationship_id", "项目": "project_id", "项目编号": "project_id", "合同": "contract_id",
    "渠道": "channel", "备注": "note", "严重程度": "severity", "数值": "value", "角色": "role",
}
_NORM = re.compile(r"[\s\-]+")


def normalise_column(name: str) -> str:
    """The canonical column a header names (``" Source ID "`` → ``source_id``, ``金额`` → ``amount``)."""
    key = _NORM.sub("_", name.strip()).lower()
    return ALIASES.get(key, key)


def role_from_name(name: str) -> str | None:
    """The role named by a file stem or sheet (``parties_2024.csv`` → ``parties``)."""
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0].lower()
    for role in ROLES:
        if stem.startswith(role) or stem.startswith(role.rstrip("s")):
            return role
    return None


def role_from_header(header: Sequence[str]) -> str | None:
    """The role the columns suggest, or ``None`` when they do not say."""
    cols = {normalise_column(h) for h in header}
    if {"source_id", "target_id", "kind"} <= cols:
        return "relationships"
    if {"party_id", "date"} <= cols:
        if cols & {"value", "severity"}:
            return "signals"
        if cols & {"channel", "name"} or "counterparty_id" in cols:
            return "interactions"
    if "id" in cols and cols & {"signed_date", "bet_on_target", "covenants", "guarantee_cap"}:
        return "contracts"
    if "id" in cols and cols & {"capacity_mw", "total_cost", "lending_instrument"}:
        return "projects"
    if {"id", "name"} <= cols:
        return "parties"
    return None


@dataclass
class CanonicalConverter:
    """Turns rows of one canonical file into records; every issue names the column as written."""

    role: str
    header: Sequence[str]

    def __post_init__(self) -> None:
        self.columns: dict[str, str] = {}
        for h in self.header:
            self.columns.setdefault(normalise_column(h), h)

    def _norm(self, values: Mapping[str, Any]) -> dict[str, tuple[Any, str]]:
        out: dict[str, tuple[Any, str]] = {}
        for col, value in values.items():
            key = normalise_column(col)
            if key not in out or is_blank(out[key][0]):
                out[key] = (value, col)
        return out

    def col(self, name: str) -> str:
        return self.columns.get(name, name)

    def convert(self, raw: RawRow) -> Converted:
        values = self._norm(raw.values)
        if self.role == "relationships":
            return self._relationship(values)
        return self._node(values)

    # -- nodes ------------------------------------------------------------------
    def _node(self, values: dict[str, tuple[Any, str]]) -> Converted:
        ntype = DOMAIN.node_types[NODE_OF_ROLE[self.role]]
        out = Converted(type_key=ntype.name)
        nid_raw, id_col = values.pop("id", (None, "id"))
        if is_blank(nid_raw):
            out.issues.append(Issue(id_col, "", "id is required", f"give every {ntype.name} a unique id"))
        kind_raw, kind_col = values.pop("kind", (None, "kind"))
        kind, issues = check_kind(ntype, kind_raw, kind_col)
        out.issues += issues
        project = values.pop("project_id", (None, "project_id")) if self.role == "contracts" else (None, "")
        props, issues = check_props(node_decl(ntype), values)
        out.issues += issues
        if out.issues:
            return out
        nid = text_id(nid_raw)
        if kind:
            props["kind"] = kind
        out.items.append(Item(NodeRecord(nid, ntype.name, props)))
        if self.role == "contracts" and not is_blank(project[0]):
            pid = text_id(project[0])
            out.items.append(Item(EdgeRecord(edge_id("contract_for", nid, pid), "contract_for", nid, pid, {}),
                                  source_col=id_col, target_col=project[1]))
        if self.role in ("interactions", "signals"):
            ekind = "involves" if self.role == "interactions" else "concerns"
            for key in ("party_id", "counterparty_id"):
                if key in props and not (key == "counterparty_id" and props[key] == props.get("party_id")):
                    tid = str(props[key])
                    out.items.append(Item(EdgeRecord(edge_id(ekind, nid, tid), ekind, nid, tid, {}),
                                          source_col=id_col, target_col=values[key][1]))
        return out

    # -- relationships ------------------------------------------------------------
    def _relationship(self, values: dict[str, tuple[Any, str]]) -> Converted:
        out = Converted(type_key="relationship")
        kind_raw, kind_col = values.pop("kind", (None, "kind"))
        rel = DOMAIN.rel_kinds.get(str(kind_raw).strip()) if not is_blank(kind_raw) else None
        if rel is None:
            out.issues.append(Issue(kind_col, "" if kind_raw is None else kind_raw,
                                    "kind is required" if is_blank(kind_raw) else
                                    f"{str(kind_raw).strip()!r} is not a relationship kind",
                                    f"use one of {', '.join(DOMAIN.rel_kinds)}"))
        else:
            out.type_key = rel.name
        ends = {}
        for key in ("source_id", "target_id"):
            v, c = values.pop(key, (None, key))
            if is_blank(v):
                out.issues.append(Issue(c, "", f"{key} is required", f"give the {key[:-3]} node's id"))
            else:
                ends[key] = (text_id(v), c)
        rid_raw, _ = values.pop("id", (None, "id"))
        decl = edge_decl(rel) if rel else {}
        props, issues = check_props(decl, values, fallback=ALL_EDGE_PROPS)
        out.issues += issues
        if out.issues or rel is None:
            return out
        src, src_col = ends["source_id"]
        tgt, tgt_col = ends["target_id"]
        rid = text_id(rid_raw) if not is_blank(rid_raw) else edge_id(rel.name, src, tgt, props.get("ref"))
        out.items.append(Item(EdgeRecord(rid, rel.name, src, tgt, props), source_col=src_col, target_col=tgt_col))
        return out


#: What the fast path makes of a row: ``(is_edge, id, type or kind, source, target, props, source column,
#: target column)`` per record (source/target ``""`` for a node).
FastRecord = tuple[bool, str, str, str, str, dict[str, Any], str, str]
FastFn = Callable[[list[str]], "list[FastRecord] | None"]


def _blank_text(v: str) -> bool:
    return not v or v.isspace()


def fast_converter(conv: CanonicalConverter, max_id: int) -> FastFn | None:
    """A converter of a CSV record (list of text) that makes exactly what ``conv.convert`` makes of a
    valid row, column plan computed once per header; it returns ``None`` for any row it cannot vouch
    for (a blank id, a bad value, a long id …), which then goes through ``conv.convert`` and gets the
    same issues as before. ``None`` when the header maps two columns to one name (rare; slow path)."""
    keys = [normalise_column(h) for h in conv.header]
    if len(set(keys)) != len(keys):
        return None
    where = {k: i for i, k in enumerate(keys)}
    header = list(conv.header)
    if conv.role == "relationships":
        return _fast_relationship(where, header, max_id)
    return _fast_node(conv.role, where, header, max_id)


_Plan = list[tuple[str | None, Callable[[str], Any] | None]]


def _plan(where: dict[str, int], header: list[str], skip: set[str], decl: Mapping[str, Any],
          fallback: Mapping[str, Any]) -> _Plan:
    """``(property, coercion)`` per column of the header, in order: property ``None`` for a column read
    apart (id, kind, ends), coercion ``None`` for a provenance column (a value there is an issue)."""
    out: _Plan = [(None, None)] * len(header)
    for key, i in where.items():
        if key in skip:
            continue
        if key in PROVENANCE_NAMES:
            out[i] = (key, None)
            continue
        out[i] = (key, fast_coercer(decl.get(key) or fallback.get(key)))
    return out


def _fill(rec: list[str], plan: _Plan, required: list[str]) -> dict[str, Any] | None:
    props: dict[str, Any] = {}
    try:
        # only the non-empty cells (itertools.compress selects them in C; most cells of a wide file are empty)
        for (key, fn), v in zip(compress(plan, rec), compress(rec, rec), strict=False):
            if key is None or v.isspace():
                continue
            if fn is None:
                return None
            props[key] = fn(v)
    except NotFast:
        return None
    for name in required:
        if name not in props:
            return None
    return props


def _cell(rec: list[str], i: int | None) -> str:
    return rec[i] if i is not None and i < len(rec) else ""


def _fast_node(role: str, where: dict[str, int], header: list[str], max_id: int) -> FastFn:
    ntype = DOMAIN.node_types[NODE_OF_ROLE[role]]
    decl = node_decl(ntype)
    skip = {"id", "kind"} | ({"project_id"} if role == "contracts" else set())
    plan = _plan(where, header, skip, decl, {})
    required = [p.name for p in decl.values() if p.required]
    id_i, kind_i = where.get("id"), where.get("kind")
    id_col = header[id_i] if id_i is not None else "id"
    proj_i = where.get("project_id") if role == "contracts" else None
    proj_col = header[proj_i] if proj_i is not None else "project_id"
    kinds = frozenset(ntype.kinds)
    default_kind = ntype.default_kind
    tname = ntype.name
    ekind = {"interactions": "involves", "signals": "concerns"}.get(role)
    ends = [(k, header[where[k]]) for k in ("party_id", "counterparty_id") if k in where] if ekind else []

    def convert(rec: list[str]) -> list[FastRecord] | None:
        nid = _cell(rec, id_i).strip()
        if not nid or len(nid) > max_id:
            return None
        k = _cell(rec, kind_i)
        if _blank_text(k):
            if not default_kind:
                return None
            kind = default_kind
        else:
            kind = k.strip()
            if kind not in kinds:
                return None
        props = _fill(rec, plan, required)
        if props is None:
            return None
        props["kind"] = kind
        pid = _cell(rec, proj_i).strip() if proj_i is not None else ""
        return row_records(nid, tname, props, pid, ends, ekind or "", (id_col, proj_col), max_id)

    return convert


def row_records(nid: str, tname: str, props: dict[str, Any], pid: str, ends: Sequence[tuple[str, str]], ekind: str,
                cols: tuple[str, str], max_id: int) -> list[FastRecord] | None:
    """A node row's record and the edges the row implies, or ``None`` when an implied id is too long.

    A contract's ``project_id`` gives a ``contract_for`` edge; an interaction's or signal's
    ``party_id`` / ``counterparty_id`` give ``ekind`` edges (a counterparty equal to the party gives
    none). ``cols`` names the id and project columns (the provenance of those edges). Shared by the
    per-row fast path and the batch path (:mod:`stakegraph.loaders.columnar`).
    """
    id_col, proj_col = cols
    out: list[FastRecord] = [(False, nid, tname, "", "", props, "", "")]
    if pid:
        eid = edge_id("contract_for", nid, pid)
        if len(pid) > max_id or len(eid) > max_id:
            return None
        out.append((True, eid, "contract_for", nid, pid, {}, id_col, proj_col))
    for key, col in ends:
        if key in props and not (key == "counterparty_id" and props[key] == props.get("party_id")):
            tid = str(props[key])
            eid = edge_id(ekind, nid, tid)
            if len(tid) > max_id or len(eid) > max_id:
                return None
            out.append((True, eid, ekind, nid, tid, {}, id_col, col))
    return out


def _fast_relationship(where: dict[str, int], header: list[str], max_id: int) -> FastFn:
    kind_i, src_i, tgt_i, id_i = (where.get(k) for k in ("kind", "source_id", "target_id", "id"))
    src_col = header[src_i] if src_i is not None else "source_id"
    tgt_col = header[tgt_i] if tgt_i is not None else "target_id"
    skip = {"kind", "source_id", "target_id", "id"}
    plans: dict[str, tuple[_Plan, list[str]]] = {}
    for rel in DOMAIN.rel_kinds.values():
        decl = edge_decl(rel)
        plans[rel.name] = (_plan(where, header, skip, decl, ALL_EDGE_PROPS),
                           [p.name for p in decl.values() if p.required])

    def convert(rec: list[str]) -> list[FastRecord] | None:
        got = plans.get(_cell(rec, kind_i).strip())
        src, tgt = _cell(rec, src_i).strip(), _cell(rec, tgt_i).strip()
        if got is None or not src or not tgt or len(src) > max_id or len(tgt) > max_id:
            return None
        kind = _cell(rec, kind_i).strip()
        props = _fill(rec, got[0], got[1])
        if props is None:
            return None
        rid = _cell(rec, id_i).strip() or edge_id(kind, src, tgt, props.get("ref"))
        if len(rid) > max_id:
            return None
        return [(True, rid, kind, src, tgt, props, src_col, tgt_col)]

    return convert
