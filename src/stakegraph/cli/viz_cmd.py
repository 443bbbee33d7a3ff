"""``stakegraph viz KIND [ARGS] -o FILE.html`` and ``stakegraph audit [--scope …] -o report.html [--json]``.

Pages are self-contained (vis-network inlined, nothing loaded from the
network) and open straight from disk. Exit codes: 0 written; 1 bad arguments;
2 unknown id.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Kind(StrEnum):
    ego = "ego"
    project = "project"
    concentration = "concentration"
    dependencies = "dependencies"
    contagion = "contagion"
    network = "network"


def _fail(msg: str, code: int) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


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
                      "contagion SHOCK (party id, relationship id, ends:EDGE, loss:ID:0.3, missed:ID; comma-separated) "
                      "| network.\n\nExit codes: 0 written; 1 bad arguments; 2 unknown id.")
    def viz(
        kind: Annotated[Kind, typer.Argument(help="Which view.")],
        arg: Annotated[str | None, typer.Argument(help="Node id, or the shock for contagion.")] = None,
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
        from stakegraph.errors import NotFound, StakegraphError
        from stakegraph.store import open_store
        from stakegraph.viz import views

        needs_arg = kind in (Kind.ego, Kind.project, Kind.concentration, Kind.contagion)
        if needs_arg and not arg:
            _fail(f"'{kind.value}' needs an id (or a shock for contagion): stakegraph viz {kind.value} ID -o FILE",
                  1)
        try:
            with open_store() as store:
                if kind is Kind.ego:
                    page = views.ego_view(store, str(arg), depth=depth, limit=limit or views.MAX_EGO_NODES)
                else:
                    G = store.project()
                    if kind is Kind.project:
                        page = views.project_view(G, str(arg))
                    elif kind is Kind.concentration:
                        page = views.concentration_view(G, str(arg), basis=basis, k=k)
                    elif kind is Kind.dependencies:
                        page = views.dependency_view(G, focus=arg)
                    elif kind is Kind.contagion:
                        page = views.contagion_view(G, str(arg))
                    else:
                        page = views.network_view(G, types=tuple(t.strip() for t in types.split(",") if t.strip()),
                                                  kind=org_kind, country=country, community=community,
                                                  limit=limit or views.NETWORK_LIMIT)
        except NotFound as e:
            _fail(str(e), 2)
        except StakegraphError as e:
            _fail(str(e), 1)
        page.links = []  # a file on disk has no server to link to
        _write(page.render(), out)

    @app.command(help="Write the dependency-audit report: summary, concentration, central dependencies, contagion "
                      "scenarios, relationship alerts, connected groups and large exposures, each with its view and "
                      "the stamp of how it was computed.\n\nExit codes: 0 written; 1 bad arguments; 2 unknown id.")
    def audit(
        scope: Annotated[str, typer.Option(help="'all', or a party/project id (its 2-hop surroundings).")] = "all",
        out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default report.html; "
                                                 "with --json default stdout).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Write the same content as JSON.")] = False,
        as_of: Annotated[str | None, typer.Option(help="Date of the alerts (default: latest event in the data).")]
        = None,
    ) -> None:
        from stakegraph.errors import NotFound, StakegraphError
        from stakegraph.store import open_store
        from stakegraph.viz import audit as audit_mod

        try:
            with open_store() as store:
                G = store.project()
            report = audit_mod.build_audit(G, scope=scope, as_of=as_of)
            if as_json:
                _write(json.dumps(audit_mod.audit_json(report), ensure_ascii=False, indent=2, default=str), out)
                return
            page = audit_mod.audit_page(G, report)
        except NotFound as e:
            _fail(str(e), 2)
        except StakegraphError as e:
            _fail(str(e), 1)
        page.links = []
        _write(page.render(), out or Path("report.html"))
