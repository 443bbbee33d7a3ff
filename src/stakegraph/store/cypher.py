"""Every Cypher statement stakegraph sends to Neo4j, and nothing else.

Labels and relationship types are taken only from :data:`stakegraph.domain.DOMAIN`
(anything else raises :class:`stakegraph.errors.DomainError`); values always travel
as ``$parameters``. The f-strings below interpolate nothing but a label or a
relationship type that went through :func:`label` or :func:`rel_type`, the
fixed provenance property names of the domain, or constant fragments of this
module. ``grep -n 'f"' src/stakegraph/store/cypher.py`` lists every one of them.

Conventions of the graph in Neo4j
---------------------------------
* Every node has the label :data:`ENTITY` (``id`` unique across the graph) plus
  the label of its domain type (``Party`` …); its properties are the record's
  properties plus ``id``.
* Every relationship has the type of its domain kind (``LENDS_TO`` …) and the
  property ``id`` (unique by construction: :func:`stakegraph.model.edge_id`).
* One node labelled :data:`META` (``key: 'graph'``) holds ``version``, bumped in
  the same transaction as every write that changes the graph.
"""

from __future__ import annotations

from collections.abc import Iterable

from stakegraph.domain import DOMAIN, ENTITY_LABEL, FX_RATE_LABEL, META_LABEL, PROVENANCE, Domain
from stakegraph.errors import DomainError

ENTITY = ENTITY_LABEL
META = META_LABEL
FX = FX_RATE_LABEL
#: Label of the entity-resolution decisions (one per pair of parties; not entities of the graph).
DECISION = "MatchDecision"
META_KEY = "graph"
PROVENANCE_KEYS: tuple[str, ...] = tuple(p.name for p in PROVENANCE)
NODE_INDEXED_PROPS: tuple[str, ...] = ("kind", "country", "name", "load_id")


# -- names from the domain ------------------------------------------------------
def label(node_type: str, domain: Domain = DOMAIN) -> str:
    """The Neo4j label of a domain node type; :class:`DomainError` for anything else.

    >>> label("party")
    'Party'
    """
    try:
        return domain.label(node_type)
    except KeyError:
        raise DomainError(
            f"node type {node_type!r} is not in the domain; use one of {', '.join(domain.node_types)}"
        ) from None


def rel_type(kind: str, domain: Domain = DOMAIN) -> str:
    """The Neo4j relationship type of a domain kind; :class:`DomainError` for anything else.

    >>> rel_type("lends_to")
    'LENDS_TO'
    """
    try:
        return domain.rel_type(kind)
    except KeyError:
        raise DomainError(
            f"relationship kind {kind!r} is not in the domain; use one of {', '.join(domain.rel_kinds)}"
        ) from None


def _name(text: str) -> str:
    """Schema object name fragment (lower-case domain name, already validated)."""
    return text.lower()


# -- schema -------------------------------------------------------------------------
def schema_statements(domain: Domain = DOMAIN) -> list[str]:
    """Constraints and indexes, all ``IF NOT EXISTS`` (safe to run on every start).

    Each statement names its schema object right after ``CONSTRAINT`` / ``INDEX``
    (see :func:`schema_name`).
    """
    out = [
        f"CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:{ENTITY}) REQUIRE n.id IS UNIQUE",
        f"CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (n:{META}) REQUIRE n.key IS UNIQUE",
        f"CREATE CONSTRAINT fx_rate_key IF NOT EXISTS FOR (n:{FX}) REQUIRE (n.date, n.currency, n.base) IS UNIQUE",
        f"CREATE CONSTRAINT match_decision_key IF NOT EXISTS FOR (n:{DECISION}) REQUIRE (n.a, n.b) IS UNIQUE",
    ]
    for t in domain.node_types:
        lab = label(t, domain)
        out.append(f"CREATE CONSTRAINT {_name(lab)}_id IF NOT EXISTS FOR (n:{lab}) REQUIRE n.id IS UNIQUE")
    for prop in NODE_INDEXED_PROPS:
        out.append(f"CREATE INDEX entity_{prop} IF NOT EXISTS FOR (n:{ENTITY}) ON (n.{prop})")
    for k in domain.rel_kinds:
        rt = rel_type(k, domain)
        # A uniqueness constraint (not a plain index) on the id: the planner then knows a seek
        # finds at most one relationship and MERGE seeks instead of scanning the whole index
        # per row, and concurrent MERGEs of one id serialise on the constraint.
        out.append(
            f"CREATE CONSTRAINT rel_{_name(rt)}_id_unique IF NOT EXISTS FOR ()-[r:{rt}]-() REQUIRE r.id IS UNIQUE"
        )
        out.append(f"CREATE INDEX rel_{_name(rt)}_load_id IF NOT EXISTS FOR ()-[r:{rt}]-() ON (r.load_id)")
    return out


