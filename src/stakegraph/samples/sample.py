"""The bundled sample portfolio: the six scenarios plus a deterministic, fictional breadth.

``python -m stakegraph.samples.sample -o data/sample`` (or ``stakegraph sample``)
re-creates the committed files in ``data/sample/`` byte for byte: a fixed seed,
no wall clock, no set iteration, integers and short decimals only. See
docs/sample-data.md for what is where.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stakegraph.samples.errors import GenerateError, SampleMismatch
from stakegraph.samples.names import NameMaker
from stakegraph.samples.portfolio import Portfolio
from stakegraph.samples.scenarios import AS_OF, ENERGY_LENDERS, add_scenarios

SEED = 20240601
DEFAULT_DIR = Path(__file__).resolve().parents[3] / "data" / "sample"

#: Breadth parties per organisation type: (id prefix, count).
BREADTH: dict[str, tuple[str, int]] = {
    "bank": ("bnk", 24), "development_bank": ("dvb", 4), "policy_bank": ("plb", 3),
    "multilateral_agency": ("mla", 2), "bilateral_agency": ("bla", 2), "export_credit_agency": ("eca", 3),
    "trust_fund": ("tf", 1), "fund": ("fund", 12), "institutional_investor": ("inst", 6),
    "corporate": ("corp", 110), "epc_contractor": ("epc", 10), "om_operator": ("om", 7),
    "supplier": ("sup", 40), "advisor": ("adv", 8), "insurer": ("ins", 8), "government": ("gov", 10),
    "local_contributor": ("loc", 2), "other": ("oth", 1), "person": ("per", 45),
}
N_PROJECTS = 60
LENDER_KINDS = ("bank", "development_bank", "policy_bank", "multilateral_agency", "bilateral_agency",
                "export_credit_agency")
COUNTRIES: tuple[tuple[str, str], ...] = (
    ("CN", "East Asia"), ("VN", "South-East Asia"), ("ID", "South-East Asia"), ("PK", "South Asia"),
    ("BD", "South Asia"), ("KE", "Sub-Saharan Africa"), ("NG", "Sub-Saharan Africa"), ("EG", "Middle East & North Africa"),
    ("BR", "Latin America"), ("CL", "Latin America"), ("KZ", "Central Asia"), ("RS", "Europe"), ("GB", "Europe"),
    ("DE", "Europe"), ("SG", "South-East Asia"),
)
RATINGS = ("AAA", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+", "BB", "BB-", "B+", "B", "CCC")
SECTORS_PROJECT: tuple[tuple[str, str, str], ...] = (
    ("solar", "光伏电站", "Solar Plant"), ("wind", "风电场", "Wind Farm"), ("hydro", "水电站", "Hydropower Station"),
    ("transport", "高速公路", "Toll Road"), ("water", "水厂", "Water Treatment Plant"), ("port", "港口", "Port Terminal"),
    ("telecom", "光纤网络", "Fibre Network"), ("manufacturing", "工业园", "Industrial Park"),
)
COVENANTS = ("DSCR>=1.20", "DSCR>=1.30", "LLCR>=1.25", "debt/equity <= 70:30", "debt service reserve 6 months",
             "no dividends while DSCR<1.10", "negative pledge", "change of control is an event of default")
START = dt.date(2019, 1, 1)
TODAY = dt.date.fromisoformat(AS_OF)
SPAN_DAYS = (TODAY - START).days
#: A corporate loan is at most this share of the lender's Tier 1 capital (a bank's own single-name limit).
LOAN_CAP_OF_TIER1 = 0.15
#: A seller's receipts recorded in the graph are at most this share of its annual revenue ...
RECEIPTS_OF_REVENUE = 0.85
#: ... and one payer at most this share, except the few drawn as dependent sellers.
PAYER_OF_REVENUE = 0.40
#: Kinds whose breadth relationships get recent (2025-2026) contact.
CONTACT_KINDS = ("lends_to", "invests_in", "buys_from", "supplies", "guarantees", "insures")


class Urn:
    """Preferential attachment (a Pólya urn): each pick makes the picked item likelier next time."""

    def __init__(self, items: Sequence[str], rng: random.Random) -> None:
        self.urn = list(items)
        self.rng = rng

    def pick(self) -> str:
        item = self.rng.choice(self.urn)
        self.urn.append(item)
        return item

    def picks(self, k: int) -> list[str]:
        out: list[str] = []
        while len(out) < k:
            item = self.rng.choice(self.urn)
            if item not in out:
                out.append(item)
        for item in out:
            self.urn.append(item)
        return out


class _Breadth:
    """Adds the fictional breadth around the scenarios (one seeded generator, fixed order)."""

    def __init__(self, p: Portfolio, seed: int) -> None:
        self.p = p
        self.rng = random.Random(seed)
        self.names = NameMaker(self.rng)
        self.by_kind: dict[str, list[str]] = {k: [] for k in BREADTH}
        self.ids: set[str] = set()  # breadth party ids (membership tests only; never iterated)
        self.n_int = 0
        self.n_sig = 0
        self.prospects: list[str] = []

    # -- helpers -------------------------------------------------------------------
    def date(self, lo: dt.date = START, span: int = SPAN_DAYS) -> str:
        return (lo + dt.timedelta(days=self.rng.randrange(span))).isoformat()

    def money(self, lo_exp: float, hi_exp: float) -> int:
        """A heavy-tailed amount 10**U(lo, hi), rounded to thousands."""
        return int(round(10 ** self.rng.uniform(lo_exp, hi_exp), -3))

    def ratio(self, lo: float, hi: float, digits: int = 3) -> float:
        return round(self.rng.uniform(lo, hi), digits)

    # -- parties -------------------------------------------------------------------
    def parties(self) -> None:
        rng = self.rng
        for kind, (prefix, count) in BREADTH.items():
            for i in range(1, count + 1):
                pid = f"{prefix}_{i:03d}"
                country, region = rng.choice(COUNTRIES[:4]) if rng.random() < 0.6 else rng.choice(COUNTRIES)
                props: dict[str, Any] = {"country": country, "region": region}
                chinese = country == "CN" or rng.random() < 0.3
                if kind == "person":
                    zh, en = self.names.person()
                    name, props["name_en"] = (zh, en) if chinese else (en, None)
                    props["title"] = rng.choice(("relationship manager", "CEO", "CFO", "project director",
                                                 "general counsel", "客户经理", "财务总监"))
                    props["email"] = f"{en.lower().replace(' ', '.')}.{i}@example.com"
                    self.p.party(pid, name, kind, **props)
                    self.by_kind[kind].append(pid)
                    self.ids.add(pid)
                    continue
                name, name_en = self._org_name(kind, chinese)
                props["name_en"] = name_en
                props.update(self._org_numbers(kind, i))
                self.p.party(pid, name, kind, **props)
                self.by_kind[kind].append(pid)
                self.ids.add(pid)

    def _org_name(self, kind: str, chinese: bool) -> tuple[str, str | None]:
        words = {"bank": ("银行", "Bank"), "development_bank": ("开发银行", "Development Bank"),
                 "policy_bank": ("进出口政策银行", "Policy Bank"), "multilateral_agency": ("多边投资机构", "Multilateral Investment Agency"),
                 "bilateral_agency": ("国际合作署", "Cooperation Agency"), "export_credit_agency": ("出口信用保险公司", "Export Credit Agency"),
                 "trust_fund": ("信托基金", "Trust Fund"), "fund": ("资本", "Capital Partners"),
                 "institutional_investor": ("养老基金", "Pension Fund"), "epc_contractor": ("工程建设集团", "Engineering & Construction"),
                 "om_operator": ("运维服务有限公司", "O&M Services"), "advisor": ("律师事务所", "Advisory LLP"),
                 "insurer": ("保险股份有限公司", "Insurance"), "government": ("能源与基础设施部", "Ministry of Energy and Infrastructure"),
                 "local_contributor": ("地方投资平台", "Local Investment Platform"), "other": ("产业协会", "Industry Association")}
        if kind in ("corporate", "supplier"):
            zh, en, _ = self.names.company()
            return (zh, en) if chinese else (en, None)
        zh_word, en_word = words[kind]
        if chinese:
            return self.names.chinese_institution(zh_word, en_word)
        return self.names.english_institution(en_word), None

    def _org_numbers(self, kind: str, i: int) -> dict[str, Any]:
        rng = self.rng
        out: dict[str, Any] = {"replaceability": self.ratio(0.05, 0.95, 2)}
        if kind in ("government", "advisor", "other"):
            out["sector"] = {"government": "public", "advisor": "professional_services", "other": "association"}[kind]
            return out
        if kind in LENDER_KINDS:
            total = self.money(9.5, 12.4)
            capital = int(round(total * rng.uniform(0.06, 0.11), -3))
            out.update(sector="banking", total_assets=total, capital=capital,
                       tier1_capital=int(round(capital * rng.uniform(0.82, 0.95), -3)),
                       external_assets=int(round(total * 0.9, -3)), external_liabilities=int(round((total - capital) * 0.85, -3)),
                       debt_to_asset=round(1 - capital / total, 3), net_margin=self.ratio(0.08, 0.3),
                       credit_rating=rng.choice(RATINGS[:8]), size_segment="large" if total > 10**11 else "mid",
                       risk_appetite=rng.choice(("conservative", "conservative", "balanced")))
            if kind == "bank" and i <= 3:
                out["gsib"] = True
            return out
        lo, hi = {"fund": (8.0, 10.5), "institutional_investor": (9.5, 11.5), "insurer": (9.0, 11.0),
                  "trust_fund": (8.0, 9.0)}.get(kind, (6.8, 10.3))
        total = self.money(lo, hi)
        capital = int(round(total * rng.uniform(0.2, 0.6), -3))
        dta = round(1 - capital / total, 3)
        out.update(total_assets=total, capital=capital, external_assets=int(round(total * rng.uniform(0.7, 0.95), -3)),
                   external_liabilities=int(round(total * dta * rng.uniform(0.6, 0.9), -3)), debt_to_asset=dta,
                   net_margin=self.ratio(-0.08, 0.2), annual_revenue=int(round(total * rng.uniform(0.3, 1.6), -3)),
                   credit_rating=RATINGS[min(len(RATINGS) - 1, int(dta * 12) + rng.randrange(4))],
                   size_segment="sme" if total < 5 * 10**7 else "mid" if total < 10**9 else "large",
                   risk_appetite=rng.choice(("conservative", "balanced", "aggressive")))
        if kind in ("corporate", "supplier") and rng.random() < 0.5:
            out["lifecycle_stage"] = rng.choice(("acquisition", "development", "maturity", "maturity", "decline", "churn"))
        return out

    # -- projects and their stakeholders -----------------------------------------------------
    def projects(self) -> None:
        rng, p = self.rng, self.p
        # b_bank and e_bank are small city banks: they lend to corporates, not to project syndicates
        lenders = Urn([x for k in LENDER_KINDS for x in self.by_kind[k]] + [e[0] for e in ENERGY_LENDERS], rng)
        sponsors = Urn(self.by_kind["corporate"][:60], rng)
        epcs, oms = Urn(self.by_kind["epc_contractor"], rng), Urn(self.by_kind["om_operator"], rng)
        suppliers, advisors = Urn(self.by_kind["supplier"], rng), Urn(self.by_kind["advisor"], rng)
        insurers = Urn(self.by_kind["insurer"] + self.by_kind["export_credit_agency"], rng)
        investors = Urn(self.by_kind["fund"] + self.by_kind["institutional_investor"] + self.by_kind["trust_fund"], rng)
        for j in range(1, N_PROJECTS + 1):
            pid = f"proj_{j:03d}"
            sector, zh_word, en_word = rng.choice(SECTORS_PROJECT)
            country, region = rng.choice(COUNTRIES)
            cost = self.money(7.3, 9.3)
            start = self.date(dt.date(2019, 1, 1), 2200)
            status = rng.choice(("active", "active", "active", "pipeline", "closed"))
            name = (f"{self.names.brand()[0]}{zh_word}项目" if country == "CN" or rng.random() < 0.3
                    else f"{self.names.english_institution(en_word)} ({country})")
            mw = round(cost / rng.uniform(0.8, 1.6) / 10**6, 1) if sector in ("solar", "wind", "hydro") else None
            p.project(pid, name, country=country, region=region, sector=sector, status=status, capacity_mw=mw,
                      total_cost=cost, currency="USD" if country != "CN" else "CNY", start_date=start,
                      end_date=_add_years(start, rng.choice((15, 18, 20, 25))),
                      lending_instrument=rng.choice(("project finance", "corporate loan", "investment project financing")))
            cur = "USD" if country != "CN" else "CNY"
            end = _add_years(start, 15)
            spons = sponsors.picks(1 if rng.random() < 0.6 else 2)
            shares = [100] if len(spons) == 1 else [s := rng.choice((51, 60, 70)), 100 - s]
            for s_id, share in zip(spons, shares, strict=True):
                p.rel("sponsors", s_id, pid, share_pct=share, start_date=start, status="active")
            debt = int(round(cost * rng.uniform(0.55, 0.8), -3))
            adjust = ("repayment schedule and margin renegotiable if tariff changes > 10%" if rng.random() < 0.2 else None)
            fac = p.contract(f"k_fac_{j:03d}", f"{pid} facility agreement", rng.choice(("facility_agreement", "loan_agreement")),
                             project_id=pid, signed_date=start, end_date=end, amount=debt, currency=cur,
                             status="active" if status != "closed" else "repaid",
                             cross_default_threshold=int(round(debt * rng.choice((0.02, 0.05)), -3)),
                             repayment_adjustment=adjust, covenants=rng.sample(COVENANTS, 3))
            synd = lenders.picks(rng.choice((1, 2, 2, 3, 3, 4, 5, 6)))
            rest = debt
            for n, lid in enumerate(synd):
                amt = rest if n == len(synd) - 1 else int(round(debt * rng.uniform(0.5, 1.5) / len(synd), -3))
                amt = max(1000, min(amt, rest - 1000 * (len(synd) - n - 1)))
                rest -= amt
                p.rel("lends_to", lid, pid, amount=amt, currency=cur, start_date=start, end_date=end,
                      status="active" if status != "closed" else "repaid", contract_id=fac, tenor_years=15,
                      rate=self.ratio(0.03, 0.08, 4), recovery_rate=self.ratio(0.3, 0.7, 2),
                      cross_default_threshold=int(round(debt * 0.05, -3)), repayment_adjustment=adjust)
                p.rel("party_to", lid, fac, role="lender")
            p.rel("party_to", spons[0], fac, role="borrower")
            if rng.random() < 0.4:
                guarantor = spons[0] if rng.random() < 0.6 else rng.choice(self.by_kind["export_credit_agency"])
                cap = int(round(debt * rng.uniform(0.2, 0.6), -3))
                g = p.contract(f"k_gty_{j:03d}", f"{pid} guarantee", "guarantee", project_id=pid, signed_date=start,
                               end_date=end, amount=cap, currency=cur, status="active", guarantee_cap=cap)
                p.rel("guarantees", guarantor, pid, amount=cap, currency=cur, start_date=start, end_date=end,
                      status="active", contract_id=g, guarantee_cap=cap,
                      guaranteed_share_of_debt=round(cap * 100 / debt, 1))
                p.rel("party_to", guarantor, g, role="guarantor")
            if rng.random() < 0.5:
                cover = "political_risk" if country != "CN" else "construction_all_risk"
                p.rel("insures", insurers.pick(), pid, amount=int(round(cost * 0.4, -3)), currency=cur,
                      start_date=start, end_date=end, status="active", cover=cover)
            epc = epcs.pick()
            k_epc = p.contract(f"k_epc_{j:03d}", f"{pid} EPC contract", "epc_contract", project_id=pid, signed_date=start,
                               amount=int(round(cost * 0.75, -3)), currency=cur, status="active",
                               scope="lump-sum turnkey EPC", payment_terms="milestone payments, 10% retention")
            p.rel("builds", epc, pid, amount=int(round(cost * 0.75, -3)), currency=cur, start_date=start,
                  status="completed" if status == "closed" else "active", contract_id=k_epc)
            p.rel("party_to", epc, k_epc, role="contractor")
            if status != "pipeline":
                p.rel("operates", oms.pick(), pid, amount=int(round(cost * 0.015, -3)), currency=cur,
                      start_date=_add_years(start, 2), status="active")
            if sector in ("solar", "wind", "hydro", "water", "telecom", "port"):
                off = rng.choice(self.by_kind["government"] + self.by_kind["corporate"][60:])
                rev = int(round(cost * rng.uniform(0.08, 0.14), -3))
                k_off = p.contract(f"k_off_{j:03d}", f"{pid} offtake agreement", "offtake_agreement", project_id=pid,
                                   signed_date=start, amount=rev * 20, currency=cur, status="active")
                p.rel("offtakes", off, pid, annual_revenue=rev, currency=cur, start_date=_add_years(start, 2),
                      status="active", contract_id=k_off, tenor_years=20)
                p.rel("party_to", off, k_off, role="offtaker")
            for sup in suppliers.picks(rng.choice((1, 1, 2, 3))):
                p.rel("supplies", sup, pid, annual_revenue=int(round(cost * rng.uniform(0.01, 0.08), -3)),
                      currency=cur, start_date=start, status="active")
            p.rel("partner_of", advisors.pick(), pid, role=rng.choice(("legal", "financial_advisor", "technical_advisor")),
                  start_date=start, status="active")
            gov = rng.choice(self.by_kind["government"])
            p.rel("regulates", gov, pid, start_date=start, status="active")
            if rng.random() < 0.25:
                p.rel("invests_in", investors.pick(), pid, amount=int(round(cost * rng.uniform(0.05, 0.2), -3)),
                      currency=cur, share_pct=self.ratio(5, 35, 1), start_date=start, status="active")
            if rng.random() < 0.2:
                p.rel("partner_of", rng.choice(self.by_kind["local_contributor"] + self.by_kind["bilateral_agency"]
                                               + self.by_kind["multilateral_agency"]), pid,
                      role="implementing_agency", start_date=start, status="active")

    # -- corporate financing, control, supply chains, people ---------------------------------
    def corporates(self) -> None:
        rng, p = self.rng, self.p
        corps = self.by_kind["corporate"]
        banks = Urn(self.by_kind["bank"] + ["b_bank", "e_bank", "bank_1", "bank_3"], rng)
        for n, c in enumerate(corps + self.by_kind["supplier"][:20]):
            for m in range(rng.choice((0, 1, 1, 2, 2, 3))):
                bank = banks.pick()
                start = self.date(START, SPAN_DAYS - 400)
                amt = min(self.money(6.0, 8.7), self._loan_cap(bank))
                status = rng.choice(("active",) * 6 + ("repaid", "ended"))
                k = None
                if rng.random() < 0.3:
                    k = p.contract(f"k_loan_{n:03d}_{m}", f"{c} term loan {m + 1}", "loan_agreement", signed_date=start,
                                   end_date=_add_years(start, 5), amount=amt, currency="CNY", status=status,
                                   cross_default_threshold=int(round(amt * 0.1, -3)), covenants=rng.sample(COVENANTS, 2))
                    p.rel("party_to", bank, k, role="lender")
                    p.rel("party_to", c, k, role="borrower")
                p.rel("lends_to", bank, c, ref=f"loan{m + 1}", amount=amt, currency="CNY", start_date=start,
                      end_date=_add_years(start, 5), status=status, contract_id=k, tenor_years=5,
                      rate=self.ratio(0.03, 0.07, 4), recovery_rate=self.ratio(0.2, 0.6, 2))
        # ownership groups: parents own > 50 % of subsidiaries (controls), some chains three levels deep
        free = corps[20:]
        rng.shuffle(free)
        for g, parent in enumerate(corps[:12]):
            subs = [free.pop() for _ in range(rng.choice((2, 3, 4)))]
            for s in subs:
                self._control(parent, s)
            if g < 6:
                for _ in range(rng.choice((1, 2))):
                    self._control(subs[0], free.pop())
        minority = corps[:]
        for _ in range(25):
            a, b = rng.sample(minority, 2)
            if not p.has_edge("owns", a, b) and not p.has_edge("owns", b, a):
                p.rel("owns", a, b, share_pct=self.ratio(3, 35, 1), start_date=self.date(), status="active")
        # customers: buys_from customer -> seller, sellers' customer counts heavy-tailed
        sellers = Urn(corps + self.by_kind["supplier"], rng)
        customers = corps + self.by_kind["government"]
        for cust in customers:
            for _ in range(rng.choice((1, 2, 3, 4, 5, 6))):
                seller = sellers.pick()
                if seller == cust or p.has_edge("buys_from", cust, seller):
                    continue
                p.rel("buys_from", cust, seller, annual_revenue=self.money(5.5, 8.3),
                      start_date=self.date(START, 1500), status="active" if rng.random() < 0.92 else "ended")
        for sup in self.by_kind["supplier"]:
            for buyer in rng.sample(corps, rng.choice((1, 2, 3, 4))):
                rev = self.money(5.5, 8.0)
                if p.has_edge("buys_from", buyer, sup):  # one flow, one edge: never both directions
                    continue
                p.rel("supplies", sup, buyer, annual_revenue=rev, start_date=self.date(START, 1500), status="active")
                if rng.random() < 0.15:
                    k = p.contract(f"k_sup_{sup}_{buyer}", f"{sup}–{buyer} supply contract", "supply_contract",
                                   signed_date=self.date(), amount=rev, currency="CNY", status="active",
                                   payment_terms=rng.choice(("30 days net", "60 days net", "letter of credit")))
                    p.rel("party_to", sup, k, role="supplier")
                    p.rel("party_to", buyer, k, role="buyer")
        investors = self.by_kind["fund"] + self.by_kind["institutional_investor"]
        for inv in investors:
            for target in rng.sample(corps, rng.choice((2, 3, 4))):
                p.rel("invests_in", inv, target, amount=self.money(6.5, 8.5), currency="CNY",
                      share_pct=self.ratio(2, 30, 1), start_date=self.date(), status="active")
        for ins in self.by_kind["insurer"] + self.by_kind["export_credit_agency"]:
            for target in rng.sample(corps, 2):
                p.rel("insures", ins, target, amount=self.money(6.5, 8.5), currency="CNY", cover="credit",
                      start_date=self.date(), status="active")
        for gov in self.by_kind["government"]:
            for target in rng.sample(self.by_kind["bank"] + corps, 2):
                p.rel("regulates", gov, target, status="active")
        for adv in self.by_kind["advisor"]:
            for target in rng.sample(corps, 2):
                p.rel("partner_of", adv, target, role=rng.choice(("legal", "audit", "investment_bank")), status="active")
        orgs = corps + self.by_kind["bank"] + self.by_kind["fund"]
        for n, person in enumerate(self.by_kind["person"]):
            org = orgs[n * 7 % len(orgs)]
            p.rel("contact_of", person, org, role=rng.choice(("relationship_manager", "ceo", "cfo", "board")),
                  start_date=self.date(), status="active")
            if n % 3 == 0:
                p.rel("contact_of", person, rng.choice(self.by_kind["bank"]), role="relationship_manager", status="active")
        for j in range(1, 9):  # a contact named on a contract
            p.rel("contact_of", self.by_kind["person"][j], f"k_fac_{j:03d}", role="contract_manager", status="active")

    def _loan_cap(self, bank: str) -> int:
        return int(round(self.p.rows["parties"][bank]["tier1_capital"] * LOAN_CAP_OF_TIER1, -3))

    def new_business(self) -> None:
        """Customer relationships that started in the last year (these sellers are in development)."""
        rng, p = self.rng, self.p
        corps = self.by_kind["corporate"]
        for seller in rng.sample(corps[60:], 14):
            for cust in rng.sample(corps + self.by_kind["government"], rng.choice((1, 2))):
                if cust == seller or p.has_edge("buys_from", cust, seller) or p.has_edge("supplies", seller, cust):
                    continue
                p.rel("buys_from", cust, seller, annual_revenue=self.money(6.0, 8.0),
                      start_date=self.date(TODAY - dt.timedelta(days=330), 300), status="active")
        # prospects: corporates met for the first time this year, no business yet (acquisition)
        n = len(self.by_kind["corporate"])
        for i in range(n + 1, n + 7):
            pid = f"corp_{i:03d}"
            chinese = rng.random() < 0.6
            name, name_en = self._org_name("corporate", chinese)
            country, region = ("CN", "East Asia") if chinese else rng.choice(COUNTRIES[1:])
            props = {"country": country, "region": region, "name_en": name_en, **self._org_numbers("corporate", i)}
            props.pop("lifecycle_stage", None)
            self.p.party(pid, name, "corporate", **props)
            self.prospects.append(pid)
            bank = rng.choice(self.by_kind["bank"] + ["b_bank", "e_bank"])
            d = TODAY - dt.timedelta(days=rng.randrange(20, 200))
            for _ in range(rng.choice((1, 2, 3))):
                self.n_int += 1
                p.interaction(f"i_{self.n_int:04d}", rng.choice(("meeting", "visit", "call")), d.isoformat(), pid,
                              counterparty_id=bank, channel="in person", name=rng.choice(("初次拜访", "Introductory meeting")))
                d = min(TODAY, d + dt.timedelta(days=rng.choice((14, 30, 45))))

    def revenue_consistency(self) -> None:
        """Scale breadth receipts so no seller receives more than it earns.

        A seller's active ``buys_from`` (customer → seller) and ``supplies`` (seller → buyer) receipts add up to at
        most RECEIPTS_OF_REVENUE of its ``annual_revenue``, and one payer to at most PAYER_OF_REVENUE, except for
        about one seller in twelve, left as a dependent seller (one payer ≥ 50 %: a Basel economic-interdependence
        link). Contract amounts of supply contracts follow their edge.
        """
        p = self.p
        parties = p.rows["parties"]
        by_seller: dict[str, list[dict[str, Any]]] = {}
        for r in p.rows["relationships"].values():
            if r.get("status") != "active" or r["kind"] not in ("buys_from", "supplies"):
                continue
            seller = r["target_id"] if r["kind"] == "buys_from" else r["source_id"]
            if seller in self.ids:
                by_seller.setdefault(seller, []).append(r)
        for seller, edges in by_seller.items():  # insertion order: deterministic
            revenue = parties[seller]["annual_revenue"]
            total = sum(r["annual_revenue"] for r in edges)
            payer: dict[str, int] = {}
            for r in edges:
                other = r["source_id"] if r["kind"] == "buys_from" else r["target_id"]
                payer[other] = payer.get(other, 0) + r["annual_revenue"]
            dependent = self.rng.random() < 1 / 12
            factor = min(1.0, RECEIPTS_OF_REVENUE * revenue / total,
                         1.0 if dependent else PAYER_OF_REVENUE * revenue / max(payer.values()))
            if factor >= 1.0:
                continue
            for r in edges:
                r["annual_revenue"] = max(1000, int(r["annual_revenue"] * factor) // 1000 * 1000)
                k = p.rows["contracts"].get(f"k_sup_{r['source_id']}_{r['target_id']}")
                if k is not None:
                    k["amount"] = r["annual_revenue"]

    def interbank(self) -> None:
        """Interbank loans (bank → bank): a share of the lender's capital, at most 4 % of the borrower's assets.

        ``b_bank`` and ``e_bank`` borrow from several smaller banks: their default hurts those lenders.
        """
        rng, p = self.rng, self.p
        banks = self.by_kind["bank"]
        capital = {r["id"]: r["capital"] for r in p.rows["parties"].values() if r["kind"] == "bank"}
        assets = {r["id"]: r["total_assets"] for r in p.rows["parties"].values() if r["kind"] == "bank"}
        small = sorted(banks, key=lambda b: (capital[b], b))[:8]
        pairs = [(lender, "b_bank") for lender in small[:3]] + [(lender, "e_bank") for lender in small[3:5]]
        for lender in banks:
            for borrower in rng.sample(banks + ["b_bank", "e_bank"], rng.choice((1, 2, 3))):
                if borrower != lender and (lender, borrower) not in pairs:
                    pairs.append((lender, borrower))
        for n, (lender, borrower) in enumerate(pairs):
            share = rng.uniform(0.4, 1.1) if n < 5 else rng.uniform(0.05, 0.5)
            start = self.date(dt.date(2022, 1, 1), 1400)
            p.rel("lends_to", lender, borrower, ref="interbank", amount=int(round(min(capital[lender] * share, assets[borrower] * 0.04), -3)),
                  currency="CNY", start_date=start, end_date=_add_years(start, 1), status="active", tenor_years=1,
                  rate=self.ratio(0.015, 0.035, 4), recovery_rate=self.ratio(0.3, 0.6, 2))

    def _control(self, parent: str, sub: str) -> None:
        share = self.ratio(51, 100, 1)
        start = self.date()
        self.p.rel("owns", parent, sub, share_pct=share, start_date=start, status="active")
        self.p.rel("controls", parent, sub, start_date=start, status="active")
        if self.rng.random() < 0.4:
            cap = self.money(6.5, 8.5)
            self.p.rel("guarantees", parent, sub, amount=cap, currency="CNY", guarantee_cap=cap,
                       guaranteed_share_of_debt=self.ratio(20, 100, 1), start_date=start, status="active")

    # -- dated interactions and signals -------------------------------------------------------------
    def events(self) -> None:
        rng, p = self.rng, self.p
        rels = [r for r in p.rows["relationships"].values()
                if r["kind"] in ("lends_to", "invests_in", "buys_from", "supplies", "guarantees") and r["id"].startswith("r_")
                and p.types[r["target_id"]] == "party" and r["source_id"] in self.ids and r["target_id"] in self.ids]
        for r in rng.sample(rels, 170):
            # contact decays: frequent at first, sparse later, sometimes stopping altogether
            d = dt.date.fromisoformat(self.date(START, 1200))
            gap = rng.choice((30, 45, 90))
            for _ in range(rng.choice((1, 2, 3, 4, 5))):
                if d > dt.date(2026, 6, 30):
                    break
                self.n_int += 1
                kind = rng.choice(("meeting", "call", "call", "email", "report", "visit", "complaint"))
                p.interaction(f"i_{self.n_int:04d}", kind, d.isoformat(), r["target_id"],
                              counterparty_id=r["source_id"], relationship_id=r["id"],
                              channel={"meeting": "in person", "visit": "in person", "call": "phone"}.get(kind, "email"),
                              name=rng.choice(("季度回顾", "项目进度会", "Annual review", "Covenant check", "客户拜访",
                                               "Site visit", "Payment follow-up")))
                d += dt.timedelta(days=gap)
                gap = int(gap * rng.uniform(1.3, 2.2))
        for r in rng.sample(rels, 60):
            self.n_sig += 1
            p.signal(f"s_{self.n_sig:04d}", "payment_delay", self.date(), r["target_id"], counterparty_id=r["source_id"],
                     relationship_id=r["id"], value=rng.choice((5, 10, 15, 30, 45, 60, 90, 120)),
                     severity=self.ratio(0.1, 0.9, 2), note="days late")
        # yearly order-volume changes (value = % change on the year before) for 30 sellers
        sellers = sorted({r["target_id"] for r in rels if r["kind"] == "buys_from"})
        for seller in rng.sample(sellers, min(30, len(sellers))):
            level = rng.uniform(-5, 8)
            for year in range(2019, 2026):
                level = level * 0.6 + rng.uniform(-12, 12)
                self.n_sig += 1
                p.signal(f"s_{self.n_sig:04d}", "order_volume_change", f"{year}-12-31", seller, value=round(level, 1),
                         severity=round(min(1.0, abs(level) / 25), 2), note="yearly order volume change (%)")
        corps = self.by_kind["corporate"]
        for kind in ("missed_milestone", "management_change", "dispute", "funds_diverted", "statement_irregularity",
                     "contract_termination", "loan_recall"):
            for _ in range(6):
                self.n_sig += 1
                p.signal(f"s_{self.n_sig:04d}", kind, self.date(), rng.choice(corps),
                         severity=self.ratio(0.2, 1.0, 2))
        for j in range(1, 11):  # project-level signals name the project's sponsor as party and concern the project
            pid = f"proj_{j:03d}"
            sponsor = next(r["source_id"] for r in p.rows["relationships"].values()
                           if r["kind"] == "sponsors" and r["target_id"] == pid)
            self.n_sig += 1
            sid = p.signal(f"s_{self.n_sig:04d}", "missed_milestone", self.date(), sponsor, value=rng.choice((30, 60, 90)),
                           severity=self.ratio(0.3, 0.8, 2), note="construction milestone late (days)")
            p.rel("concerns", sid, pid)


    def recent_contact(self) -> None:
        """Regular contact in the last 18 months on about half of the active breadth relationships.

        About one breadth party in seven has gone quiet (no contact since its older interactions, so it
        churns by silence); relationships touching a quiet party get nothing new. Contact is roughly
        quarterly, ending no later than the sample's "today".
        """
        rng, p = self.rng, self.p
        lenders = {"b_bank", "e_bank", *(e[0] for e in ENERGY_LENDERS)}
        quiet = {x for kind in BREADTH for x in self.by_kind[kind] if rng.random() < 1 / 7}
        rels = [r for r in p.rows["relationships"].values()
                if r["kind"] in CONTACT_KINDS and r.get("status") == "active" and r["target_id"] in self.ids
                and (r["source_id"] in self.ids or r["source_id"] in lenders)
                and r["source_id"] not in quiet and r["target_id"] not in quiet]
        for r in rels:
            if rng.random() >= 0.5:
                continue
            d = TODAY - dt.timedelta(days=rng.randrange(200, 540))
            for _ in range(rng.choice((3, 4, 5, 6))):
                if d > TODAY:
                    break
                self.n_int += 1
                kind = rng.choice(("meeting", "call", "call", "email", "report", "visit"))
                p.interaction(f"i_{self.n_int:04d}", kind, d.isoformat(), r["target_id"],
                              counterparty_id=r["source_id"], relationship_id=r["id"],
                              channel={"meeting": "in person", "visit": "in person", "call": "phone"}.get(kind, "email"),
                              name=rng.choice(("季度回顾", "Quarterly review", "Covenant check", "客户拜访", "Site visit",
                                               "续约沟通", "Renewal discussion")))
                d += dt.timedelta(days=rng.choice((60, 90, 90, 120)))


def _add_years(iso: str, years: int) -> str:
    d = dt.date.fromisoformat(iso)
    return d.replace(year=d.year + years, day=min(d.day, 28)).isoformat()


def build_sample(seed: int = SEED) -> Portfolio:
    """The sample portfolio: the six scenarios, then the breadth drawn from ``seed``."""
    p = Portfolio()
    add_scenarios(p)
    b = _Breadth(p, seed)
    b.parties()
    b.projects()
    b.corporates()
    b.new_business()
    b.revenue_consistency()
    b.interbank()
    b.events()
    b.recent_contact()
    p.state_currencies()  # no amount without its currency
    return p


def render_sample(seed: int = SEED) -> dict[str, str]:
    """File name → CSV text of the sample (what ``write_sample`` writes)."""
    return build_sample(seed).render()


def write_sample(out_dir: str | Path = DEFAULT_DIR, seed: int = SEED) -> list[Path]:
    """Write the sample's six CSV files into ``out_dir`` (created if needed); return their paths."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, text in render_sample(seed).items():
            path = out / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(path)
    except OSError as e:
        raise GenerateError(f"cannot write the sample into {out}: {e}; choose a writable folder with -o") from e
    return paths


