"""Entity-resolution benchmark: splink proposals for N generated parties over three sources.

Run: ``python bench/resolve.py 10000 100000``. Names are generated with a fixed seed (an invented
first word, a second word, a sector word); about half of the entities appear in two or three sources
under another spelling (case, legal form, one dropped letter), so the true pairs are known. Prints the
time of :func:`stakegraph.resolve.matcher.propose` (threshold 0.5, as ``stakegraph resolve propose``),
the candidate pairs the blocking rules form (counted exactly by splink's blocking analysis, untimed),
pairs/s (candidates scored per second) and precision/recall at match probability >= 0.9. The floor is
an exact join on the normalised name (no library): fast, but it misses every misspelling.
"""

from __future__ import annotations

import itertools
import random
import sys
import time

from stakegraph.model import NodeRecord
from stakegraph.resolve.matcher import model_settings, propose
from stakegraph.resolve.names import norm_name, party_row

SYLLABLES = ["ka", "ro", "mi", "ta", "ne", "su", "vo", "li", "de", "za", "po", "ri", "shan", "gu", "an", "tek", "mar",
             "or", "vel", "ion", "bra", "to", "qui", "ex", "lum", "sa", "ni", "ho", "fer", "da"]

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
        coined = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
        base = f"{coined} {rng.choice(WORDS).title()} {rng.choice(KINDS)}"
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


def candidates(parties: list[NodeRecord]) -> int:
    """Exact count of the cross-source pairs the model's blocking rules form (splink blocking analysis)."""
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    db = DuckDBAPI()
    by: dict[str, list[dict[str, object]]] = {}
    for p in parties:
        row = party_row(p.id, p.props)
        by.setdefault(str(row["source"]), []).append(row)
    rules = [r["blocking_rule"] for r in model_settings()["blocking_rules_to_generate_predictions"]]
    counts = count_comparisons_from_blocking_rules([db.register(rows) for _, rows in sorted(by.items())],
                                                   blocking_rules=rules, link_type="link_only",
                                                   record_sample_proportion=1.0)
    return int(counts[-1]["cumulative_comparison_count"])  # type: ignore[index]


def main(sizes: list[int]) -> None:
    print(f"{'parties':>8} {'seconds':>8} {'candidates':>10} {'proposed':>8} {'pairs/s':>9} {'precision':>9} {'recall':>7} "
          f"{'floor s':>8} {'floor recall':>12}")
    for n in sizes:
        parties, truth = generate(n)
        t = time.perf_counter()
        pairs = propose(parties, threshold=0.5)
        secs = time.perf_counter() - t
        n_cand = candidates(parties)
        got = {(p.a, p.b) for p in pairs if p.score >= 0.9}
        tp = len(got & truth)
        t = time.perf_counter()
        fl = floor(parties)
        fsecs = time.perf_counter() - t
        print(f"{n:>8} {secs:>8.1f} {n_cand:>10} {len(pairs):>8} {n_cand / secs:>9.0f} {tp / max(len(got), 1):>9.3f} "
              f"{tp / max(len(truth), 1):>7.3f} {fsecs:>8.2f} {len(fl & truth) / max(len(truth), 1):>12.3f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000])
