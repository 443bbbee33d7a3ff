"""The application object: one store, its projection per graph version, and the result cache.

The CLI, the GraphQL API, the pages and the audit all hold a :class:`Workspace` (datasette passes
``datasette`` to every view the same way). A write to the store changes its graph version; the next
read builds the projection for the new version once, and results of older versions are dropped.

>>> from stakegraph.model import EdgeRecord, NodeRecord
>>> from stakegraph.store import EmbeddedStore
>>> ws = Workspace(EmbeddedStore(":memory:"))
>>> _ = ws.store.write([NodeRecord("s", "party", {"name": "S", "kind": "company"}),
...                     NodeRecord("c", "party", {"name": "C", "kind": "company"})],
...                    [EdgeRecord("e1", "buys_from", "c", "s", {"annual_revenue": 5.0})])
>>> ws.run("concentration", node="s").result.hhi
10000.0
>>> ws.projections_built
1
>>> ws.close()
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

import networkx as nx

from stakegraph.analyses import Answer, answer, cache_key, get, parse_params
from stakegraph.asof import cached_graph_as_of
from stakegraph.resolve.clusters import RAW, RESOLVED, resolved_graph
from stakegraph.settings import Settings
from stakegraph.store.base import GraphStore
from stakegraph.store.graphindex import GraphIndex, build_index

__all__ = ["Workspace", "RESULT_CACHE_SIZE"]

T = TypeVar("T")
#: Results kept per graph version (least recently used dropped first).
RESULT_CACHE_SIZE = 256


class Workspace:
    """Owns the store, the projection per graph version and the result cache.

    Parameters
    ----------
    store : GraphStore
        An open store (its methods are synchronous; web doors call them in a thread).
    settings : Settings, optional
        The application's settings (default: read from the environment when needed).
    owns_store : bool
        Close the store with the workspace.
    stale_wait_s : float, optional
        After a write, the new version's projection is built in a background thread. ``None`` (the
        default: CLI, scripts): a request for the new version waits for it. A number (the API: below
        its request limit): a request waits at most this long, then answers from the previous version
        — its stamp's ``graph_version`` is that version and its parameters say ``stale: true`` and
        the ``latest_graph_version``. The first projection of a workspace is always waited for.
    """

    def __init__(self, store: GraphStore, settings: Settings | None = None, *, owns_store: bool = False,
                 stale_wait_s: float | None = None) -> None:
        self.store = store
        self._settings = settings
        self.owns_store = owns_store
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._version: str | None = None
        self._graph: nx.MultiDiGraph | None = None
        self._simple: nx.Graph | None = None
        self._resolved: nx.MultiDiGraph | None = None  # the projection with accepted clusters merged
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self._index: GraphIndex | None = None  # the columnar index of the projection's version
        self._building: tuple[str, Future[nx.MultiDiGraph]] | None = None  # (requested version, its build)
        self._build_started: dict[int, float] = {}  # id(build) -> monotonic start, while it runs
        self._served = threading.local()  # per request thread: was the last projection a stale one?
        self.stale_wait_s = stale_wait_s
        self.projections_built = 0
        #: Projections handed out from the previous version while the new one was being built.
        self.stale_served = 0

    @classmethod
    def open(cls, settings: Settings | None = None) -> Workspace:
        """A workspace on the store the settings name (Neo4j when ``neo4j_uri`` is set, else embedded)."""
        from stakegraph.settings import load_settings
        from stakegraph.store import open_store

        s = settings or load_settings()
        return cls(open_store(s), s, owns_store=True)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from stakegraph.settings import load_settings

            self._settings = load_settings()
        return self._settings

    # -- versions and the projection ----------------------------------------------------------
    def graph_version(self) -> str:
        """The store's graph version (one read; pass it on to the other calls of the same request)."""
        return self.store.graph_version()

    def _adopt(self, version: str) -> None:
        if version != self._version:
            self._version = version
            self._graph = None
            self._simple = None
            self._resolved = None
            self._results.clear()

    def projection(self, version: str | None = None) -> nx.MultiDiGraph:
        """The NetworkX projection for ``version`` (read from the store when ``None``), built once.

        The build runs in a background thread (one at a time; concurrent requests share it). With
        ``stale_wait_s`` set, a request waits at most that long and otherwise gets the previous
        version's projection (see the class). Treat it as read-only: it is shared by every request
        of that version.
        """
        v = version if version is not None else self.graph_version()
        self._served.stale = None
        with self._lock:
            if self._graph is not None and self._version == v:
                return self._graph
            build = self.refresh(v)
            previous = self._graph
        if previous is None or self.stale_wait_s is None:
            return build.result()
        # The wait is counted from the build's start, not per call: a request that reads the projection
        # twice (the analysis, then its cache) or arrives while the build runs waits at most once.
        started = self._build_started.get(id(build), time.monotonic())
        try:
            return build.result(timeout=max(0.0, self.stale_wait_s - (time.monotonic() - started)))
        except FutureTimeout:
            with self._lock:
                self.stale_served += 1
            self._served.stale = v
            return previous

    def refresh(self, version: str | None = None) -> Future[nx.MultiDiGraph]:
        """Start building the projection of the store's current version in the background (call it after
        a write so that no request waits); the running build when one for ``version`` is under way."""
        version = version if version is not None else self.graph_version()
        with self._lock:
            if self._building is not None and self._building[0] == version:
                return self._building[1]
            fut: Future[nx.MultiDiGraph] = Future()
            building = (version, fut)
            self._building = building
            self._build_started[id(fut)] = time.monotonic()

        def work() -> None:
            G: nx.MultiDiGraph | None = None
            error: BaseException | None = None
            try:
                with self._build_lock:  # one build at a time
                    G = self._build()
            except BaseException as e:  # noqa: BLE001 - handed to every waiting request
                error = e
            with self._lock:  # forgotten before the waiters wake, so that the next request retries
                if self._building is building:
                    self._building = None
                self._build_started.pop(id(fut), None)
            if error is not None:
                fut.set_exception(error)
            else:
                fut.set_result(G)

        threading.Thread(target=work, name="stakegraph-projection", daemon=True).start()
        return fut

    def _build(self) -> nx.MultiDiGraph:
        """Read the columnar index (with the properties) of the store's current version and build the
        NetworkX projection from it; install both. Stores without a columnar read use ``project()``."""
        index: GraphIndex | None = None
        if hasattr(self.store, "index_rows"):
            index = build_index(self.store, props=True)
            G = index.to_networkx(release=True)
        else:
            G = self.store.project()
        built = str(G.graph.get("version", ""))
        with self._lock:
            self.projections_built += 1
            self._adopt(built)
            self._graph = G
            self._index = index
        return G

    def index(self, version: str | None = None) -> GraphIndex:
        """The columnar graph index of the projection's version (:mod:`stakegraph.store.graphindex`):
        what the fast paths (:mod:`stakegraph.analytics.fastpath`) read instead of NetworkX."""
        G = self.projection(version)
        with self._lock:
            if self._index is not None and self._graph is G:
                return self._index
        ix = build_index(self.store)
        with self._lock:
            if self._graph is G and ix.version == self._version:
                self._index = ix
        return ix

    def served_stale(self) -> str | None:
        """The latest version when this thread's last projection was the previous version's, else ``None``."""
        return getattr(self._served, "stale", None)

    def resolved(self, version: str | None = None) -> nx.MultiDiGraph:
        """The projection with every accepted entity-resolution cluster merged (:mod:`stakegraph.resolve`),
        built once per version; the projection itself when nothing was accepted. Read-only."""
        G = self.projection(version)
        with self._lock:
            if self._resolved is not None and self._graph is G:
                return self._resolved
        decisions = [d for d in self.store.match_decisions() if d.decision == "accept"]
        R = resolved_graph(G, decisions) if decisions else G
        with self._lock:
            if self._graph is G:
                self._resolved = R
        return R

    def graph(self, which: str | None = None, version: str | None = None) -> nx.MultiDiGraph:
        """The ``raw`` projection or the ``resolved`` one (``None``: resolved when a match was accepted)."""
        return self.projection(version) if which == RAW else self.resolved(version)

    def simple(self, version: str | None = None) -> nx.Graph:
        """An undirected simple graph of the projection (one edge per node pair, lowest edge id)."""
        G = self.projection(version)
        with self._lock:
            if self._simple is None or self._graph is not G:
                S = nx.Graph()
                S.add_nodes_from(G.nodes)
                for u, v, key in sorted(G.edges(keys=True), key=lambda t: str(t[2])):
                    if u != v and not S.has_edge(u, v):
                        S.add_edge(u, v, id=key)
                self._simple = S
            return self._simple

    def as_of(self, day: dt.date | str, version: str | None = None) -> nx.MultiDiGraph:
        """The projection as it stood on ``day`` (:func:`stakegraph.asof.graph_as_of`), built once per
        (version, day) and dropped with the projection of that version. Read-only, like the projection.

        Every analysis given ``as_of`` runs on this graph (:func:`stakegraph.analyses.answer`).
        """
        return cached_graph_as_of(self.projection(version), day)

    def cached(self, key: Hashable, compute: Callable[[nx.MultiDiGraph], T], version: str | None = None,
               graph: str = RAW) -> T:
        """``compute(G)`` once per graph version, ``graph`` (raw or resolved) and ``key`` (an LRU of
        :data:`RESULT_CACHE_SIZE`)."""
        G = self.graph(graph, version)
        v = str(G.graph.get("version", version or ""))
        key = (graph, key) if graph != RAW else key
        with self._lock:
            if (v, key) in self._results:
                self._results.move_to_end((v, key))
                return self._results[(v, key)]  # type: ignore[no-any-return]
        out = compute(G)
        with self._lock:
            if self._graph is G or self._resolved is G:
                self._results[(v, key)] = out
                while len(self._results) > RESULT_CACHE_SIZE:
                    self._results.popitem(last=False)
        return out

    # -- analyses -----------------------------------------------------------------------------
    def run(self, name: str, params: Mapping[str, Any] | None = None, *, version: str | None = None,
            **kw: Any) -> Answer:
        """Answer the analysis ``name`` (see :mod:`stakegraph.analyses`), cached per version and parameters.

        Parameters are checked before the projection is built, so a bad value costs nothing. The common
        ``graph`` parameter picks the raw or the resolved projection (default: resolved when a match was
        accepted); the stamp says which, and a merged party's id names its canonical party.
        """
        analysis = get(name)
        raw = {**(params or {}), **kw}
        parsed = parse_params(analysis, raw)
        G = self.graph(parsed.get("graph"), version)
        which = parsed.get("graph") or (RESOLVED if G.graph.get("graph") == RESOLVED else RAW)
        aliases = G.graph.get("resolution", {}).get("aliases", {}) if which == RESOLVED else {}
        nodes = {p.name: aliases[raw[p.name]] for p in analysis.params
                 if p.kind == "node" and isinstance(raw.get(p.name), str) and raw[p.name] in aliases}
        raw = {**raw, **nodes, "graph": which}
        key = ("analysis", cache_key(analysis, {**parsed, **nodes, "graph": which}))
        ans = self.cached(key, lambda G: self._kept(G, name, raw) or answer(G, analysis, raw), version,
                          graph=which)
        latest = self.served_stale()
        if latest is None:
            return ans
        stamp = dataclasses.replace(ans.stamp, parameters={**ans.stamp.parameters, "stale": True,
                                                           "latest_graph_version": latest})
        return dataclasses.replace(ans, stamp=stamp)

    def _kept(self, G: nx.MultiDiGraph, name: str, raw: Mapping[str, Any]) -> Answer | None:
        """The answer a Spark run kept for ``G``'s version and these parameters, if serving them is on.

        A nightly ``stakegraph analyze NAME --engine spark`` writes it (:mod:`stakegraph.spark.results`);
        the parity suite proves it equal to the local answer, so every door serves it instead of
        recomputing, stamped ``backend: spark``. A file that cannot be read is ignored (then computed).
        """
        if not self.settings.spark_answers or "spark" not in get(name).backends:
            return None
        from stakegraph.spark.results import read_answer, results_dir

        folder, version = results_dir(self.settings.data_dir), str(G.graph.get("version", ""))
        if not version or not folder.is_dir():
            return None
        try:
            return read_answer(folder, version, name, raw)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    # -- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        """Drop the caches; close the store when the workspace opened it."""
        with self._lock:
            self._graph = None
            self._simple = None
            self._index = None
            self._results.clear()
        if self.owns_store:
            self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
