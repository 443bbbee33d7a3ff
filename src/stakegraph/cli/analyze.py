"""``stakegraph analyze NAME``: one command per catalogue analysis, generated from its declaration.

Options come from :class:`stakegraph.analyses.Param` (``--kebab-case``; node ids the question is about
are positional), values are parsed by the catalogue's ``parse_params`` (the same parser GraphQL and
the pages use), and the command prints the analysis's tables, or with ``--json`` exactly
``Answer.to_json()`` — the parameters as data, one stamp and the result. ``--csv DIR`` /
``--xlsx FILE`` also save the printed tables (:mod:`stakegraph.cli.tables`).

An analysis whose catalogue entry lists the ``spark`` backend also takes ``--engine spark`` (and
``--spark-master URL``): it runs as a Spark job over the graph exported to Parquet, prints the same
tables, and keeps the answer for the API and pages (:mod:`stakegraph.spark.engine`).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from stakegraph.analyses import CATALOGUE, Analysis, Param, parse_params
from stakegraph.cli.errors import fail
from stakegraph.cli.tables import CSV_OPTION, XLSX_OPTION, tables
from stakegraph.errors import Invalid, StakegraphError

__all__ = ["register"]

_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool}


def _help(p: Param) -> str:
    extra = ""
    if p.choices:
        extra = f" One of: {', '.join(p.choices)}."
    if p.kind == "kinds":
        extra = " Comma-separated relationship kinds."
    if p.default not in (None, (), "") and p.kind != "bool":
        shown = ",".join(p.default) if isinstance(p.default, tuple) else p.default
        extra += f" Default: {shown}."
    return p.help + extra


def _parameter(p: Param) -> inspect.Parameter:
    if p.kind == "shocks":
        ann: Any = list[str] | None
        default: Any = typer.Argument(None, help=_help(p), show_default=False)
    elif p.positional:
        ann = str | None if not p.required else str
        default = typer.Argument(None if not p.required else ..., help=_help(p), show_default=False)
    elif p.kind == "bool":
        ann = bool
        default = typer.Option(bool(p.default), f"{p.cli_flag}/--no-{p.cli_flag[2:]}", help=p.help)
    else:
        ann = _TYPES.get(p.kind, str) | None
        names = [p.cli_flag] + ([p.short] if p.short else [])
        default = typer.Option(None, *names, help=_help(p), show_default=False)
    return inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)


def _command(analysis: Analysis) -> Callable[..., None]:
    def command(**kw: Any) -> None:
        as_json, csv_dir, xlsx = kw.pop("as_json"), kw.pop("csv_dir"), kw.pop("xlsx")
        engine, master = kw.pop("engine", "local"), kw.pop("spark_master", None)
        from stakegraph.workspace import Workspace

        try:
            raw = {k: v for k, v in kw.items() if v is not None}
            parsed = parse_params(analysis, raw)  # checked before the store is opened
            if engine not in ("local", "spark"):
                raise Invalid(f"--engine must be local or spark, not {str(engine)[:40]!r}", fix="use local or spark")
            if master is not None and engine != "spark":
                raise Invalid("--spark-master needs --engine spark", fix="add --engine spark")
            with tables(csv_dir, xlsx, as_json) as out, Workspace.open() as ws:
                if engine == "spark":
                    from stakegraph.spark.engine import run_on_workspace

                    ans = run_on_workspace(ws, analysis.name, raw, master=master)
                else:
                    ans = ws.run(analysis.name, raw)
                if as_json:
                    typer.echo(json.dumps(ans.to_json(), ensure_ascii=False, indent=2))
                    return
                shown = analysis.tables(ans.result, parsed)
                for i, t in enumerate(shown):
                    out.table(t.title, t.headers, t.rows, ans.stamp if i == len(shown) - 1 else None, name=t.name)
                for line in analysis.notes(ans.result):
                    typer.echo(line)
        except StakegraphError as e:
            fail(e)

    params = [_parameter(p) for p in analysis.params]
    params += [
        inspect.Parameter("as_json", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                          default=typer.Option(False, "--json", help="Print the answer as JSON (parameters, "
                                               "stamp, result) instead of tables.")),
        inspect.Parameter("csv_dir", inspect.Parameter.KEYWORD_ONLY, annotation=Path | None, default=CSV_OPTION),
        inspect.Parameter("xlsx", inspect.Parameter.KEYWORD_ONLY, annotation=Path | None, default=XLSX_OPTION),
    ]
    if "spark" in analysis.backends:
        params += [
            inspect.Parameter("engine", inspect.Parameter.KEYWORD_ONLY, annotation=str, default=typer.Option(
                "local", "--engine", help="local (in this process) or spark (a Spark job over the graph exported "
                "to Parquet; the answer is kept for the API and pages). Needs the spark extra and Java 17.")),
            inspect.Parameter("spark_master", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                              default=typer.Option(None, "--spark-master", help="Spark master URL for --engine "
                                                   "spark: local[N] or spark://HOST:PORT. Default: local[*].",
                                                   show_default=False)),
        ]
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__name__ = analysis.name.replace("-", "_")
    command.__doc__ = f"{analysis.help}\n\nExample: {analysis.example}" if analysis.example else analysis.help
    return command


def register(app: typer.Typer) -> None:
    """Add one command per catalogue analysis to ``app`` (the ``analyze`` group)."""
    for analysis in CATALOGUE.values():
        app.command(analysis.name, help=None, short_help=analysis.title)(_command(analysis))
