"""Entity-resolution benchmark: splink proposals for N generated parties over three sources.

Run: ``python bench/resolve.py 10000 100000``. Names are generated with a fixed seed; a third of the
entities appear in two or three sources under another spelling (case, legal form, one typo), so the
true pairs are known. Prints time, pairs/s (candidate pairs scored per second) and precision/recall
at match probability >= 0.9. The floor is an exact-match join on the normalised name (no library).
"""

from __future__ import annotations

import itertools
import random
import sys
import time

from stakegraph.model import NodeRecord
from stakegraph.resolve.matcher import propose
from stakegraph.resolve.names import norm_name

WORDS = ["alpha", "bright", "cedar", "delta", "eagle", "fulcrum", "granite", "harbor", "indus", "jade", "kestrel",
         "lotus", "meridian", "nimbus", "orion", "pioneer", "quartz", "raven", "summit", "tundra", "unity", "vertex",
         "willow", "xenon", "yellowstone", "zenith", "amber", "boreal", "cobalt", "dune", "ember", "fjord"]
KINDS = ["Power", "Energy", "Solar", "Wind", "Bank", "Capital", "Holdings", "Infrastructure", "Ports", "Mining"]
FORMS = ["Ltd", "Limited", "Co., Ltd.", "PLC", "Inc.", "S.A.", "GmbH", ""]
COUNTRIES = ["PK", "CN", "KE", "BR", "IN", "ID", "VN", "EG", "NG", "TR"]


def _variant(rng: random.Random, base: str) -> str:
    name = base + " " + rng.choice(FORMS)
    r = rng.random()
    if r < 0.3:
        name = name.upper()
    elif r < 0.5:
        i = rng.randrange(len(base) - 2) + 1
        name = name[:i] + name[i + 1:]  # one letter dropped
    return name.strip()


def generate(n: int, seed: int = 7) -> tuple[list[NodeRecord], set[tuple[str, str]]]:
    rng = random.Random(seed)
    parties: list[NodeRecord] = []
    truth: set[tuple[str, str]] = set()
    e = 0
    while len(parties) < n:
        base = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {rng.choice(KINDS)} {e}"
        country = rng.choice(COUNTRIES)
        copies = rng.choice([1, 1, 2, 3])
        ids = []
        for src in rng.sample(["crm.csv", "loans.csv", "financiers.csv"], copies):
            nid = f"p{len(parties)}"
            parties.append(NodeRecord(nid, "party", {"name": _variant(rng, base), "country": country,
                                                       "source_file": src}))
            ids.append(nid)
        truth |= {tuple(sorted(p)) for p in itertools.combinations(ids, 2)}  # type: ignore[misc]
        e += 1
    return parties[:n], {p for p in truth if int(p[0][1:]) < n and int(p[1][1:]) < n}


def floor(parties: list[NodeRecord]) -> set[tuple[str, str]]:
    by: dict[str, list[NodeRecord]] = {}
    for p in parties:
        by.setdefault(norm_name(p.props["name"]), []).append(p)
    return {tuple(sorted((a.id, b.id))) for g in by.values() for a, b in itertools.combinations(g, 2)  # type: ignore[misc]
            if a.props["source_file"] != b.props["source_file"]}


def main(sizes: list[int]) -> None:
    print(f"{'parties':>8} {'seconds':>8} {'pairs':>8} {'pairs/s':>9} {'precision':>9} {'recall':>7} "
          f"{'floor s':>8} {'floor recall':>12}")
    for n in sizes:
        parties, truth = generate(n)
        t = time.perf_counter()
        pairs = propose(parties, threshold=0.0)
        secs = time.perf_counter() - t
        got = {(p.a, p.b) for p in pairs if p.score >= 0.9}
        tp = len(got & truth)
        t = time.perf_counter()
        fl = floor(parties)
        fsecs = time.perf_counter() - t
        print(f"{n:>8} {secs:>8.1f} {len(pairs):>8} {len(pairs) / secs:>9.0f} {tp / max(len(got), 1):>9.3f} "
              f"{tp / max(len(truth), 1):>7.3f} {fsecs:>8.2f} {len(fl & truth) / max(len(truth), 1):>12.3f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000])
