"""Generators: the bundled sample portfolio and synthetic portfolios of any size.

* :mod:`loaders.generate.sample` — ``write_sample`` / ``check_sample``: the fictional
  sample in ``data/sample`` with the six scenarios of the domain reference
  (``python -m loaders.generate.sample -o data/sample`` or ``stakegraph sample``).
* :mod:`loaders.generate.scale` — ``generate(n_parties, seed, out_dir)``: a streamed,
  heavy-tailed synthetic portfolio (``stakegraph generate``).

Both write the canonical layout of docs/data-format.md and print nothing.
"""

from __future__ import annotations

from loaders.generate.errors import GenerateError, SampleMismatch
from loaders.generate.sample import check_sample, render_sample, write_sample
from loaders.generate.scale import ScaleStats, generate

__all__ = ["GenerateError", "SampleMismatch", "ScaleStats", "check_sample", "generate", "render_sample", "write_sample"]
