"""Review on a store: propose, accept, reject, split, and the state of the decisions.

Decisions live in the store (:meth:`stakegraph.store.base.GraphStore.write_match_decisions`), keyed
by the pair of party ids, never on the party records: a re-load writes the same parties and leaves
the decisions as they were, and the resolved projection applies them again. Deciding the same thing
twice changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from stakegraph.errors import Invalid, UnknownPair
from stakegraph.resolve.clusters import canonical_map, clusters
from stakegraph.resolve.matcher import DEFAULT_THRESHOLD, Proposal, propose
from stakegraph.store.base import GraphStore, MatchDecision

__all__ = ["propose_in", "decide", "accept_proposals", "split", "Status", "status"]


def propose_in(store: GraphStore, *, threshold: float = DEFAULT_THRESHOLD) -> list[Proposal]:
    """Candidate pairs among the store's parties (see :func:`stakegraph.resolve.matcher.propose`)."""
    if not 0 <= threshold <= 1:
        raise Invalid(f"threshold is {threshold}, outside 0…1", fix="give a match probability such as 0.9")
    return propose(store.iter_nodes(["party"]), threshold=threshold)


def _check_parties(store: GraphStore, ids: Sequence[str]) -> None:
    wanted = sorted(set(ids))
    found = dict(zip(wanted, store.get_nodes(wanted), strict=True))
    bad = [i for i, n in found.items() if n is None or n.type != "party"]
    if bad:
        raise UnknownPair(f"no party with id {', '.join(repr(b) for b in bad[:5])} in the store",
                          fix="take ids from `stakegraph resolve propose` or `stakegraph resolve list`")


def decide(store: GraphStore, pairs: Sequence[tuple[str, str]], decision: str, *, note: str = "",
           scores: dict[tuple[str, str], float] | None = None) -> int:
    """Record ``decision`` (accept / reject / split) for each pair; how many decisions changed."""
    _check_parties(store, [x for p in pairs for x in p])
    scores = scores or {}
    rows = [MatchDecision(a, b, decision, scores.get(tuple(sorted((a, b)))), note) for a, b in pairs]  # type: ignore[arg-type]
    return store.write_match_decisions(rows)


def accept_proposals(store: GraphStore, proposals: Sequence[Proposal], *, min_score: float,
                     note: str = "") -> int:
    """Accept every proposal scoring at least ``min_score`` that no reviewer has decided yet."""
    decided = {(d.a, d.b) for d in store.match_decisions()}
    rows = [MatchDecision(p.a, p.b, "accept", p.score, note or f"accepted at score >= {min_score:g}")
            for p in proposals if p.score >= min_score and (p.a, p.b) not in decided]
    return store.write_match_decisions(rows) if rows else 0


def split(store: GraphStore, party: str, *, note: str = "") -> int:
    """Take ``party`` out of its cluster: every accepted pair naming it becomes ``split``."""
    _check_parties(store, [party])
    rows = [MatchDecision(d.a, d.b, "split", d.score, note or f"split {party} out")
            for d in store.match_decisions() if d.decision == "accept" and party in (d.a, d.b)]
    if not rows:
        raise Invalid(f"{party!r} is in no accepted cluster", fix="see `stakegraph resolve list`")
    return store.write_match_decisions(rows)


@dataclass(frozen=True)
class Status:
    """Decisions by kind, clusters formed by the accepted ones and parties folded into another."""

    decisions: dict[str, int]
    clusters: list[list[str]]
    merged: int


def status(store: GraphStore) -> Status:
    """The state of the review in ``store``."""
    ds = store.match_decisions()
    counts = Counter(d.decision for d in ds)
    cl = clusters((d.a, d.b) for d in ds if d.decision == "accept")
    return Status({k: counts.get(k, 0) for k in ("accept", "reject", "split")}, cl,
                  sum(1 for m, c in canonical_map(ds).items() if m != c))
