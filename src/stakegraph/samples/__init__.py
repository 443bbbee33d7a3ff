"""Generators: the bundled sample portfolio and synthetic portfolios of any size.

* :mod:`stakegraph.samples.sample` — ``write_sample`` / ``check_sample``: the fictional
  sample in ``data/sample`` with the six scenarios of the domain reference
  (``python -m stakegraph.samples.sample -o data/sample`` or ``stakegraph sample``).
* :mod:`stakegraph.samples.scale` — ``generate(n_parties, seed, out_dir)``: a streamed,
  heavy-tailed synthetic portfolio (``stakegraph generate``).

Both write the canonical layout of docs/data-format.md and print nothing. The
functions are imported lazily, so ``python -m stakegraph.samples.sample`` runs the
module once.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from stakegraph.samples.errors import GenerateError, SampleMismatch

if TYPE_CHECKING:
    from stakegraph.samples.sample import check_sample, render_sample, write_sample
    from stakegraph.samples.scale import ScaleStats, generate

_LAZY = {"check_sample": "sample", "render_sample": "sample", "write_sample": "sample",
         "ScaleStats": "scale", "generate": "scale"}

__all__ = ["GenerateError", "SampleMismatch", "ScaleStats", "check_sample", "generate", "render_sample", "write_sample"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"stakegraph.samples.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'stakegraph.samples' has no attribute {name!r}")
