"""The stakegraph domain, declared once as data.

Every other part of stakegraph (loaders, stores, Cypher, API, views) reads the
node types, relationship kinds and properties from here; nothing re-lists them.
The shape follows followthemoney's schema idea: a closed vocabulary of types,
each with typed properties, so that labels and relationship types sent to Neo4j
come only from this list and never from input data.

Conventions
-----------
* Node types are lower-case (``party``); their Neo4j label is ``NodeType.label``
  (``Party``). Every node also carries the label :data:`ENTITY_LABEL` whose
  ``id`` is unique across the whole graph.
* Relationship kinds are lower-case (``lends_to``); their Neo4j type is
  ``RelKind.rel_type`` (``LENDS_TO``).
* A node's subtype (a party's organisation type, an interaction's or signal's
  kind, a contract's type) is stored in the property ``kind``.
* Provenance properties (:data:`PROVENANCE`) are on every node and edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class PropType(StrEnum):
    """Value types a property may hold (all flat, Neo4j-storable)."""

    STR = "str"
    FLOAT = "float"
    INT = "int"
    DATE = "date"  # ISO 8601 yyyy-mm-dd, stored as text
    BOOL = "bool"
    LIST = "list"  # list of strings, stored as a Neo4j list / JSON array


class Direction(StrEnum):
    """Which way a relationship is read."""

    OUT = "out"
    IN = "in"
    BOTH = "both"


@dataclass(frozen=True)
class Prop:
    """A typed property of a node type or relationship kind."""

    name: str
    type: PropType = PropType.STR
    doc: str = ""
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    #: For an amount of money: the property of the same record that holds its currency (ISO 4217).
    currency: str | None = None


@dataclass(frozen=True)
class NodeType:
    """A node type: its label, its allowed subtypes (``kind``) and properties."""

    name: str
    label: str
    doc: str
    kinds: tuple[str, ...]
    props: tuple[Prop, ...]
    default_kind: str | None = None

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)


@dataclass(frozen=True)
class RelKind:
    """A relationship kind: source and target node types, meaning and properties.

    ``weight`` names the property that measures the relationship's size (used by
    concentration and contagion); ``role`` is the stakeholder role the source
    plays towards the target (used to group a project's stakeholders).
    """

    name: str
    rel_type: str
    doc: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    props: tuple[Prop, ...] = ()
    weight: str | None = None
    role: str | None = None
    category: str = "other"

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.all_props if p.name == name), None)

    @property
    def all_props(self) -> tuple[Prop, ...]:
        return COMMON_EDGE_PROPS + self.props + PROVENANCE


ENTITY_LABEL = "Entity"
META_LABEL = "StakegraphMeta"
#: Label of the FX-rate nodes (one per date, currency and base; not entities of the graph).
FX_RATE_LABEL = "FxRate"

PROVENANCE: tuple[Prop, ...] = (
    Prop("source_file", PropType.STR, "File the record was loaded from"),
    Prop("source_row", PropType.INT, "Row (1-based, header = row 1) in that file"),
    Prop("load_id", PropType.STR, "Id of the load that created the record"),
)

ORG_TYPES: tuple[str, ...] = (
    "bank",
    "development_bank",
    "policy_bank",
    "multilateral_agency",
    "bilateral_agency",
    "trust_fund",
    "fund",
    "institutional_investor",
    "corporate",
    "epc_contractor",
    "om_operator",
    "supplier",
    "advisor",
    "insurer",
    "export_credit_agency",
    "government",
    "local_contributor",
    "person",
    "other",
)

LIFECYCLE_STAGES: tuple[str, ...] = ("acquisition", "development", "maturity", "decline", "churn")
INTERACTION_KINDS: tuple[str, ...] = ("meeting", "call", "report", "complaint", "email", "visit")
SIGNAL_KINDS: tuple[str, ...] = (
    "payment_delay",
    "order_volume_change",
    "missed_milestone",
    "management_change",
    "dispute",
    "funds_diverted",
    "statement_irregularity",
    "contract_termination",
    "loan_recall",
)
CONTRACT_TYPES: tuple[str, ...] = (
    "loan_agreement",
    "facility_agreement",
    "equity_agreement",
    "bet_on_agreement",
    "guarantee",
    "insurance_policy",
    "epc_contract",
    "om_contract",
    "supply_contract",
    "offtake_agreement",
    "other",
)

_PARTY_PROPS: tuple[Prop, ...] = (
    Prop("name", PropType.STR, "Display name (any script, e.g. 中国银行)", required=True),
    Prop("name_en", PropType.STR, "English name where the display name is not English"),
    Prop("country", PropType.STR, "Country (ISO code or name)"),
    Prop("region", PropType.STR, "Region"),
    Prop("sector", PropType.STR, "Industry sector"),
    Prop("total_assets", PropType.FLOAT, "Total assets (DebtRank weight)", minimum=0, currency="currency"),
    Prop("capital", PropType.FLOAT, "Capital / equity buffer (loss-absorbing)", minimum=0, currency="currency"),
    Prop("tier1_capital", PropType.FLOAT, "Basel Tier 1 capital (banks)", minimum=0, currency="currency"),
    Prop("external_assets", PropType.FLOAT, "Assets outside the graph (Eisenberg–Noe e_i)", minimum=0, currency="currency"),
    Prop("external_liabilities", PropType.FLOAT, "Liabilities outside the graph", minimum=0, currency="currency"),
    Prop("debt_to_asset", PropType.FLOAT, "Debt-to-asset ratio (0–1)", minimum=0),
    Prop("net_margin", PropType.FLOAT, "Net margin (fraction, may be negative)"),
    Prop("credit_rating", PropType.STR, "Credit rating (e.g. AA, BBB-, B)"),
    Prop("lifecycle_stage", PropType.STR, "Stated lifecycle stage", choices=LIFECYCLE_STAGES),
    Prop("replaceability", PropType.FLOAT, "0 = irreplaceable … 1 = easily replaced", minimum=0, maximum=1),
    Prop("size_segment", PropType.STR, "Size segment", choices=("sme", "mid", "large")),
    Prop("risk_appetite", PropType.STR, "Risk appetite", choices=("conservative", "balanced", "aggressive")),
    Prop("annual_revenue", PropType.FLOAT, "Annual revenue (sales)", minimum=0, currency="currency"),
    Prop("currency", PropType.STR, "Currency (ISO 4217) of the party's figures: total_assets, capital, "
         "tier1_capital, external_assets, external_liabilities, annual_revenue"),
    Prop("gsib", PropType.BOOL, "Global systemically important bank (LEX20)"),
    Prop("email", PropType.STR, "Contact e-mail (persons)"),
    Prop("title", PropType.STR, "Job title (persons)"),
)

_PROJECT_PROPS: tuple[Prop, ...] = (
    Prop("name", PropType.STR, "Project name", required=True),
    Prop("country", PropType.STR, "Host country"),
    Prop("region", PropType.STR, "Region"),
    Prop("sector", PropType.STR, "Sector (solar, wind, hydro, transport, …)"),
    Prop("status", PropType.STR, "Status (pipeline, active, closed, dropped, …)"),
    Prop("capacity_mw", PropType.FLOAT, "Capacity in MW", minimum=0),
    Prop("total_cost", PropType.FLOAT, "Total project cost", minimum=0, currency="currency"),
    Prop("currency", PropType.STR, "Currency of total_cost"),
    Prop("start_date", PropType.DATE, "Approval / start date"),
    Prop("end_date", PropType.DATE, "Closing / end date"),
    Prop("lending_instrument", PropType.STR, "Lending instrument"),
)

_CONTRACT_PROPS: tuple[Prop, ...] = (
    Prop("name", PropType.STR, "Contract name or number", required=True),
    Prop("signed_date", PropType.DATE, "Date signed"),
    Prop("end_date", PropType.DATE, "Maturity / end date"),
    Prop("amount", PropType.FLOAT, "Contract amount", minimum=0, currency="currency"),
    Prop("currency", PropType.STR, "Currency (ISO 4217) of amount, guarantee_cap and the other money"),
    Prop("status", PropType.STR, "Status (active, terminated, disputed, renegotiated, …)"),
    Prop("cross_default_threshold", PropType.FLOAT, "Cross-default: a default on other debt above this amount is a default here", minimum=0, currency="currency"),
    Prop("guarantee_cap", PropType.FLOAT, "Maximum a guarantor pays when called", minimum=0, currency="currency"),
    Prop("bet_on_target", PropType.FLOAT, "Bet-on (valuation-adjustment) performance target, e.g. net profit", minimum=0, currency="currency"),
    Prop("bet_on_metric", PropType.STR, "Metric the bet-on target refers to (net_profit, revenue, ipo_by)"),
    Prop("bet_on_buyback", PropType.FLOAT, "Amount the investee must pay back when the target is missed", minimum=0, currency="currency"),
    Prop("repayment_adjustment", PropType.STR, "Repayment-adjustment clause (schedule or rate renegotiable with market conditions)"),
    Prop("covenants", PropType.LIST, "Covenants (list, e.g. 'DSCR>=1.2')"),
    Prop("scope", PropType.STR, "Scope of work"),
    Prop("payment_terms", PropType.STR, "Payment terms"),
)

_EVENT_PROPS: tuple[Prop, ...] = (
    Prop("name", PropType.STR, "Short title"),
    Prop("date", PropType.DATE, "Date of the event", required=True),
    Prop("party_id", PropType.STR, "The party the event is about", required=True),
    Prop("counterparty_id", PropType.STR, "The other side of the relationship (optional)"),
    Prop("relationship_id", PropType.STR, "The relationship it concerns (optional)"),
    Prop("note", PropType.STR, "Free text"),
)

NODE_TYPES: Mapping[str, NodeType] = {
    t.name: t
    for t in (
        NodeType("party", "Party", "An organisation or person: sponsor, lender, investor, partner, customer, insurer, government", ORG_TYPES, _PARTY_PROPS, "corporate"),
        NodeType("project", "Project", "A financed project (plant, facility, programme)", ("project",), _PROJECT_PROPS, "project"),
        NodeType("contract", "Contract", "A contract with its parties, project and risk terms", CONTRACT_TYPES, _CONTRACT_PROPS, "other"),
        NodeType(
            "interaction",
            "Interaction",
            "A dated contact: meeting, call, report, complaint",
            INTERACTION_KINDS,
            _EVENT_PROPS + (Prop("channel", PropType.STR, "Channel (in person, phone, workspace, …)"),),
        ),
        NodeType(
            "signal",
            "Signal",
            "A dated early-warning signal about a party or relationship",
            SIGNAL_KINDS,
            _EVENT_PROPS
            + (
                Prop("value", PropType.FLOAT, "Size of the signal: days late, % change in orders, …"),
                Prop("severity", PropType.FLOAT, "0–1 severity", minimum=0, maximum=1),
            ),
        ),
    )
}

COMMON_EDGE_PROPS: tuple[Prop, ...] = (
    Prop("ref", PropType.STR, "Distinguishes several relationships of one kind between the same two nodes"),
    Prop("amount", PropType.FLOAT, "Amount (principal, commitment, cover, contract value)", minimum=0, currency="currency"),
    Prop("currency", PropType.STR, "Currency (ISO 4217) of amount, annual_revenue, guarantee_cap and the other money"),
    Prop("share_pct", PropType.FLOAT, "Share in percent (0–100)", minimum=0, maximum=100),
    Prop("start_date", PropType.DATE, "Start date"),
    Prop("end_date", PropType.DATE, "End / maturity date"),
    Prop("status", PropType.STR, "Status (active, ended, disputed, recalled, …)"),
    Prop("contract_id", PropType.STR, "Contract that governs this relationship"),
)

_P = ("party",)
_PP = ("party", "project")
_PPC = ("party", "project", "contract")

RELATIONSHIP_KINDS: Mapping[str, RelKind] = {
    k.name: k
    for k in (
        RelKind("lends_to", "LENDS_TO", "Lender lends to borrower (party or project)", _P, _PP,
                (Prop("tenor_years", PropType.FLOAT, "Tenor in years", minimum=0),
                 Prop("rate", PropType.FLOAT, "Interest rate (fraction)"),
                 Prop("recovery_rate", PropType.FLOAT, "Expected recovery on default (0–1)", minimum=0, maximum=1),
                 Prop("cross_default_threshold", PropType.FLOAT, "Cross-default threshold on this loan", minimum=0, currency="currency"),
                 Prop("repayment_adjustment", PropType.STR, "Renegotiable repayment clause")),
                weight="amount", role="lender", category="financing"),
        RelKind("invests_in", "INVESTS_IN", "Equity investor invests in a party or project", _P, _PP,
                (Prop("bet_on_target", PropType.FLOAT, "Bet-on performance target", minimum=0, currency="currency"),
                 Prop("bet_on_buyback", PropType.FLOAT, "Buy-back owed if target missed", minimum=0, currency="currency")),
                weight="amount", role="investor", category="financing"),
        RelKind("sponsors", "SPONSORS", "Sponsor initiates and holds a project", _P, ("project",),
                weight="share_pct", role="sponsor", category="financing"),
        RelKind("guarantees", "GUARANTEES", "Guarantor guarantees the debt of a party or project (amount = cap)", _P, _PP,
                (Prop("guarantee_cap", PropType.FLOAT, "Maximum called", minimum=0, currency="currency"),
                 Prop("guaranteed_share_of_debt", PropType.FLOAT, "Share of the obligor's debt guaranteed (0–100)", minimum=0, maximum=100)),
                weight="amount", role="guarantor", category="financing"),
        RelKind("insures", "INSURES", "Insurer covers a party or project (credit, political risk)", _P, _PP,
                (Prop("cover", PropType.STR, "Cover type (political_risk, credit, construction_all_risk)"),),
                weight="amount", role="insurer", category="financing"),
        RelKind("builds", "BUILDS", "EPC contractor builds a project", _P, ("project",),
                weight="amount", role="epc", category="commercial"),
        RelKind("operates", "OPERATES", "O&M operator runs a project", _P, ("project",),
                weight="amount", role="om", category="commercial"),
        RelKind("supplies", "SUPPLIES", "Supplier supplies a party or project", _P, _PP,
                (Prop("annual_revenue", PropType.FLOAT, "Annual sales to the target", minimum=0, currency="currency"),),
                weight="annual_revenue", role="supplier", category="commercial"),
        RelKind("buys_from", "BUYS_FROM", "Customer buys from a seller (annual_revenue = the seller's sales to it)", _P, _PP,
                (Prop("annual_revenue", PropType.FLOAT, "Seller's annual revenue from this customer", minimum=0, currency="currency"),
                 Prop("revenue_share_pct", PropType.FLOAT, "Share of the seller's sales (0–100)", minimum=0, maximum=100)),
                weight="annual_revenue", role="customer", category="commercial"),
        RelKind("offtakes", "OFFTAKES", "Offtaker buys a project's output", _P, ("project",),
                (Prop("annual_revenue", PropType.FLOAT, "Annual revenue paid to the project", minimum=0, currency="currency"),
                 Prop("tenor_years", PropType.FLOAT, "Offtake tenor in years", minimum=0)),
                weight="annual_revenue", role="offtaker", category="commercial"),
        RelKind("partner_of", "PARTNER_OF", "Partner of a project (implementing agency, advisor, law firm)", _P, _PP,
                (Prop("role", PropType.STR, "Role (implementing_agency, advisor, legal, …)"),),
                role="partner", category="commercial"),
        RelKind("owns", "OWNS", "Owner holds a share of a party or project", _P, _PP,
                weight="share_pct", role="owner", category="control"),
        RelKind("controls", "CONTROLS", "Controller has control (board majority, significant influence)", _P, _PP,
                role="controller", category="control"),
        RelKind("regulates", "REGULATES", "Government body permits, supports or regulates", _P, _PP,
                role="government", category="control"),
        RelKind("party_to", "PARTY_TO", "Party signs a contract in a role", _P, ("contract",),
                (Prop("role", PropType.STR, "Role in the contract (lender, borrower, investor, guarantor, …)"),),
                role="signatory", category="contract"),
        RelKind("contract_for", "CONTRACT_FOR", "Contract concerns a project", ("contract",), ("project",),
                category="contract"),
        RelKind("contact_of", "CONTACT_OF", "Person is the named contact for, or a manager of, an organisation", ("party",), _PPC,
                (Prop("role", PropType.STR, "Role (relationship_manager, ceo, cfo, board, …)"),),
                role="contact", category="people"),
        RelKind("involves", "INVOLVES", "Interaction involves a party", ("interaction",), _PPC, category="event"),
        RelKind("concerns", "CONCERNS", "Signal concerns a party, project or contract", ("signal",), _PPC, category="event"),
    )
}

#: Relationship kinds that carry money towards the target (used by contagion and dependencies).
FINANCING_KINDS: tuple[str, ...] = tuple(k for k, r in RELATIONSHIP_KINDS.items() if r.category == "financing")
COMMERCIAL_KINDS: tuple[str, ...] = tuple(k for k, r in RELATIONSHIP_KINDS.items() if r.category == "commercial")
EVENT_TYPES: tuple[str, ...] = ("interaction", "signal")
#: Relationship kinds by which one party owns or controls another: what makes connected groups
#: (Basel LEX30 control relationships) and what the loader's ownership checks read. Not every
#: ``control`` category kind: ``regulates`` is not ownership.
CONTROL_KINDS: tuple[str, ...] = ("owns", "controls")


@dataclass(frozen=True)
class Domain:
    """The closed vocabulary, bundled for code that takes it as a parameter."""

    node_types: Mapping[str, NodeType] = field(default_factory=lambda: NODE_TYPES)
    rel_kinds: Mapping[str, RelKind] = field(default_factory=lambda: RELATIONSHIP_KINDS)

    def label(self, node_type: str) -> str:
        """Neo4j label of a node type; raises ``KeyError`` for anything outside the domain."""
        return self.node_types[node_type].label

    def rel_type(self, kind: str) -> str:
        """Neo4j relationship type of a kind; raises ``KeyError`` outside the domain."""
        return self.rel_kinds[kind].rel_type

    def kind_of_rel_type(self, rel_type: str) -> str:
        for k in self.rel_kinds.values():
            if k.rel_type == rel_type:
                return k.name
        raise KeyError(rel_type)

    def type_of_label(self, label: str) -> str:
        for t in self.node_types.values():
            if t.label == label:
                return t.name
        raise KeyError(label)


DOMAIN = Domain()

#: Every amount of money the domain declares, by property name: the property holding its currency.
#: (``amount`` → ``currency`` on relationships and contracts, ``total_cost`` → ``currency`` on
#: projects, ``tier1_capital`` → ``currency`` on parties, …). Read by :mod:`stakegraph.money`.
MONEY_PROPS: Mapping[str, str] = {
    p.name: p.currency
    for props in [*(t.props for t in NODE_TYPES.values()), *(k.all_props for k in RELATIONSHIP_KINDS.values())]
    for p in props
    if p.currency
}
