"""First-seen grouping for the analytics' fast paths: :func:`stakegraph.arrays.first_seen`, re-exported.

>>> import numpy as np
>>> first_seen(np.array(["b", "a", "b"])).code.tolist()
[0, 1, 0]
"""

from __future__ import annotations

from stakegraph.arrays import FirstSeen, first_seen

__all__ = ["FirstSeen", "first_seen"]