def legacy_schema_drops(present: Iterable[str], domain: Domain = DOMAIN) -> list[str]:
    """Drop the plain relationship-id indexes of earlier versions (they block the constraints)."""
    names = {f"rel_{_name(rel_type(k, domain))}_id" for k in domain.rel_kinds}
    return [f"DROP INDEX {name} IF EXISTS" for name in sorted(names & set(present))]


def schema_name(statement: str) -> str:
    """The constraint or index name a :func:`schema_statements` statement creates."""
    return statement.split()[2]


#: Index names (a uniqueness constraint's backing index carries the constraint's name).
SCHEMA_NAMES = "SHOW INDEXES YIELD name RETURN name"
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"
PING = "RETURN 1 AS ok"

# -- graph version --------------------------------------------------------------------
BUMP_VERSION = (
    f"MERGE (m:{META} {{key: $key}}) "
    "ON CREATE SET m.version = 1 ON MATCH SET m.version = coalesce(m.version, 0) + 1 "
    "RETURN m.version AS version"
)
#: At the start of a write: the graph version and whether the graph is empty (count-store look-ups).
WRITE_HEAD = (
    f"OPTIONAL MATCH (m:{META} {{key: $key}}) WITH coalesce(m.version, 0) AS version "
    f"CALL () {{ MATCH (n:{ENTITY}) RETURN count(n) AS nodes }} "
    "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
    "RETURN version, nodes, rels"
)
#: Nodes (the graph-version marker aside) plus relationships: a bulk import runs only where this is 0.
CONTENT_COUNT = (
    f"CALL () {{ MATCH (n) RETURN count(n) AS nodes }} CALL () {{ MATCH (m:{META}) RETURN count(m) AS meta }} "
    "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes - meta + rels AS n"
)
#: Set the graph version to ``$version`` (after a bulk import replaced the database).
SET_VERSION = f"MERGE (m:{META} {{key: $key}}) SET m.version = $version RETURN m.version AS version"
GET_VERSION = f"OPTIONAL MATCH (m:{META} {{key: $key}}) RETURN coalesce(m.version, 0) AS version"


# -- upserts ------------------------------------------------------------------------------
# The store reads the records a batch names first (:data:`GET_NODES`, :func:`get_edges`) and
# decides created / updated / unchanged in Python, in the same transaction; these statements
# then only write. None of them reads a relationship or node of the type it writes before
# writing, so the planner needs no ``Eager`` barrier and every ``UNWIND`` streams.
def _provenance_on_match(var: str) -> str:
    """``SET`` items keeping provenance from the creator (filled only where absent)."""
    return ", ".join(f"{var}.{k} = coalesce({var}.{k}, row.prov.{k})" for k in PROVENANCE_KEYS)


def create_nodes(node_type: str, domain: Domain = DOMAIN) -> str:
    """Create the nodes ``$ids`` of one type with the properties ``$props`` (parallel lists: the
    client builds no map per row).

    ``SET n = $props[i]`` stores no ``null`` value, and the id is set after the
    properties (an ``id`` among them is overridden). For ids the store has just found
    absent; the uniqueness constraint on ``Entity.id`` refuses a concurrent creation
    of the same id (the store then retries the batch, which finds it). Returns ``n``,
    the number of nodes created.
    """
    lab = label(node_type, domain)
    return (
        f"UNWIND range(0, size($ids) - 1) AS i CREATE (n:{ENTITY}:{lab}) SET n = $props[i], n.id = $ids[i] "
        "RETURN count(*) AS n"
    )


