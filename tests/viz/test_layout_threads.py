"""The drawing's layout is the same in whichever thread draws it.

igraph keeps its random generator per thread (its C core's thread-local default): only the thread
that imported igraph draws from Python's ``random``. The API draws pages in worker threads, so a
layout seeded through ``random.seed`` came out different on every request there.
"""

from __future__ import annotations

import threading
from typing import Any

import networkx as nx

from stakegraph.viz.views import spring_positions


def test_layout_is_the_same_in_a_fresh_thread() -> None:
    G = nx.les_miserables_graph()
    here = spring_positions(G)
    seen: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: seen.update(there=spring_positions(G)))
    worker.start()
    worker.join()
    assert seen["there"] == here
    assert spring_positions(G) == here