def check_sample(directory: str | Path = DEFAULT_DIR, seed: int = SEED) -> list[str]:
    """Compare ``directory`` with a fresh generation; raise :class:`SampleMismatch` naming the files that differ.

    Returns the file names checked. CSV files in ``directory`` that the script does not write count as extra.
    """
    d = Path(directory)
    expected = render_sample(seed)
    bad = []
    for name, text in expected.items():
        path = d / name
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            bad.append(name)
    if d.is_dir():
        bad += sorted(f.name for f in d.iterdir() if f.is_file() and f.name not in expected
                      and not f.name.startswith((".", "_")))
    if bad:
        raise SampleMismatch(bad, str(d))
    return list(expected)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m stakegraph.samples.sample [-o DIR] [--check]``: write (or check) the sample; silent on success."""
    parser = argparse.ArgumentParser(prog="python -m stakegraph.samples.sample", description=__doc__)
    parser.add_argument("-o", "--out", default=str(DEFAULT_DIR), help="output folder (default: data/sample)")
    parser.add_argument("--check", action="store_true", help="verify the folder instead of writing it")
    args = parser.parse_args(argv)
    if args.check:
        try:
            check_sample(args.out)
        except SampleMismatch as e:
            parser.exit(1, f"error: {e}\n")
        return 0
    write_sample(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