def upsert_nodes(node_type: str, domain: Domain = DOMAIN) -> str:
    """Upsert ``$rows`` (``{id, props, prov}``) of one node type; returns ``n``, the rows written.

    ``props`` are merged over the stored properties; ``prov`` (provenance) is
    set on create and otherwise only where absent. The store never sends a node of
    another type (it raises ``TypeConflict`` first); ``SET``/``REMOVE`` of the labels
    keeps the labels right regardless. The store sends here the rows it found changed
    (new rows go to :func:`create_nodes`, unchanged ones are not sent). Ids must
    be distinct within ``$rows`` (the store sends repeated ids in later statements).
    """
    lab = label(node_type, domain)
    others = [label(t, domain) for t in domain.node_types if t != node_type]
    remove = f" REMOVE n:{':'.join(others)}" if others else ""
    return (
        "UNWIND $rows AS row "
        f"MERGE (n:{ENTITY} {{id: row.id}}) "
        "ON CREATE SET n += row.props, n += row.prov "
        f"ON MATCH SET n += row.props, {_provenance_on_match('n')} "
        f"SET n:{lab}{remove} "
        "RETURN count(*) AS n"
    )


def create_edges(kind: str, domain: Domain = DOMAIN) -> str:
    """Create the edges ``$ids`` of one kind from ``$sources`` to ``$targets`` with the properties
    ``$props`` (parallel lists: the client builds no map per row).

    ``SET r = $props[i]`` stores no ``null`` value; the id is set after the
    properties. For ids the store has just found absent (or removed because they
    moved to other endpoints or another kind; their ``props`` then already hold the merge
    over the old properties). Returns ``n``: edges whose endpoints are missing are not
    created and not counted, so ``n`` below ``size($ids)`` means a dangling edge.
    """
    rt = rel_type(kind, domain)
    return (
        "UNWIND range(0, size($ids) - 1) AS i "
        f"MATCH (a:{ENTITY} {{id: $sources[i]}}) "
        f"MATCH (b:{ENTITY} {{id: $targets[i]}}) "
        f"CREATE (a)-[r:{rt}]->(b) SET r = $props[i], r.id = $ids[i] "
        "RETURN count(*) AS n"
    )


def upsert_edges(kind: str, domain: Domain = DOMAIN) -> str:
    """Upsert ``$rows`` (``{id, source, target, props, prov}``) of one kind; returns ``n``.

    ``MERGE`` on the relationship id between the two endpoints, ``props``
    merged over the stored properties, provenance filled only where absent.
    The store sends here the rows it found changed (same id, same endpoints).
    ``n`` counts the rows written (rows whose endpoints are missing are not).
    """
    rt = rel_type(kind, domain)
    return (
        "UNWIND $rows AS row "
        f"MATCH (a:{ENTITY} {{id: row.source}}) "
        f"MATCH (b:{ENTITY} {{id: row.target}}) "
        f"MERGE (a)-[r:{rt} {{id: row.id}}]->(b) "
        "ON CREATE SET r += row.props, r += row.prov "
        f"ON MATCH SET r += row.props, {_provenance_on_match('r')} "
        "RETURN count(*) AS n"
    )


def delete_edges_by_id(kind: str, domain: Domain = DOMAIN) -> str:
    """Delete the ``kind`` edges whose id is in ``$ids``; returns ``deleted``."""
    rt = rel_type(kind, domain)
    return (
        f"UNWIND $ids AS id MATCH ()-[r:{rt} {{id: id}}]->() USING INDEX SEEK r:{rt}(id) "
        "DELETE r RETURN count(*) AS deleted"
    )


# -- reads -----------------------------------------------------------------------------------
_NODE_COLS = "n.id AS id, labels(n) AS labels, properties(n) AS props"
_EDGE_COLS = "r.id AS id, type(r) AS type, a.id AS source, b.id AS target, properties(r) AS props"

GET_NODES = f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) RETURN {_NODE_COLS}"
#: :data:`GET_NODES` in one record: ``rows``, a list of ``[id, labels, props]``. A write looks its ids up
#: with it: the driver's cost is per record, and one record of a whole chunk decodes at once.
GET_NODE_ROWS = (
    f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) RETURN collect([n.id, labels(n), properties(n)]) AS rows"
)
#: The columnar graph index (stakegraph.store.graphindex): every node, then every relationship, in id order.
INDEX_NODES = f"MATCH (n:{ENTITY}) RETURN {_NODE_COLS} ORDER BY n.id"
INDEX_EDGES = f"MATCH (a:{ENTITY})-[r]->(b:{ENTITY}) RETURN {_EDGE_COLS} ORDER BY r.id"
#: The ids among ``$ids`` that name a node, in one record (``ids``).
EXISTING_IDS = f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) RETURN collect(n.id) AS ids"


