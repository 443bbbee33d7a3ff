"""``stakegraph viz KIND [ARGS] -o FILE.html`` and ``stakegraph audit [--scope …] -o report.html [--json]``.

Pages are self-contained (vis-network inlined, nothing loaded from the
network) and open straight from disk. Both read the store through a
:class:`~stakegraph.workspace.Workspace`; the audit is :func:`stakegraph.audit.build_audit`.
Exit codes come from the error classes (:mod:`stakegraph.cli.errors`): 0 written; 2 bad
arguments or unknown id; 1 data; 3 configuration; 4 store.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from stakegraph.cli.errors import fail


class Kind(StrEnum):
    ego = "ego"
    project = "project"
    concentration = "concentration"
    dependencies = "dependencies"
    contagion = "contagion"
    network = "network"


def _write(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out} ({len(text.encode('utf-8')):,} bytes)", err=True)


def register(app: typer.Typer) -> None:
    """Add ``viz`` and ``audit`` to ``app``."""

    @app.command(help="Write a network view as one self-contained HTML file.\n\n"
                      "KIND ARG: ego PARTY_ID | project PROJECT_ID | concentration PARTY_ID | dependencies [FOCUS_ID] | "
                      "contagion SHOCKS (ID or default:ID, loss:ID:0.3, ends:EDGE_ID, missed:ID; comma-separated) "
                      "| network.\n\nExit codes: 0 written; 2 bad arguments or unknown id.")
    def viz(
        kind: Annotated[Kind, typer.Argument(help="Which view.")],
        arg: Annotated[str | None, typer.Argument(help="Node id, or the shocks for contagion.")] = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("view.html"),
        depth: Annotated[int, typer.Option(help="Ego depth 1-3.")] = 2,
        limit: Annotated[int | None, typer.Option(help="Node cap (ego <= 200; network default 2000).")] = None,
        basis: Annotated[str, typer.Option(help="Concentration basis: customers, lenders, suppliers, investors.")]
        = "customers",
        k: Annotated[int, typer.Option(help="CR-k of the concentration view.")] = 5,
        types: Annotated[str, typer.Option(help="Network: node types, comma-separated.")] = "party,project",
        org_kind: Annotated[str | None, typer.Option("--kind", help="Network: organisation kind filter.")] = None,
        country: Annotated[str | None, typer.Option(help="Network: country filter.")] = None,
        community: Annotated[int | None, typer.Option(help="Network: Louvain community id.")] = None,
    ) -> None:
        from stakegraph.errors import Invalid, StakegraphError
        from stakegraph.viz import views
        from stakegraph.workspace import Workspace

        needs_arg = kind in (Kind.ego, Kind.project, Kind.concentration, Kind.contagion)
        if needs_arg and not arg:
            fail(Invalid(f"'{kind.value}' needs an id (or shocks for contagion)",
                         fix=f"stakegraph viz {kind.value} ID -o FILE"))
        try:
            with Workspace.open() as ws:
                if kind is Kind.ego:
                    page = views.ego_view(ws.store, str(arg), depth=depth, limit=limit or views.MAX_EGO_NODES)
                else:
                    G = ws.projection()
                    if kind is Kind.project:
                        page = views.project_view(G, str(arg))
                    elif kind is Kind.concentration:
                        if basis not in views.BASES:
                            raise Invalid(f"basis must be one of {', '.join(views.BASES)}, not {basis!r}")
                        kinds, direction, _ = views.BASES[basis]
                        ans = ws.run("concentration", node=str(arg), kinds=kinds, direction=direction, k=k)
                        page = views.concentration_view(G, str(arg), result=ans.result)
                    elif kind is Kind.dependencies:
                        page = views.dependency_view(G, focus=arg)
                    elif kind is Kind.contagion:
                        ans = ws.run("contagion", {"shocks": str(arg)})
                        page = views.contagion_view(G, result=ans.result)
                    else:
                        page = views.network_view(G, types=tuple(t.strip() for t in types.split(",") if t.strip()),
                                                  kind=org_kind, country=country, community=community,
                                                  limit=limit or views.NETWORK_LIMIT)
        except StakegraphError as e:
            fail(e)
        page.links = []  # a file on disk has no server to link to
        _write(page.render(), out)

    @app.command(help="Write the dependency-audit report: summary, concentration, central dependencies, contagion "
                      "scenarios, relationship alerts, connected groups and large exposures, each with its view and "
                      "the stamp of how it was computed.\n\nExit codes: 0 written; 2 bad arguments or unknown id.")
    def audit(
        scope: Annotated[str, typer.Option(help="'all', or a party/project id (its 2-hop surroundings).")] = "all",
        out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default report.html; "
                                                 "with --json default stdout).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Write the same content as JSON.")] = False,
        as_of: Annotated[str | None, typer.Option(help="Date of the alerts, yyyy-mm-dd (default: the latest "
                                                  "interaction, signal or event date in the data).")]
        = None,
    ) -> None:
        from stakegraph.audit import build_audit, write_audit_json
        from stakegraph.errors import StakegraphError
        from stakegraph.viz.audit import audit_page
        from stakegraph.workspace import Workspace

        try:
            with Workspace.open() as ws:
                G = ws.projection()
            report = build_audit(G, scope=scope, as_of=as_of)
            if as_json:  # streamed section by section (a large book's JSON is tens of MB)
                if out is None:
                    write_audit_json(report, sys.stdout)
                else:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with out.open("w", encoding="utf-8") as fh:
                        write_audit_json(report, fh)
                    typer.echo(f"wrote {out} ({out.stat().st_size:,} bytes)", err=True)
                return
            page = audit_page(G, report)
        except StakegraphError as e:
            fail(e)
        page.links = []
        _write(page.render(), out or Path("report.html"))
