"""``stakegraph fx load FILE`` and ``stakegraph fx list``: FX rates as data in the store.

Every sum of money converts at these rates (docs/money-and-time.md, "Money"). A file is either
the canonical ``date,currency,rate,base[,source]`` CSV (``rate`` = units of currency per 1 base)
or the ECB euro reference-rate history (``Date,USD,JPY,…``, rates per 1 EUR).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="FX rates every sum of money converts at (canonical date,currency,rate,base CSV or the ECB "
                  "euro reference-rate history).", no_args_is_help=True)


@app.command("load")
def load(
    files: Annotated[list[Path], typer.Argument(help="FX CSV files (canonical or ECB history layout).",
                                                show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the files, write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a line of text.")] = False,
) -> None:
    """Load FX rates into the store (idempotent: keyed by date, currency and base; a changed rate replaces).

    Exit codes: 0 loaded; 1 a bad row (file, row, column and fix printed; nothing written); 2 usage;
    4 the store failed (re-run).
    """
    from stakegraph.loaders.fx import read_fx_file
    from stakegraph.settings import load_settings
    from stakegraph.store import open_store

    rates = [r for f in files for r in read_fx_file(f)]  # every file checked before anything is written
    currencies = sorted({r.currency for r in rates} | {r.base for r in rates})
    days = sorted({r.day for r in rates})
    changed = 0
    if not dry_run:
        with open_store(load_settings()) as store:
            changed = store.write_fx_rates(rates)
    summary = {"rates": len(rates), "changed": changed, "unchanged": 0 if dry_run else len(rates) - changed,
               "currencies": currencies, "from": days[0].isoformat() if days else None,
               "to": days[-1].isoformat() if days else None, "dry_run": dry_run}
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    span = f" from {summary['from']} to {summary['to']}" if days else ""
    verb = "checked (dry run)" if dry_run else f"loaded ({changed} new or changed)"
    typer.echo(f"{len(rates)} FX rates {verb}: {', '.join(currencies) or 'none'}{span}")


@app.command("list")
def list_rates(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show which FX rates the store holds: per base and currency, the first and last date and the source."""
    from stakegraph.settings import load_settings
    from stakegraph.store import open_store

    settings = load_settings()
    with open_store(settings) as store:
        rates = store.fx_rates()
    series: dict[tuple[str, str], list[str]] = {}
    for r in rates:
        s = series.setdefault((r.base, r.currency), [r.day.isoformat(), r.day.isoformat(), "0", r.source])
        s[1], s[2] = r.day.isoformat(), str(int(s[2]) + 1)
    rows = [{"base": b, "currency": c, "from": s[0], "to": s[1], "rates": int(s[2]), "source": s[3]}
            for (b, c), s in sorted(series.items())]
    if as_json:
        typer.echo(json.dumps({"reporting_currency": settings.reporting_currency.upper(), "series": rows}, indent=2))
        return
    typer.echo(f"reporting currency: {settings.reporting_currency.upper()} (STAKEGRAPH_REPORTING_CURRENCY)")
    if not rows:
        typer.echo("no FX rates loaded: run `stakegraph fx load FILE`")
    for row in rows:
        typer.echo(f"{row['currency']} per {row['base']}: {row['rates']} rates {row['from']} .. {row['to']}"
                   f" ({row['source']})")
