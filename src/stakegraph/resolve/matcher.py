"""Candidate pairs of parties from different sources, scored by splink with fixed parameters.

The model is the Fellegi–Sunter model as splink implements it (Fellegi & Sunter 1969, "A theory
for record linkage", JASA 64(328)); its m/u probabilities and prior are *fixed* in
``splink_model.json`` (nothing is trained at run time), so the same parties always give the same
pairs and scores. Pairs are only formed across sources (splink ``link_only``, one input table per
``source_file``) and only inside the blocking rules of the model (equal normalised name or
transliterated alias, equal LEI or registration number, or equal 5-letter name prefix and country),
which keeps 100k parties to a few seconds on DuckDB.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from stakegraph.errors import ResolverUnavailable
from stakegraph.model import NodeRecord
from stakegraph.resolve.names import party_row

__all__ = ["Proposal", "propose", "model_settings", "DEFAULT_THRESHOLD"]

#: Pairs whose match probability is below this are not proposed.
DEFAULT_THRESHOLD = 0.5
_COMPARED = ("name", "country", "lei", "reg")


@dataclass(frozen=True)
class Proposal:
    """Two parties from different sources that may be the same entity.

    ``score`` is splink's match probability (0–1), ``weight`` its match weight (log2 Bayes factor)
    and ``evidence`` one line per compared field: the level reached, the values and its match weight.
    """

    a: str
    b: str
    score: float
    weight: float
    evidence: tuple[str, ...]
    a_source: str = ""
    b_source: str = ""


def model_settings() -> dict[str, Any]:
    """The splink settings shipped with stakegraph (``stakegraph/resolve/splink_model.json``)."""
    text = resources.files("stakegraph.resolve").joinpath("splink_model.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _labels(settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """Per comparison, gamma value → level label (splink numbers non-null levels from the top down to 0)."""
    out: dict[str, dict[int, str]] = {}
    for c in settings["comparisons"]:
        levels = [lv for lv in c["comparison_levels"] if not lv.get("is_null_level")]
        out[c["output_column_name"]] = {len(levels) - 1 - i: lv["label_for_charts"] for i, lv in enumerate(levels)}
        out[c["output_column_name"]][-1] = "not given on one side or both"
    return out


def _evidence(row: dict[str, Any], labels: dict[str, dict[int, str]]) -> tuple[str, ...]:
    lines = []
    for c in _COMPARED:
        gamma = int(row.get(f"gamma_{c}", -1))
        left, right = row.get(f"{c}_l"), row.get(f"{c}_r")
        values = f" ({left!s} | {right!s})" if gamma != -1 else ""
        mw = row.get(f"mw_{c}")
        lines.append(f"{c}: {labels[c].get(gamma, gamma)}{values}" + (f", weight {float(mw):+.1f}" if mw is not None else ""))
    return tuple(lines)


def propose(parties: Iterable[NodeRecord], *, threshold: float = DEFAULT_THRESHOLD) -> list[Proposal]:
    """Scored candidate pairs among ``parties`` from different sources, best first (then by ids).

    Raises :class:`stakegraph.errors.ResolverUnavailable` when splink is not installed.
    """
    try:
        from splink import DuckDBAPI, Linker
    except ImportError as e:
        raise ResolverUnavailable("entity resolution needs the resolve extra (splink)",
                                  fix="pip install 'stakegraph[resolve]'") from e
    by_source: dict[str, list[dict[str, Any]]] = {}
    for p in parties:
        row = party_row(p.id, p.props)
        by_source.setdefault(row["source"], []).append(row)
    if len(by_source) < 2:
        return []
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.WARNING)
    db = DuckDBAPI()
    tables = [db.register(rows) for _, rows in sorted(by_source.items())]
    settings = model_settings()
    linker = Linker(tables, settings, log_level=logging.WARNING)
    df = linker.inference.predict(threshold_match_probability=threshold)
    labels = _labels(settings)
    out = []
    for row in df.as_record_list():
        a, b = sorted((str(row["unique_id_l"]), str(row["unique_id_r"])))
        src = {str(row["unique_id_l"]): str(row.get("source_l") or ""), str(row["unique_id_r"]): str(row.get("source_r") or "")}
        out.append(Proposal(a, b, round(float(row["match_probability"]), 6), round(float(row["match_weight"]), 4),
                            _evidence(row, labels), src[a], src[b]))
    df.drop_table_from_database_and_remove_from_cache()
    return sorted(out, key=lambda p: (-p.score, p.a, p.b))
