"""``stakegraph resolve`` end to end on the embedded store: propose (with evidence), accept, status,
split, list; analyses then default to the resolved graph and say so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[2] / "data" / "merged" / "sources"


def _run(tmp: Path, *args: str, code: int = 0) -> str:
    env = {**os.environ, "STAKEGRAPH_DATA_DIR": str(tmp)}
    env.pop("STAKEGRAPH_NEO4J_URI", None)
    out = subprocess.run([sys.executable, "-m", "stakegraph.cli.main", *args], env=env, capture_output=True,
                         text=True)
    assert out.returncode == code, out.stderr
    return out.stdout + out.stderr


def test_propose_accept_split_and_analyze(tmp_path: Path) -> None:
    _run(tmp_path, "load", str(SOURCES))
    data = json.loads(_run(tmp_path, "resolve", "propose", "--threshold", "0.9", "--json",
                           "--out", str(tmp_path / "pairs.csv")))
    assert len(data["pairs"]) == 9 and data["accepted"] == 0
    assert ["crm_boc", "lb_001", "wb_fin_1"] in data["clusters"]
    first = data["pairs"][0]
    assert {"a", "b", "score", "evidence", "a_source", "b_source"} <= set(first)
    assert (tmp_path / "pairs.csv").read_text(encoding="utf-8").startswith("a,a_name,a_source,b,")
    answer = json.loads(_run(tmp_path, "analyze", "concentration", "lb_101", "--kinds", "lends_to",
                             "--direction", "in", "--json"))
    assert answer["stamp"]["parameters"]["graph"] == "raw"
    assert "9 accepted" in _run(tmp_path, "resolve", "propose", "--threshold", "0.9", "--accept-above", "0.95")
    assert json.loads(_run(tmp_path, "resolve", "status", "--json")) == {
        "decisions": {"accept": 9, "reject": 0, "split": 0}, "clusters": 5, "merged": 7}
    answer = json.loads(_run(tmp_path, "analyze", "concentration", "lb_101", "--kinds", "lends_to",
                             "--direction", "in", "--json"))
    assert answer["stamp"]["parameters"]["graph"] == "resolved"
    assert round(answer["result"]["hhi"], 1) == 5918.4
    raw = json.loads(_run(tmp_path, "analyze", "concentration", "lb_101", "--kinds", "lends_to",
                          "--direction", "in", "--graph", "raw", "--json"))
    assert round(raw["result"]["hhi"], 1) == 5061.7 and raw["stamp"]["parameters"]["graph"] == "raw"
    assert "2 decision(s) changed" in _run(tmp_path, "resolve", "split", "lb_101")
    assert "recorded" in _run(tmp_path, "resolve", "reject", "crm_acme", "lb_101")  # split → reject: a change
    assert "already recorded" in _run(tmp_path, "resolve", "reject", "crm_acme", "lb_101")
    assert "no party with id 'nope'" in _run(tmp_path, "resolve", "accept", "nope", "crm_acme", code=2)
    listing = json.loads(_run(tmp_path, "resolve", "list", "--json"))
    kinds = sorted(d["decision"] for d in listing["decisions"] if "lb_101" in (d["a"], d["b"]))
    assert kinds == ["reject", "split"]  # split out of the cluster, then one pair rejected outright
