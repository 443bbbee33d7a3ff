"""Entity resolution: propose that parties from different sources are the same, review, merge.

* :mod:`stakegraph.resolve.names` — names normalised and transliterated (legal forms stripped);
* :mod:`stakegraph.resolve.matcher` — candidate pairs scored by splink (fixed parameters, DuckDB);
* :mod:`stakegraph.resolve.clusters` — accepted pairs → clusters → the resolved projection;
* :mod:`stakegraph.resolve.review` — accept / reject / split decisions kept in the store.

splink and normality (the ``resolve`` extra) are imported only when proposing. See
docs/resolving-entities.md.
"""

from __future__ import annotations

__all__: list[str] = []