def get_edges(kind: str, domain: Domain = DOMAIN) -> str:
    """The ``kind`` edges whose id is in ``$ids`` (an index seek per id), in one record: ``rows``, a
    list of ``[id, source, target, props]`` (the driver's cost is per record).

    One statement per kind on purpose: a ``UNION`` of all kinds inside
    ``CALL`` led the planner to scan a whole index once per id.
    """
    rt = rel_type(kind, domain)
    return (
        f"UNWIND $ids AS eid MATCH (a)-[r:{rt} {{id: eid}}]->(b) USING INDEX SEEK r:{rt}(id) "
        "RETURN collect([r.id, a.id, b.id, properties(r)]) AS rows"
    )


def edges_of(direction: str, *, ends_only: bool = False) -> str:
    """Edges touching ``$ids``: ``out`` (ids are sources) or ``in`` (ids are targets).

    ``$types`` is ``null`` (any kind) or a list of relationship types. ``ends_only``
    returns ``id, source, target`` without the properties (traversals).
    """
    if direction == "out":
        pattern = f"(a:{ENTITY} {{id: id}})-[r]->(b)"
    elif direction == "in":
        pattern = f"(a)-[r]->(b:{ENTITY} {{id: id}})"
    else:
        raise ValueError(f"direction must be 'out' or 'in', not {direction!r}")
    cols = "r.id AS id, a.id AS source, b.id AS target" if ends_only else _EDGE_COLS
    return f"UNWIND $ids AS id MATCH {pattern} WHERE $types IS NULL OR type(r) IN $types RETURN {cols}"


#: Edges touching each of ``$ids``: outgoing, incoming and self-loops (``$types``: ``null`` = any).
DEGREES = (
    f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) RETURN id, "
    "COUNT { (n)-[r]->() WHERE $types IS NULL OR type(r) IN $types } AS out, "
    "COUNT { (n)<-[r]-() WHERE $types IS NULL OR type(r) IN $types } AS inc, "
    "COUNT { (n)-[r]->(n) WHERE $types IS NULL OR type(r) IN $types } AS loops"
)


def _lower_eq(prop: str, param: str) -> str:
    """Case-insensitive equality of a text property (anything else never matches)."""
    return f"CASE WHEN {prop} IS :: STRING THEN toLower({prop}) END = ${param}"


_RANGES = (
    "ALL(x IN $ranges WHERE valueType({v}[x.prop]) IN ['INTEGER NOT NULL', 'FLOAT NOT NULL']"
    " AND (x.lo IS NULL OR {v}[x.prop] >= x.lo) AND (x.hi IS NULL OR {v}[x.prop] <= x.hi))"
)
_DATES = (
    "ALL(x IN $dates WHERE {v}[x.prop] IS :: STRING NOT NULL"
    " AND (x.lo IS NULL OR {v}[x.prop] >= x.lo) AND (x.hi IS NULL OR {v}[x.prop] <= x.hi))"
)
#: typed equality on extra properties: ``$equals`` is a list of ``{prop, value}`` whose ``prop`` the
#: store checked against the extras it holds (never interpolated); values of another type never match
_EQUALS = "ALL(x IN $equals WHERE {v}[x.prop] = x.value)"

#: Fixed ``WHERE`` fragments for :func:`find_nodes`; the store picks among them, never builds one.
#: ``$ranges`` / ``$dates`` are lists of ``{prop, lo, hi}`` whose ``prop`` the store took from the domain.
FILTERS: dict[str, str] = {
    "kind": "n.kind = $kind",
    "country": _lower_eq("n.country", "country"),
    "text": (
        "toLower(coalesce(toString(n.name), '') + ' ' + coalesce(toString(n.name_en), ''))"
        " + ' ' + toLower(n.id) CONTAINS $text"
    ),
    "ids": "n.id IN $ids",
    "status": _lower_eq("n.status", "status"),
    "ranges": _RANGES.format(v="n"),
    "dates": _DATES.format(v="n"),
    "equals": _EQUALS.format(v="n"),
}

