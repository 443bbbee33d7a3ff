"""``stakegraph resolve``: propose that parties from different sources are the same, review, merge.

``propose`` scores candidate pairs (splink, fixed parameters; docs/resolving-entities.md);
``accept`` / ``reject`` / ``split`` store decisions; ``status`` and ``list`` show them. Analyses run
on the resolved graph by default once a match is accepted (``--graph raw`` for the graph as loaded).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Entity resolution: propose that parties from different sources are the same entity "
                  "(score and evidence per pair), accept / reject / split, and see the decisions.",
                  no_args_is_help=True)


def _store() -> Any:
    from stakegraph.settings import load_settings
    from stakegraph.store import open_store

    return open_store(load_settings())


@app.command("propose")
def propose(
    threshold: Annotated[float, typer.Option(help="Least match probability (0-1) of a proposed pair.")] = 0.5,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the pairs to this CSV file.")] = None,
    accept_above: Annotated[float | None, typer.Option(
        "--accept-above", help="Accept every undecided pair scoring at least this (e.g. 0.95).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Propose pairs of parties from different sources (source_file) that may be the same entity.

    Each pair has splink's match probability, its match weight and one line of evidence per field
    compared (name, country, LEI, registration number); clusters are the connected pairs.
    Exit codes: 0 done; 2 usage; 3 the resolve extra is not installed; 4 the store failed.
    """
    from stakegraph.resolve.clusters import clusters
    from stakegraph.resolve.review import accept_proposals, propose_in

    with _store() as store:
        pairs = propose_in(store, threshold=threshold)
        decided = {(d.a, d.b): d.decision for d in store.match_decisions()}
        accepted = accept_proposals(store, pairs, min_score=accept_above) if accept_above is not None else 0
        names = {n.id: n.name for n in store.get_nodes(sorted({x for p in pairs for x in (p.a, p.b)})) if n}
    rows = [{"a": p.a, "a_name": names.get(p.a, ""), "a_source": p.a_source, "b": p.b, "b_name": names.get(p.b, ""),
             "b_source": p.b_source, "score": p.score, "weight": p.weight, "decision": decided.get((p.a, p.b), ""),
             "evidence": list(p.evidence)} for p in pairs]
    groups = clusters((p.a, p.b) for p in pairs)
    if out is not None:
        with out.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["a", "b", "score"])
            w.writeheader()
            w.writerows({**r, "evidence": "; ".join(r["evidence"])} for r in rows)
    if as_json:
        typer.echo(json.dumps({"pairs": rows, "clusters": groups, "accepted": accepted}, indent=2, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['score']:.3f}  {r['a']} {r['a_name']!r} [{r['a_source']}]  ~  {r['b']} {r['b_name']!r} "
                   f"[{r['b_source']}]" + (f"  ({r['decision']})" if r["decision"] else ""))
        for line in r["evidence"]:
            typer.echo(f"         {line}")
    typer.echo(f"{len(rows)} pair(s) in {len(groups)} cluster(s) at match probability >= {threshold:g}"
               + (f"; {accepted} accepted" if accept_above is not None else ""))


def _decide(decision: str, a: str, b: str, note: str) -> None:
    from stakegraph.resolve.review import decide

    with _store() as store:
        n = decide(store, [(a, b)], decision, note=note)
    typer.echo(f"{decision} {a} ~ {b}: " + ("recorded" if n else "already recorded (nothing changed)"))


@app.command("accept")
def accept(a: Annotated[str, typer.Argument(help="Party id.")], b: Annotated[str, typer.Argument(help="Party id.")],
           note: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "") -> None:
    """Accept that two parties are the same entity (their clusters merge in the resolved graph)."""
    _decide("accept", a, b, note)


@app.command("reject")
def reject(a: Annotated[str, typer.Argument(help="Party id.")], b: Annotated[str, typer.Argument(help="Party id.")],
           note: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "") -> None:
    """Record that two parties are different entities (undoes an accept of this pair)."""
    _decide("reject", a, b, note)


@app.command("split")
def split(party: Annotated[str, typer.Argument(help="Party id to take out of its cluster.")],
          note: Annotated[str, typer.Option(help="Why (kept with the decisions).")] = "") -> None:
    """Take a party out of its cluster: every accepted pair naming it is marked split."""
    from stakegraph.resolve.review import split as do_split

    with _store() as store:
        n = do_split(store, party, note=note)
    typer.echo(f"split {party}: {n} decision(s) changed")


@app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """How many decisions of each kind, clusters and parties merged the store holds."""
    from stakegraph.resolve.review import status as get_status

    with _store() as store:
        st = get_status(store)
    data = {"decisions": st.decisions, "clusters": len(st.clusters), "merged": st.merged}
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    d = st.decisions
    typer.echo(f"{d['accept']} accepted, {d['reject']} rejected, {d['split']} split; "
               f"{len(st.clusters)} cluster(s) merge {st.merged} part(y/ies) into another")


@app.command("list")
def list_decisions(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Every decision (pair, decision, score, note, when) and the clusters the accepted ones form."""
    from stakegraph.resolve.review import status as get_status

    with _store() as store:
        ds = store.match_decisions()
        st = get_status(store)
    rows = [{"a": d.a, "b": d.b, "decision": d.decision, "score": d.score, "note": d.note, "at": d.at} for d in ds]
    if as_json:
        typer.echo(json.dumps({"decisions": rows, "clusters": st.clusters}, indent=2, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['decision']:6}  {r['a']} ~ {r['b']}  score={r['score']}  {r['note']}  ({r['at']})")
    for c in st.clusters:
        typer.echo(f"cluster {c[0]}: {', '.join(c)}")


def register(root: typer.Typer) -> None:
    """Add ``stakegraph resolve`` to the root app."""
    root.add_typer(app, name="resolve")
