"""Smoke test: bench/resolve.py runs at a small size and prints its table (no timing asserted)."""

from __future__ import annotations

import pytest

from bench import resolve as bench_resolve


def test_bench_resolve_runs(capsys: pytest.CaptureFixture[str]) -> None:
    parties, truth = bench_resolve.generate(300)
    assert len(parties) == 300 and truth
    bench_resolve.main([300])
    out = capsys.readouterr().out
    assert "precision" in out and out.strip().splitlines()[-1].split()[0] == "300"