#: Fixed ``WHERE`` fragments for :func:`find_edges` (``a`` source, ``r`` edge, ``b`` target).
EDGE_FILTERS: dict[str, str] = {
    "sources": "a.id IN $sources",
    "targets": "b.id IN $targets",
    "node": "(a.id = $node OR b.id = $node)",
    "status": _lower_eq("r.status", "status"),
    "currency": _lower_eq("r.currency", "currency"),
    "ranges": _RANGES.format(v="r"),
    "dates": _DATES.format(v="r"),
    "equals": _EQUALS.format(v="r"),
    "active_from": "(r.end_date IS NULL OR r.end_date >= $active_from)",
    "active_to": "(r.start_date IS NULL OR r.start_date <= $active_to)",
}

_NUMERIC = "['INTEGER NOT NULL', 'FLOAT NOT NULL']"
#: money of one financing edge, as stakegraph.measures.money_of_edge (guarantee_cap for guarantees)
_AMOUNT = (f"CASE WHEN type(x) = $guarantees AND valueType(x.guarantee_cap) IN {_NUMERIC} THEN x.guarantee_cap "
           f"WHEN valueType(x.amount) IN {_NUMERIC} THEN x.amount ELSE 0 END")
#: active as stakegraph.measures.is_active: a text status that is not an ended one
_ACTIVE = "NOT (valueType(e.status) = 'STRING NOT NULL' AND toLower(trim(e.status)) IN $inactive)"
#: ``ORDER BY`` of :func:`find_nodes` per sort key (``{d}``: direction); ``prop`` sorts by ``n[$sort]``.
NODE_ORDER: dict[str, str] = {
    "default": "coalesce(toString(n.name), ''), n.id",
    "id": "n.id{d}",
    "name": "coalesce(toString(n.name), ''){d}, n.id",
    "prop": "n[$sort] IS NULL, n[$sort]{d}, n.id",
    "relationships": "COUNT { (n)-->() } + COUNT { (n)<--() } - COUNT { (n)-->(n) }{d}, n.id",
    "exposure": (
        f"reduce(t = 0.0, x IN [(n)-[e]->() WHERE type(e) IN $fin AND {_ACTIVE} | e]"
        f" + [(n)<-[e]-() WHERE type(e) IN $fin AND startNode(e) <> n AND {_ACTIVE} | e]"
        f" | t + ({_AMOUNT}) * coalesce($fx[toUpper(trim(toString(x.currency)))], 1.0)){{d}}, n.id"
    ),
}
#: ``ORDER BY`` of :func:`find_edges` per sort key; ``prop`` sorts by ``r[$sort]``.
EDGE_ORDER: dict[str, str] = {
    "default": "r.id",
    "id": "r.id{d}",
    "kind": "toLower(type(r)){d}, r.id",
    "source": "a.id{d}, r.id",
    "target": "b.id{d}, r.id",
    "prop": "r[$sort] IS NULL, r[$sort]{d}, r.id",
}


def _order(table: dict[str, str], key: str, descending: bool) -> str:
    return table[key].replace("{d}", " DESC" if descending else "")  # KeyError for anything but the fixed keys


def _node_match(node_type: str | None, filters: Iterable[str], domain: Domain) -> str:
    lab = ENTITY if node_type is None else label(node_type, domain)
    where = [FILTERS[f] for f in filters]  # KeyError for anything but the fixed names
    return f"MATCH (n:{lab})" + (f" WHERE {' AND '.join(where)}" if where else "")


def find_nodes(
    node_type: str | None, filters: Iterable[str], domain: Domain = DOMAIN, *, order: str = "default",
    descending: bool = False,
) -> str:
    """Nodes of a type (or any) matching the named :data:`FILTERS`, in the :data:`NODE_ORDER` ``order``, paged."""
    return (
        _node_match(node_type, filters, domain)
        + f" WITH n ORDER BY {_order(NODE_ORDER, order, descending)} SKIP $offset LIMIT $limit"
        + f" RETURN {_NODE_COLS}"
    )


def count_nodes(node_type: str | None, filters: Iterable[str], domain: Domain = DOMAIN) -> str:
    return _node_match(node_type, filters, domain) + " RETURN count(n) AS n"


