"""The documented example queries: GraphiQL opens with them, docs/api.md shows them, tests run them.

Ids come from the bundled sample portfolio (``data/sample/``).
"""

from __future__ import annotations

EXAMPLES: dict[str, str] = {
    "party": """
query Party {
  party(id: "b_bank") {
    id name kind country totalAssets vizUrl
    relationshipCount
    lending: relationships(kinds: [LENDS_TO], direction: OUT, first: 10) {
      totalCount
      edges { node { kind amount currency status target { id name } } }
    }
  }
}""",
    "parties": """
query Parties {
  parties(kind: BANK, first: 20, sort: {field: EXPOSURE, descending: true}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name country exposure relationshipCount } }
  }
}""",
    "project": """
query Project {
  project(id: "p_energy_plant_1") {
    id name country capacityMw vizUrl
    stakeholders { role members { party { id name kind } relationship { kind amount } } }
    contracts { id name kind terms { amount repaymentAdjustment } }
  }
}""",
    "contract": """
query Contract {
  contract(id: "k_bet_on_cd") {
    id name kind
    terms { amount betOnTarget betOnMetric betOnBuyback crossDefaultThreshold covenants }
    parties { role party { id name } }
    project { id name }
  }
}""",
    "relationships": """
query Relationships {
  relationships(filter: {kinds: [LENDS_TO], amountMin: 100000}, sort: {field: AMOUNT, descending: true},
                first: 10) {
    totalCount
    nodes { id kind amount currency status sourceId targetId provenance { loadId sourceFile } }
  }
}""",
    "search": """
query Search {
  search(text: "银行", first: 10) { totalCount nodes { id name type kind } }
}""",
    "neighborhood": """
query Neighborhood {
  neighborhood(id: "a_co", depth: 2, limit: 50) {
    andMore
    nodes { id name type }
    edges { id kind sourceId targetId }
  }
}""",
    "paths": """
query Paths {
  paths(from: "b_bank", to: "a_supplier_1", maxHops: 4, k: 3) {
    length
    nodes { id name }
    edges { kind }
  }
}""",
    "signals": """
query Signals {
  party(id: "a_co") { name signals { kind date severity note } interactions { kind date } }
}""",
    "upsertParty": """
mutation UpsertParty {
  upsertParty(input: {id: "demo_bank", name: "示例银行", kind: BANK, country: "CN",
                      props: {total_assets: 1.5e9}}) {
    ok errors { field message fix } node { id name }
  }
}""",
    "recordSignal": """
mutation RecordSignal {
  recordSignal(input: {kind: PAYMENT_DELAY, date: "2025-03-01", partyId: "a_co", value: 30, severity: 0.6}) {
    ok errors { field message } node { id }
  }
}""",
    "concentration": """
query Concentration {
  concentration(node: "tech_co", kinds: [BUYS_FROM]) {
    analysis parameters
    stamp { algorithm variant parameters graphVersion reference }
    result {
      node name n total hhi crK effectiveNumber note
      shares { counterparty name value pct }
      bands { edition band }
    }
  }
}""",
    "dependencies": """
query Dependencies {
  dependencies(top: 10) {
    stamp { algorithm graphVersion }
    result { rows { articulationPoint impact { node name replaceability moneyStranded weightedStranded } } }
  }
}""",
    "contagion": """
query Contagion {
  contagion(shocks: [{kind: DEFAULT, party: "a_co"}], method: DEBTRANK, variant: BATTISTON2012) {
    parameters
    stamp { algorithm variant parameters graphVersion }
    result {
      __typename
      ... on DebtRankGraphResult { debtrank totalStress additionalDefaults nodes { node name h defaulted } }
      ... on PropagationResult { systemLoss defaults parties { party name loss defaulted } }
    }
  }
}""",
    "health": """
query Health {
  health(asOf: "2026-06-30", threshold: 60) {
    stamp { algorithm graphVersion }
    result { asOf alerts { rank edgeId kind sourceName targetName score reasons } }
  }
}""",
    "lifecycle": """
query Lifecycle {
  lifecycle(node: "tech_co", asOf: "2026-06-30") {
    stamp { algorithm variant }
    result { party name asOf stage rule reason trendPct }
  }
}""",
    "groups": """
query Groups {
  groups(controlThreshold: 50, interdependenceThreshold: 50) {
    result { groups { id name parents members { id name } } groupOf { key value } }
  }
}""",
    "exposures": """
query Exposures {
  exposures(node: "b_bank") {
    stamp { algorithm variant }
    result { lender tier1Capital totalExposure breaches largest { groupId name amount pctTier1 limitPct breach } }
  }
}""",
    "cofinancing": """
query Cofinancing {
  cofinancing(kinds: [LENDS_TO], minShared: 1) {
    result { lenders projects pairs { a b count amount amountOverlap projects } }
  }
}""",
    "centrality": """
query Centrality {
  centrality(top: 5) { result { backend top { node name type betweenness pagerank core } } }
}""",
    "structure": """
query Structure {
  structure { result { nodes relationships components largestComponent isolated nodeTypes { name count } } }
}""",
    "fundingDominators": """
query FundingDominators {
  fundingDominators(node: "p_energy_plant_1") { result { project name chokepoints gateway { key value } } }
}""",
}


def graphiql_tabs() -> list[dict[str, str]]:
    """GraphiQL ``defaultTabs``: one tab per example query."""
    return [{"query": q.strip()} for q in EXAMPLES.values()]
