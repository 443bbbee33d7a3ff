"""A synthetic portfolio of any size, streamed to disk in the canonical layout.

``generate(n_parties, seed, out_dir)`` writes parties, projects (≈ n/5),
contracts, relationships (5 per party by default, e.g. 1,000,000 for 200,000
parties), interactions and signals row by row: nothing is kept per party, so
memory stays flat however large the portfolio. Degrees are heavy-tailed: lenders,
sellers, EPC contractors and investors are drawn by rank with
``rank = ⌊count · U³⌋`` (a power law in rank, like Zipf), so a few hubs carry
much of the lending and sales while the median party has a handful of edges.
The same ``(n_parties, seed, relationships)`` always gives the same bytes. It
prints nothing; pass ``progress`` to follow it (the CLI draws a bar).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stakegraph.loaders.fx import write_sample_rates
from stakegraph.samples.columns import FILE_NAMES, ROLES, RowWriter
from stakegraph.samples.errors import GenerateError
from stakegraph.samples.names import GIVEN, INDUSTRIES, SUFFIXES, SURNAMES, SYLLABLES

#: Organisation types by slot: every block of 100 consecutive parties has these counts.
KIND_SLOTS: tuple[tuple[str, int], ...] = (
    ("bank", 4), ("development_bank", 1), ("policy_bank", 1), ("fund", 4), ("institutional_investor", 1),
    ("insurer", 2), ("export_credit_agency", 1), ("epc_contractor", 3), ("om_operator", 2), ("supplier", 18),
    ("advisor", 2), ("government", 2), ("person", 10), ("corporate", 49),
)
BLOCK = 100
MIN_PARTIES = BLOCK
RELS_PER_PARTY = 5
ALPHA = 3.0  # rank = floor(count * U**ALPHA): P(rank < r) = (r/count)**(1/ALPHA)
COUNTRIES = ("CN", "CN", "CN", "VN", "ID", "PK", "KE", "EG", "BR", "KZ", "GB", "DE", "SG")
SECTORS = ("solar", "wind", "hydro", "transport", "water", "telecom", "manufacturing", "port")
START = dt.date(2019, 1, 1)
SPAN_DAYS = (dt.date(2026, 6, 30) - START).days
ProgressFn = Callable[[int, int], None]

_OFFSET: dict[str, int] = {}
_COUNT: dict[str, int] = {}
_KIND_OF_SLOT: list[str] = []
for _kind, _n in KIND_SLOTS:
    _OFFSET[_kind], _COUNT[_kind] = len(_KIND_OF_SLOT), _n
    _KIND_OF_SLOT += [_kind] * _n
assert len(_KIND_OF_SLOT) == BLOCK


@dataclass
class ScaleStats:
    """What :func:`generate` wrote: rows per file and the files' paths."""

    rows: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def relationships(self) -> int:
        return self.rows.get("relationships", 0)


class Layout:
    """Party ids and organisation types as pure functions of the party's index (no per-party state).

    >>> lay = Layout(250)
    >>> lay.count("bank"), lay.kind_of(0), lay.kind_of(lay.index("corporate", 0))
    (12, 'bank', 'corporate')
    """

    def __init__(self, n_parties: int) -> None:
        self.n = n_parties
        full, rem = divmod(n_parties, BLOCK)
        self._counts = {k: full * c + min(max(rem - _OFFSET[k], 0), c) for k, c in _COUNT.items()}

    def count(self, kind: str) -> int:
        return self._counts[kind]

    @staticmethod
    def kind_of(i: int) -> str:
        return _KIND_OF_SLOT[i % BLOCK]

    @staticmethod
    def index(kind: str, rank: int) -> int:
        """Index of the ``rank``-th party of ``kind`` (rank 0 is that kind's biggest hub)."""
        block, pos = divmod(rank, _COUNT[kind])
        return block * BLOCK + _OFFSET[kind] + pos

    @staticmethod
    def party_id(i: int) -> str:
        return f"pty_{i:07d}"