def _edge_match(kinds: Iterable[str] | None, anchor: str | None, filters: Iterable[str], domain: Domain) -> str:
    """``MATCH`` of edges of ``kinds`` (any when ``None``), started at ``anchor`` (an index seek).

    ``anchor`` is ``node`` (``$node`` at either end), ``sources``, ``targets`` or ``None`` (a scan).
    """
    types = "" if kinds is None else ":" + "|".join(rel_type(k, domain) for k in kinds)
    if anchor == "node":
        head = (
            f"MATCH (x:{ENTITY} {{id: $node}})-[r{types}]-() WITH DISTINCT r "
            "WITH startNode(r) AS a, r, endNode(r) AS b"
        )
    elif anchor == "sources":
        head = f"MATCH (a:{ENTITY})-[r{types}]->(b) WHERE a.id IN $sources WITH a, r, b"
    elif anchor == "targets":
        head = f"MATCH (a)-[r{types}]->(b:{ENTITY}) WHERE b.id IN $targets WITH a, r, b"
    elif anchor is None:
        head = f"MATCH (a)-[r{types}]->(b)"
    else:
        raise ValueError(f"anchor must be node, sources, targets or None, not {anchor!r}")
    where = [EDGE_FILTERS[f] for f in filters]  # KeyError for anything but the fixed names
    return head + (f" WHERE {' AND '.join(where)}" if where else "")


def find_edges(
    kinds: Iterable[str] | None, anchor: str | None, filters: Iterable[str], domain: Domain = DOMAIN, *,
    order: str = "default", descending: bool = False,
) -> str:
    """Edges matching the named :data:`EDGE_FILTERS`, in the :data:`EDGE_ORDER` ``order``, paged."""
    return (
        _edge_match(kinds, anchor, filters, domain)
        + f" WITH a, r, b ORDER BY {_order(EDGE_ORDER, order, descending)} SKIP $offset LIMIT $limit"
        + f" RETURN {_EDGE_COLS}"
    )


def count_edges(kinds: Iterable[str] | None, anchor: str | None, filters: Iterable[str], domain: Domain = DOMAIN) -> str:
    return _edge_match(kinds, anchor, filters, domain) + " RETURN count(r) AS n"


def property_types(node_type: str | None = None, kinds: Iterable[str] | None = None, *, edges: bool = False,
                   domain: Domain = DOMAIN) -> str:
    """Every (property name ``k``, ``valueType`` ``t``) pair the nodes of a type (any when ``None``) or the
    edges of ``kinds`` (any when ``None``) hold: the store finds extra properties in it."""
    if edges:
        types = "" if kinds is None else ":" + "|".join(rel_type(k, domain) for k in kinds)
        return f"MATCH ()-[r{types}]->() UNWIND keys(r) AS k WITH k, valueType(r[k]) AS t RETURN DISTINCT k, t"
    lab = ENTITY if node_type is None else label(node_type, domain)
    return f"MATCH (n:{lab}) UNWIND keys(n) AS k WITH k, valueType(n[k]) AS t RETURN DISTINCT k, t"


def node_page(node_type: str, domain: Domain = DOMAIN) -> str:
    """A page of one type's nodes in id order after ``$after`` (keyset paging on the id index)."""
    return (
        f"MATCH (n:{label(node_type, domain)}) WHERE n.id > $after "
        f"RETURN {_NODE_COLS} ORDER BY n.id LIMIT $limit"
    )


def edge_page(kind: str, domain: Domain = DOMAIN) -> str:
    """A page of one kind's edges in id order after ``$after`` (keyset paging on the id index)."""
    return (
        f"MATCH (a)-[r:{rel_type(kind, domain)}]->(b) WHERE r.id > $after "
        f"RETURN {_EDGE_COLS} ORDER BY r.id LIMIT $limit"
    )


def count_label(node_type: str, domain: Domain = DOMAIN) -> str:
    return f"MATCH (n:{label(node_type, domain)}) RETURN count(n) AS n"


def count_rel(kind: str, domain: Domain = DOMAIN) -> str:
    return f"MATCH ()-[r:{rel_type(kind, domain)}]->() RETURN count(r) AS n"