class _Gen:
    def __init__(self, n_parties: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lay = Layout(n_parties)
        self.n = n_parties
        self.m = max(1, n_parties // 5)
        self.n_contracts = 0

    # -- draws -------------------------------------------------------------------------
    def rank(self, count: int) -> int:
        return min(count - 1, int(count * self.rng.random() ** ALPHA))

    def pick(self, *kinds: str) -> str:
        """A party of one of ``kinds`` (chosen in proportion to their counts), heavy-tailed by rank."""
        kind = kinds[0] if len(kinds) == 1 else self.rng.choices(kinds, [self.lay.count(k) for k in kinds])[0]
        return self.lay.party_id(self.lay.index(kind, self.rank(self.lay.count(kind))))

    def uniform_party(self, kind: str) -> str:
        return self.lay.party_id(self.lay.index(kind, self.rng.randrange(self.lay.count(kind))))

    def date(self) -> str:
        return (START + dt.timedelta(days=self.rng.randrange(SPAN_DAYS))).isoformat()

    def money(self, lo: float, hi: float) -> int:
        return int(round(10 ** self.rng.uniform(lo, hi), -3))

    # -- rows --------------------------------------------------------------------------
    def party(self, i: int) -> dict[str, Any]:
        rng, kind = self.rng, self.lay.kind_of(i)
        row: dict[str, Any] = {"id": self.lay.party_id(i), "kind": kind, "country": rng.choice(COUNTRIES)}
        if kind == "person":
            (s, ps), (g, pg) = rng.choice(SURNAMES), rng.choice(GIVEN)
            row.update(name=s + g, name_en=f"{ps} {pg}", title=rng.choice(("relationship manager", "CEO", "CFO")))
            return row
        (a, pa), (b, pb) = rng.choice(SYLLABLES), rng.choice(SYLLABLES)
        ind_zh, ind_en, sector = rng.choice(INDUSTRIES)
        suf_zh, suf_en = rng.choice(SUFFIXES)
        row.update(name=f"{a}{b}{ind_zh}{suf_zh}", name_en=f"{pa}{pb.lower()} {ind_en} {suf_en}", sector=sector)
        bank = kind in ("bank", "development_bank", "policy_bank")
        total = self.money(9.5, 12.0) if bank else self.money(6.5, 10.0)
        capital = int(round(total * (rng.uniform(0.06, 0.1) if bank else rng.uniform(0.2, 0.6)), -3))
        row.update(total_assets=total, capital=capital, currency="USD", external_assets=int(round(total * 0.85, -3)),
                   external_liabilities=int(round((total - capital) * 0.8, -3)),
                   debt_to_asset=round(1 - capital / total, 3), replaceability=round(rng.random(), 2),
                   credit_rating=rng.choice(("AA", "A", "BBB", "BB", "B")))
        if bank:
            row["tier1_capital"] = int(round(capital * 0.9, -3))
        else:
            row.update(annual_revenue=int(round(total * rng.uniform(0.3, 1.5), -3)),
                       net_margin=round(rng.uniform(-0.08, 0.2), 3))
        return row

    def project(self, j: int) -> dict[str, Any]:
        rng = self.rng
        sector = rng.choice(SECTORS)
        return {"id": f"prj_{j:07d}", "name": f"{sector.title()} project {j}", "country": rng.choice(COUNTRIES),
                "sector": sector, "status": rng.choice(("active", "active", "pipeline", "closed")),
                "total_cost": self.money(7.0, 9.3), "currency": "USD", "start_date": self.date()}

    def relationships(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(role, row)`` pairs: contract rows and relationship rows, forever (the caller stops)."""
        rng = self.rng
        for j in range(self.m):
            pid = f"prj_{j:07d}"
            start = self.date()
            sponsor = self.pick("corporate")
            yield "relationships", {"source_id": sponsor, "target_id": pid, "kind": "sponsors", "share_pct": 100,
                                    "start_date": start, "status": "active"}
            debt = self.money(7.0, 9.0)
            self.n_contracts += 1
            cid = f"ctr_{self.n_contracts:07d}"
            yield "contracts", {"id": cid, "name": f"{pid} facility", "kind": "facility_agreement",
                                "signed_date": start, "amount": debt, "currency": "USD", "status": "active",
                                "cross_default_threshold": int(round(debt * 0.05, -3)), "project_id": pid,
                                "covenants": ["DSCR>=1.20"]}
            syndicate = rng.choice((1, 2, 3, 3, 4, 5, 6))
            for _ in range(syndicate):
                lender = self.pick("bank", "development_bank", "policy_bank")
                yield "relationships", {"source_id": lender, "target_id": pid, "kind": "lends_to",
                                        "amount": int(round(debt / syndicate, -3)), "currency": "USD",
                                        "start_date": start, "status": "active", "contract_id": cid,
                                        "tenor_years": 15, "rate": round(rng.uniform(0.03, 0.08), 4),
                                        "recovery_rate": round(rng.uniform(0.3, 0.7), 2)}
                yield "relationships", {"source_id": lender, "target_id": cid, "kind": "party_to", "role": "lender"}
            yield "relationships", {"source_id": sponsor, "target_id": cid, "kind": "party_to", "role": "borrower"}
            yield "relationships", {"source_id": self.pick("epc_contractor"), "target_id": pid, "kind": "builds",
                                    "amount": int(round(debt * 1.1, -3)), "currency": "USD", "start_date": start}
            yield "relationships", {"source_id": self.pick("corporate", "government"), "target_id": pid,
                                    "kind": "offtakes", "annual_revenue": int(round(debt * 0.12, -3)), "tenor_years": 20}
            if rng.random() < 0.6:
                yield "relationships", {"source_id": self.pick("om_operator"), "target_id": pid, "kind": "operates"}
            if rng.random() < 0.5:
                yield "relationships", {"source_id": self.pick("insurer", "export_credit_agency"), "target_id": pid,
                                        "kind": "insures", "amount": int(round(debt * 0.5, -3)), "cover": "political_risk"}
            if rng.random() < 0.3:
                yield "relationships", {"source_id": self.uniform_party("government"), "target_id": pid,
                                        "kind": "regulates"}
        corporates = self.lay.count("corporate")
        while True:  # corporate layer, round after round until the caller has enough
            for r in range(corporates):
                c = self.lay.party_id(self.lay.index("corporate", r))
                for _ in range(rng.choice((0, 1, 1, 2))):
                    yield "relationships", {"source_id": self.pick("bank"), "target_id": c, "kind": "lends_to",
                                            "amount": self.money(6.0, 8.5), "currency": "CNY", "start_date": self.date(),
                                            "status": "active" if rng.random() < 0.9 else "repaid", "tenor_years": 5,
                                            "recovery_rate": round(rng.uniform(0.2, 0.6), 2)}
                for _ in range(rng.choice((1, 2, 3))):
                    seller = self.pick("corporate", "supplier")
                    if seller != c:
                        yield "relationships", {"source_id": c, "target_id": seller, "kind": "buys_from",
                                                "annual_revenue": self.money(5.5, 8.0), "status": "active"}
                if r > 0 and rng.random() < 0.3:  # owners come before the owned: chains, never cycles
                    owner = self.lay.party_id(self.lay.index("corporate", self.rank(r)))
                    share = round(rng.uniform(10, 100), 1)
                    yield "relationships", {"source_id": owner, "target_id": c, "kind": "owns", "share_pct": share}
                    if share > 50:
                        yield "relationships", {"source_id": owner, "target_id": c, "kind": "controls"}
                        if rng.random() < 0.3:
                            cap = self.money(6.0, 8.0)
                            yield "relationships", {"source_id": owner, "target_id": c, "kind": "guarantees",
                                                    "amount": cap, "guarantee_cap": cap}
                if rng.random() < 0.4:
                    yield "relationships", {"source_id": self.pick("supplier"), "target_id": c, "kind": "supplies",
                                            "annual_revenue": self.money(5.5, 8.0)}
                if rng.random() < 0.15:
                    yield "relationships", {"source_id": self.pick("fund", "institutional_investor"), "target_id": c,
                                            "kind": "invests_in", "amount": self.money(6.5, 8.5),
                                            "share_pct": round(rng.uniform(2, 30), 1)}
                if rng.random() < 0.2:
                    yield "relationships", {"source_id": self.uniform_party("person"), "target_id": c,
                                            "kind": "contact_of", "role": "relationship_manager"}

    def interaction(self, k: int) -> dict[str, Any]:
        rng = self.rng
        return {"id": f"int_{k:07d}", "kind": rng.choice(("meeting", "call", "email", "report", "visit", "complaint")),
                "date": self.date(), "party_id": self.pick("corporate"), "counterparty_id": self.pick("bank"),
                "channel": rng.choice(("in person", "phone", "email"))}

    def signal(self, k: int) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choice(("payment_delay", "order_volume_change", "missed_milestone", "management_change", "dispute"))
        value = {"payment_delay": rng.randrange(1, 120), "order_volume_change": round(rng.uniform(-30, 30), 1),
                 "missed_milestone": rng.randrange(10, 180)}.get(kind)
        return {"id": f"sig_{k:07d}", "kind": kind, "date": self.date(), "party_id": self.pick("corporate"),
                "value": value, "severity": round(rng.random(), 2)}


def generate(
    n_parties: int,
    seed: int,
    out_dir: str | Path,
    *,
    relationships: int | None = None,
    progress: ProgressFn | None = None,
    every: int = 10_000,
) -> ScaleStats:
    """Write a synthetic portfolio of ``n_parties`` parties into ``out_dir`` in the canonical layout.

    Parameters
    ----------
    n_parties : int
        Number of parties (at least 100: every block of 100 holds each organisation type).
    seed : int
        Seed of the one random generator; the output is a pure function of the arguments.
    out_dir : path
        Folder for ``parties.csv`` … ``signals.csv`` (created if needed; files are overwritten).
    relationships : int, optional
        Rows of ``relationships.csv``; default 5 per party. Projects are ``n_parties // 5``,
        interactions ``n_parties // 2``, signals ``n_parties // 4``; contracts one per project.
    progress : callable, optional
        Called as ``progress(rows_done, rows_total)`` every ``every`` rows and at the end.

    Returns
    -------
    ScaleStats
        Rows written per file and the file paths.

    Examples
    --------
    >>> import tempfile
    >>> stats = generate(200, seed=7, out_dir=tempfile.mkdtemp())
    >>> stats.rows["parties"], stats.rows["projects"], stats.relationships
    (200, 40, 1000)
    """
    if n_parties < MIN_PARTIES:
        raise GenerateError(f"n_parties={n_parties} is too small; ask for at least {MIN_PARTIES} parties")
    target = RELS_PER_PARTY * n_parties if relationships is None else relationships
    if target < 0:
        raise GenerateError(f"relationships={relationships} is negative; ask for 0 or more")
    gen = _Gen(n_parties, seed)
    n_int, n_sig = n_parties // 2, n_parties // 4
    total = n_parties + gen.m + target + n_int + n_sig
    out = Path(out_dir)
    stats = ScaleStats()
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None and done % every == 0:
            progress(done, total)

    try:
        out.mkdir(parents=True, exist_ok=True)
        streams = {role: (out / FILE_NAMES[role]).open("w", encoding="utf-8", newline="") for role in ROLES}
    except OSError as e:
        raise GenerateError(f"cannot write into {out}: {e}; choose a writable folder with -o") from e
    try:
        writers = {role: RowWriter(role, streams[role]) for role in ROLES}
        for i in range(n_parties):
            writers["parties"].write(gen.party(i))
            tick()
        for j in range(gen.m):
            writers["projects"].write(gen.project(j))
            tick()
        if target:
            k = 0
            for role, row in gen.relationships():
                if role == "contracts":
                    writers["contracts"].write(row)
                    continue
                k += 1
                writers["relationships"].write({"id": f"rel_{k:08d}", **row})
                tick()
                if k == target:
                    break
        for k in range(1, n_int + 1):
            writers["interactions"].write(gen.interaction(k))
            tick()
        for k in range(1, n_sig + 1):
            writers["signals"].write(gen.signal(k))
            tick()
    except OSError as e:
        raise GenerateError(f"writing into {out} failed: {e}; free some space or choose another folder") from e
    finally:
        for s in streams.values():
            s.close()
    if progress is not None:
        progress(done, total)
    stats.rows = {role: w.rows for role, w in writers.items()}
    stats.files = [out / FILE_NAMES[role] for role in ROLES]
    write_sample_rates(out / "fx")  # the portfolio mixes USD and CNY: ship the rates its sums convert at
    return stats