# -- deletes -------------------------------------------------------------------------------------
#: Detach the nodes ``$ids``: delete their relationships, returning each one's type.
DETACH_RELS = (
    f"UNWIND $ids AS id MATCH (:{ENTITY} {{id: id}})-[r]-() "
    "WITH DISTINCT r WITH r, type(r) AS type DELETE r RETURN type, count(*) AS n"
)
#: Delete the (already detached) nodes ``$ids``, returning their labels.
DELETE_NODES = f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) WITH n, labels(n) AS labels DELETE n RETURN labels"
#: Up to ``$limit`` ids of the nodes of load ``$load_id``.
LOAD_NODE_IDS = f"MATCH (n:{ENTITY}) WHERE n.load_id = $load_id RETURN n.id AS id LIMIT $limit"
#: Up to ``$limit`` node ids, any.
SOME_NODE_IDS = f"MATCH (n:{ENTITY}) RETURN n.id AS id LIMIT $limit"
#: Delete up to ``$limit`` relationships between entities (``clear`` empties relationships in
#: bounded transactions first, so a hub's thousands of relationships never sit in one transaction).
DELETE_SOME_RELS = f"MATCH (:{ENTITY})-[r]->(:{ENTITY}) WITH r LIMIT $limit DELETE r RETURN count(*) AS n"


def delete_load_edges(kind: str, domain: Domain = DOMAIN) -> str:
    """Delete up to ``$limit`` ``kind`` edges of load ``$load_id``; returns ``deleted``."""
    rt = rel_type(kind, domain)
    return (
        f"MATCH ()-[r:{rt}]->() WHERE r.load_id = $load_id WITH r LIMIT $limit "
        "DELETE r RETURN count(*) AS deleted"
    )


# -- FX rates ------------------------------------------------------------------------------------
#: Upsert FX rates ``$rows`` (date, currency, base, rate, source) keyed by (date, currency, base);
#: returns how many were created or changed.
UPSERT_FX_RATES = (
    f"UNWIND $rows AS row MERGE (x:{FX} {{date: row.date, currency: row.currency, base: row.base}}) "
    "WITH x, row, (x.rate IS NULL OR x.rate <> row.rate OR coalesce(x.source, '') <> row.source) AS changed "
    "SET x.rate = row.rate, x.source = row.source "
    "RETURN sum(CASE WHEN changed THEN 1 ELSE 0 END) AS changed"
)
#: Every FX rate, by base, currency and date.
FX_RATES = (
    f"MATCH (x:{FX}) RETURN x.date AS date, x.currency AS currency, x.base AS base, x.rate AS rate, "
    "coalesce(x.source, '') AS source ORDER BY base, currency, date"
)
#: Delete up to ``$limit`` FX rates (``clear``).
DELETE_SOME_FX = f"MATCH (x:{FX}) WITH x LIMIT $limit DELETE x RETURN count(*) AS n"
#: Currencies stated on financing relationships ``$fin`` (upper-case), for converting exposure sorts.
STATED_CURRENCIES = (
    "MATCH ()-[r]->() WHERE type(r) IN $fin AND r.currency IS NOT NULL "
    "RETURN DISTINCT toUpper(trim(toString(r.currency))) AS currency"
)
#: The latest ``date`` of any entity (the default as-of rule).
LATEST_DATE = f"MATCH (n:{ENTITY}) WHERE n.date IS NOT NULL RETURN max(left(toString(n.date), 10)) AS latest"


# -- entity-resolution decisions --------------------------------------------------------------------
#: Upsert decisions ``$rows`` (a, b, decision, score, note, at) keyed by (a, b); returns how many changed.
UPSERT_MATCH_DECISIONS = (
    f"UNWIND $rows AS row MERGE (d:{DECISION} {{a: row.a, b: row.b}}) "
    "WITH d, row, (d.decision IS NULL OR d.decision <> row.decision OR coalesce(d.note, '') <> row.note) "
    "AS changed "
    "FOREACH (_ IN CASE WHEN changed THEN [1] ELSE [] END | "
    "SET d.decision = row.decision, d.score = row.score, d.note = row.note, d.at = row.at) "
    "RETURN sum(CASE WHEN changed THEN 1 ELSE 0 END) AS changed"
)
#: Every decision, by a then b.
MATCH_DECISIONS = (
    f"MATCH (d:{DECISION}) RETURN d.a AS a, d.b AS b, d.decision AS decision, d.score AS score, "
    "coalesce(d.note, '') AS note, coalesce(d.at, '') AS at ORDER BY a, b"
)
#: Delete up to ``$limit`` decisions (``clear``).
DELETE_SOME_DECISIONS = f"MATCH (d:{DECISION}) WITH d LIMIT $limit DELETE d RETURN count(*) AS n"
