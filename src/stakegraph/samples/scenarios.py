"""The six scenarios of the domain reference (shared/reference/domain.md), with fixed ids.

Each function adds one scenario to a :class:`~stakegraph.samples.portfolio.Portfolio`
and uses only hand-chosen values, so tests, analytics, the API and the views can
name its parties and check its facts. All names are fictional.
"""

from __future__ import annotations

from stakegraph.samples.portfolio import Portfolio

#: Scenario 3: the sales of tech_co to its current (active) customers, in CNY per year.
#: The five largest (tech_cust_1…5) are 433,800,000 of 500,000,000 = 86.76 %.
TECH_TOP5: tuple[int, ...] = (150_000_000, 120_000_000, 90_560_000, 60_000_000, 13_240_000)
TECH_SMALL: tuple[int, ...] = (
    9_800_000, 8_700_000, 7_600_000, 6_900_000, 6_100_000, 5_500_000,
    5_000_000, 4_600_000, 4_100_000, 3_400_000, 2_800_000, 1_700_000,
)
#: The key customer lost after the supply-chain delay (relationship status ``ended``). Its value is
#: chosen so that CR-5 is 86.76 % both over active customers and over all buys_from edges:
#: (433.8 − 13.24 + 100) / 600 = 0.8676.
TECH_LOST: int = 100_000_000
#: The day the key customer left (after the supply-chain delay of 2025-10-20).
TECH_LOST_END: str = "2026-02-28"
#: When tech_co won each key customer (tech_cust_1…5; the small ones date from 2016–2017) and the key
#: customer later lost: each win moves sales into the top five, so CR-5 rises year by year (71.24 % at
#: the end of 2018, 80.08 % 2019, 82.91 % 2020–21, 85.29 % 2022–23) to 86.76 % once tech_cust_1 is won in
#: 2024, and stays there when the lost customer leaves (see TECH_LOST).
TECH_WON: tuple[str, ...] = ("2024-03-01", "2022-02-01", "2020-04-01", "2018-03-01", "2016-01-01")
TECH_LOST_WON: str = "2019-05-01"
TECH_SALES: int = sum(TECH_TOP5) + sum(TECH_SMALL)

ENERGY_PLANTS: tuple[tuple[str, str, str, str, str, float, float], ...] = (
    # id suffix, name, country, region, sector, capacity MW, total cost USD
    ("1", "Thar Desert Solar 1 (Pakistan)", "PK", "South Asia", "solar", 300.0, 270_000_000.0),
    ("2", "Mekong Delta Wind (Viet Nam)", "VN", "South-East Asia", "wind", 200.0, 310_000_000.0),
    ("3", "Benban Solar Extension (Egypt)", "EG", "Middle East & North Africa", "solar", 250.0, 215_000_000.0),
    ("4", "Zhanatas Steppe Wind (Kazakhstan)", "KZ", "Central Asia", "wind", 150.0, 240_000_000.0),
    ("5", "Sumatra Run-of-River Hydro (Indonesia)", "ID", "South-East Asia", "hydro", 90.0, 185_000_000.0),
    ("6", "Piauí Solar Park (Brazil)", "BR", "Latin America", "solar", 220.0, 180_000_000.0),
)
ENERGY_LENDERS: tuple[tuple[str, str, str, str, float], ...] = (
    # id, name, kind, name_en, share of each plant's debt
    ("dev_bank_1", "Silk Road Development Bank", "development_bank", "", 0.25),
    ("dev_bank_2", "Meridian Infrastructure Investment Bank", "development_bank", "", 0.15),
    ("policy_bank_1", "国开政策银行", "policy_bank", "Guokai Policy Bank", 0.20),
    ("bank_1", "瑞丰银行", "bank", "Ruifeng Bank", 0.15),
    ("bank_2", "Harbourline Bank", "bank", "", 0.10),
    ("bank_3", "汇泰银行", "bank", "Huitai Bank", 0.10),
    ("bank_4", "Aldgate Commercial Bank", "bank", "", 0.05),
)
#: Scenario 1: A Co.'s working-capital loan and its cross-default threshold (below the recalled 500,000).
A_WC_LOAN: int = 450_000
A_CROSS_DEFAULT: int = 300_000
#: The day B Bank recalled the loan: the loan agreement was terminated and B Bank's credit line to A Co.
#: (``r_ab_credit_line``) cancelled that day (their end_date). The recalled 500,000 is still owed
#: (``r_ab_loan``, status ``recalled``, no end date: overdue and disputed in 2026); maturity was 2025-05-10.
A_RECALL: str = "2023-04-10"
#: The sample's "today": every dated event is on or before it, and the last one is on it.
AS_OF: str = "2026-06-30"

#: Scenario 5: mgmt_client's customers (name, CNY a year, since, left) and its order changes (% on the period
#: before): orders grow until the CEO change of 2025-11-17, then fall each quarter and two customers leave.
MGMT_CUSTOMERS: tuple[tuple[str, int, str, str | None], ...] = (
    ("Pinbian Customer 1", 120_000_000, "2019-04-01", None),
    ("Pinbian Customer 2", 95_000_000, "2019-09-01", "2026-02-27"),
    ("Pinbian Customer 3", 80_000_000, "2020-03-01", None),
    ("Pinbian Customer 4", 64_000_000, "2020-11-01", None),
    ("Pinbian Customer 5", 52_000_000, "2021-06-01", "2026-05-29"),
    ("Pinbian Customer 6", 40_000_000, "2022-02-01", None),
)
MGMT_ORDERS: tuple[tuple[str, str, int, str], ...] = (
    ("s_mgmt_orders_2023", "2023-12-31", 7, "年度订单量增长7% (orders up 7% on 2022)"),
    ("s_mgmt_orders_2024", "2024-12-31", 5, "年度订单量增长5% (orders up 5% on 2023)"),
    ("s_mgmt_orders_2025q4", "2025-12-31", -2, "新任CEO后订单环比下降2% (orders down 2% after the CEO change)"),
    ("s_mgmt_orders_2026q1", "2026-03-31", -4, "订单环比下降4%，客户2流失 (orders down 4%; customer 2 left)"),
    ("s_mgmt_orders_2026q2", "2026-06-30", -8, "订单环比下降8%，客户5流失 (orders down 8%; customer 5 left)"),
)

ENERGY_REPAYMENT = ("sculpted repayment: instalments follow each plant's cash flow; "
                    "schedule may be re-profiled up to 2 years and the margin reset every 5 years by majority lenders")


def scenario_1(p: Portfolio) -> None:
    """A Co. borrows 500,000 from B Bank; funds diverted, statements falsified, loan recalled; new investor."""
    p.party("b_bank", "B银行", "bank", country="CN", name_en="B Bank", region="East Asia", sector="banking",
            total_assets=1_250_000_000, capital=98_000_000, tier1_capital=86_000_000, external_assets=1_180_000_000,
            external_liabilities=1_120_000_000, debt_to_asset=0.92, net_margin=0.21, credit_rating="A",
            replaceability=0.6, size_segment="mid", risk_appetite="conservative", annual_revenue=61_000_000)
    p.party("a_co", "A公司", "corporate", country="CN", name_en="A Co., Ltd.", region="East Asia",
            sector="machinery", total_assets=8_200_000, capital=900_000, external_assets=6_900_000,
            external_liabilities=7_300_000, debt_to_asset=0.89, net_margin=-0.04, credit_rating="B",
            lifecycle_stage="decline", replaceability=0.9, size_segment="sme", risk_appetite="aggressive",
            annual_revenue=12_000_000)
    p.party("a_rural_bank", "兴城农村商业银行", "bank", country="CN", name_en="Xingcheng Rural Commercial Bank",
            region="East Asia", sector="banking", total_assets=3_400_000_000, capital=260_000_000,
            tier1_capital=231_000_000, external_assets=3_200_000_000, external_liabilities=2_900_000_000,
            debt_to_asset=0.92, net_margin=0.15, credit_rating="BBB", replaceability=0.8, size_segment="mid",
            risk_appetite="balanced", annual_revenue=150_000_000)
    p.party("a_new_investor", "新程产业投资基金", "fund", country="CN", name_en="Xincheng Industrial Investment Fund",
            sector="private_equity", total_assets=640_000_000, capital=600_000_000, credit_rating="BBB+",
            size_segment="mid", risk_appetite="balanced")
    p.contract("k_ab_loan", "B银行–A公司设备贷款合同", "loan_agreement", signed_date="2022-05-10",
               end_date=A_RECALL, amount=500_000, currency="CNY", status="terminated",
               cross_default_threshold=100_000,
               covenants=["use of proceeds: new equipment only", "quarterly financial statements",
                          "no further borrowing without consent"],
               scope="purchase and installation of a new stamping line", payment_terms="quarterly instalments")
    loan = p.rel("lends_to", "b_bank", "a_co", rid="r_ab_loan", amount=500_000, currency="CNY",
                 start_date="2022-05-10", status="recalled", contract_id="k_ab_loan",
                 tenor_years=3, rate=0.0435, recovery_rate=0.4, cross_default_threshold=100_000)
    p.rel("party_to", "b_bank", "k_ab_loan", rid="r_ab_loan_lender", role="lender")
    p.rel("party_to", "a_co", "k_ab_loan", rid="r_ab_loan_borrower", role="borrower")
    # the lending relationship that ends with the recall: B Bank's revolving credit line, undrawn (amount 0: no
    # exposure, no share of A Co.'s borrowing), cancelled on the recall
    p.rel("lends_to", "b_bank", "a_co", rid="r_ab_credit_line", ref="credit_line", amount=0, currency="CNY",
          start_date="2022-05-10", end_date=A_RECALL, status="cancelled", contract_id="k_ab_loan")
    # A second loan with a cross-default clause: once more than 300,000 of A Co.'s debt is in default (the
    # recalled 500,000 is), this loan is accelerated too, and 950,000 falls due against 900,000 of capital.
    p.contract("k_a_wc_loan", "兴城农商行–A公司流动资金贷款合同", "loan_agreement", signed_date="2021-11-15",
               end_date="2026-11-15", amount=A_WC_LOAN, currency="CNY", status="active",
               cross_default_threshold=A_CROSS_DEFAULT,
               covenants=["cross-default: any other debt above 300,000 in default accelerates this loan",
                          "monthly bank statements"], payment_terms="monthly interest, bullet repayment")
    p.rel("lends_to", "a_rural_bank", "a_co", rid="r_a_wc_loan", amount=A_WC_LOAN, currency="CNY",
          start_date="2021-11-15", end_date="2026-11-15", status="active", contract_id="k_a_wc_loan",
          tenor_years=5, rate=0.052, recovery_rate=0.4, cross_default_threshold=A_CROSS_DEFAULT)
    p.rel("party_to", "a_rural_bank", "k_a_wc_loan", rid="r_a_wc_loan_lender", role="lender")
    p.rel("party_to", "a_co", "k_a_wc_loan", rid="r_a_wc_loan_borrower", role="borrower")
    p.contract("k_a_restructuring", "A公司增资与资产重组协议", "equity_agreement", signed_date="2023-08-01",
               amount=2_000_000, currency="CNY", status="active",
               scope="capital increase and sale of idle assets to repay B Bank")
    p.rel("invests_in", "a_new_investor", "a_co", rid="r_a_new_investor", amount=2_000_000, currency="CNY",
          share_pct=30, start_date="2023-08-01", status="active", contract_id="k_a_restructuring")
    p.rel("party_to", "a_new_investor", "k_a_restructuring", rid="r_a_restr_investor", role="investor")
    p.rel("party_to", "a_co", "k_a_restructuring", rid="r_a_restr_investee", role="investee")
    # A Co.'s partners: the recall spreads to the suppliers that depend on it (share = A Co.'s share of
    # the supplier's sales, so annual_revenue = sales to A Co. / share) and the customers it serves.
    suppliers = (("a_supplier_1", "精工钢材有限公司", "Jinggong Steel Co., Ltd.", 3_200_000, 41.0),
                 ("a_supplier_2", "Larkspur Tooling Ltd.", "", 1_100_000, 18.5),
                 ("a_supplier_3", "安达模具有限公司", "Anda Moulds Co., Ltd.", 650_000, 55.0))
    for sid, name, name_en, rev, share in suppliers:
        total = round(rev * 100 / share)
        p.party(sid, name, "supplier", country="CN" if name_en else "GB", name_en=name_en or None,
                sector="materials", total_assets=round(total * 0.8), capital=round(total * 0.3), replaceability=0.7,
                size_segment="sme", annual_revenue=total)
        p.rel("supplies", sid, "a_co", annual_revenue=rev, start_date="2019-03-01", status="active")
    for cid, name, name_en, rev in (("a_customer_1", "远航家电有限公司", "Yuanhang Appliances Co., Ltd.", 5_400_000),
                                    ("a_customer_2", "Eastmere Fittings plc", "", 2_300_000)):
        p.party(cid, name, "corporate", country="CN" if name_en else "GB", name_en=name_en or None,
                sector="manufacturing", total_assets=rev * 6, capital=rev * 2, size_segment="mid",
                annual_revenue=rev * 8)
        p.rel("buys_from", cid, "a_co", annual_revenue=rev, revenue_share_pct=round(rev * 100 / 12_000_000, 2),
              start_date="2020-01-01", status="active")
    signals = (
        ("s_a_funds_diverted", "funds_diverted", "2022-09-30", 150_000, 0.8, "部分设备贷款被挪用于偿还其他债务 (part of the loan diverted)"),
        ("s_a_missed_milestone", "missed_milestone", "2022-12-15", 75, 0.6, "新产线安装延误75天 (installation 75 days late)"),
        ("s_a_payment_delay", "payment_delay", "2023-01-20", 32, 0.5, "Q4 instalment paid 32 days late"),
        ("s_a_statement_irregularity", "statement_irregularity", "2023-03-20", 1_800_000, 0.9, "财务报表收入虚增 (revenue overstated)"),
        ("s_a_loan_recall", "loan_recall", A_RECALL, 500_000, 1.0, "B银行提前收回贷款 (loan recalled early)"),
    )
    for sid, kind, date, value, sev, note in signals:
        p.signal(sid, kind, date, "a_co", counterparty_id="b_bank", relationship_id=loan, value=value,
                 severity=sev, note=note)
    meetings = (("2022-05-06", "visit", "贷前实地考察"), ("2022-10-12", "meeting", "用款情况核查"),
                ("2023-03-28", "meeting", "财务报表问询"), (A_RECALL, "email", "提前还款通知"))
    for i, (date, kind, name) in enumerate(meetings, 1):
        p.interaction(f"i_ab_{i}", kind, date, "a_co", counterparty_id="b_bank", relationship_id=loan,
                      channel="in person" if kind != "email" else "email", name=name)
    p.interaction("i_a_investor_1", "meeting", "2023-07-05", "a_co", counterparty_id="a_new_investor",
                  channel="in person", name="引入新投资方谈判 (new investor negotiation)")
    # still open as of the sample's "today" (AS_OF): the recalled balance is overdue and disputed
    for sid, kind, date, value, sev, note in (
            ("s_a_orders_2025", "order_volume_change", "2025-12-31", -35, 0.7, "订单同比下降35% (orders down 35%)"),
            ("s_a_recall_overdue", "payment_delay", "2026-05-31", 150, 1.0,
             "回收款项逾期150天 (recalled balance 150 days overdue)"),
            ("s_a_recall_dispute", "dispute", "2026-06-18", 500_000, 0.8,
             "A公司对罚息提出异议 (A Co. disputes the penalty interest)")):
        p.signal(sid, kind, date, "a_co", counterparty_id=None if kind == "order_volume_change" else "b_bank",
                 relationship_id=None if kind == "order_volume_change" else loan, value=value, severity=sev, note=note)
    for i, date in ((5, "2026-01-15"), (6, "2026-05-20")):
        p.interaction(f"i_ab_{i}", "meeting", date, "a_co", counterparty_id="b_bank", relationship_id=loan,
                      channel="in person", name="回收款项还款计划 (repayment plan for the recalled balance)")
    for i, date in enumerate(("2025-09-10", "2026-03-12"), 1):
        p.interaction(f"i_a_wc_{i}", "call", date, "a_co", counterparty_id="a_rural_bank", channel="phone",
                      name="流动资金贷款回访 (working-capital loan follow-up)")


def scenario_2(p: Portfolio) -> None:
    """C Fund invests in D Tech's project under a bet-on agreement; targets missed, dispute, reviews."""
    p.party("c_fund", "C基金", "fund", country="CN", name_en="C Fund", sector="private_equity",
            total_assets=3_000_000_000, capital=2_800_000_000, credit_rating="A-", size_segment="large",
            risk_appetite="aggressive")
    p.party("d_tech", "D科技", "corporate", country="CN", name_en="D Tech", sector="technology",
            total_assets=160_000_000, capital=72_000_000, external_assets=150_000_000, external_liabilities=88_000_000,
            debt_to_asset=0.55, net_margin=0.06, credit_rating="BB", lifecycle_stage="development",
            replaceability=0.5, size_segment="mid", risk_appetite="aggressive", annual_revenue=140_000_000)
    p.project("p_d_tech_line", "D科技智能产线项目 (D Tech smart production line)", country="CN", region="East Asia",
              sector="manufacturing", status="active", total_cost=45_000_000, currency="CNY",
              start_date="2021-03-01", end_date="2024-06-30")
    p.contract("k_bet_on_cd", "C基金–D科技对赌协议", "bet_on_agreement", signed_date="2021-02-20",
               end_date="2024-12-31", amount=20_000_000, currency="CNY", status="renegotiated",
               bet_on_target=15_000_000, bet_on_metric="net_profit", bet_on_buyback=23_000_000,
               covenants=["net profit 2023 >= 15,000,000", "buy-back at 8% a year if the target is missed",
                          "board seat for C Fund"], project_id="p_d_tech_line",
               scope="series B equity for the smart production line")
    inv = p.rel("invests_in", "c_fund", "d_tech", rid="r_cd", amount=20_000_000, currency="CNY", share_pct=12.5,
                start_date="2021-02-20", status="renegotiated", contract_id="k_bet_on_cd",
                bet_on_target=15_000_000, bet_on_buyback=23_000_000)
    p.rel("sponsors", "d_tech", "p_d_tech_line", rid="r_d_tech_sponsors", share_pct=100, start_date="2021-03-01",
          status="active")
    p.rel("party_to", "c_fund", "k_bet_on_cd", rid="r_cd_investor", role="investor")
    p.rel("party_to", "d_tech", "k_bet_on_cd", rid="r_cd_investee", role="investee")
    p.signal("s_d_order_drop", "order_volume_change", "2022-12-31", "d_tech", value=-28, severity=0.5,
             note="下游需求转移，订单同比下降28% (demand shifted)")
    p.signal("s_d_missed_target", "missed_milestone", "2024-03-31", "d_tech", counterparty_id="c_fund",
             relationship_id=inv, value=9_800_000, severity=0.7, note="2023 net profit 9.8m vs target 15m")
    dispute = p.signal("s_cd_dispute", "dispute", "2024-05-15", "d_tech", counterparty_id="c_fund",
                       relationship_id=inv, value=23_000_000, severity=0.8,
                       note="C基金要求回购，双方对业绩口径产生争议 (buy-back invoked, disputed)")
    p.rel("concerns", dispute, "k_bet_on_cd", rid="r_cd_dispute_contract")
    p.interaction("i_cd_invoke", "email", "2024-04-20", "d_tech", counterparty_id="c_fund", relationship_id=inv,
                  channel="email", name="回购通知 (notice invoking the buy-back)")
    p.interaction("i_cd_renegotiation", "meeting", "2024-09-10", "d_tech", counterparty_id="c_fund",
                  relationship_id=inv, channel="in person", name="重新谈判 (renegotiation: target moved to 2025)")
    for i, date in enumerate(("2024-12-15", "2025-03-15", "2025-06-15", "2025-09-15", "2025-12-15", "2026-03-15"), 1):
        p.interaction(f"i_cd_review_{i}", "meeting", date, "d_tech", counterparty_id="c_fund", relationship_id=inv,
                      channel="shared project workspace", name=f"季度业绩回顾 {i} (quarterly review)")
    # the moved target is missed too; C Fund goes to arbitration to enforce the buy-back
    p.signal("s_d_orders_2025", "order_volume_change", "2025-12-31", "d_tech", value=-18, severity=0.4,
             note="订单同比下降18% (orders down 18%)")
    p.signal("s_d_missed_target_2025", "missed_milestone", "2026-03-31", "d_tech", counterparty_id="c_fund",
             relationship_id=inv, value=6_100_000, severity=0.9, note="2025 net profit 6.1m vs moved target 15m")
    p.signal("s_cd_arbitration", "dispute", "2026-05-28", "d_tech", counterparty_id="c_fund", relationship_id=inv,
             value=23_000_000, severity=1.0, note="C基金申请仲裁，要求履行回购 (arbitration to enforce the buy-back)")
    p.interaction("i_cd_arbitration_notice", "email", "2026-05-28", "d_tech", counterparty_id="c_fund",
                  relationship_id=inv, channel="email", name="仲裁通知 (notice of arbitration)")


def scenario_3(p: Portfolio) -> None:
    """tech_co: five largest customers are exactly 86.76 % of sales; one key customer lost after a delay."""
    p.party("tech_co", "科技公司", "corporate", country="CN", name_en="Tech Co.", sector="technology",
            total_assets=900_000_000, capital=380_000_000, external_assets=820_000_000, external_liabilities=450_000_000,
            debt_to_asset=0.5, net_margin=0.09, credit_rating="BBB", lifecycle_stage="maturity", replaceability=0.4,
            size_segment="large", risk_appetite="balanced", annual_revenue=TECH_SALES)
    rels: dict[str, str] = {}
    for i, rev in enumerate(TECH_TOP5 + TECH_SMALL, 1):
        cid = f"tech_cust_{i}"
        p.party(cid, f"科技客户{i}", "corporate", country="CN", name_en=f"Tech Customer {i}", sector="electronics",
                annual_revenue=rev * 12, total_assets=rev * 15, capital=rev * 5,
                size_segment="large" if i <= 5 else "mid")
        rels[cid] = p.rel("buys_from", cid, "tech_co", rid=f"r_tech_cust_{i}", annual_revenue=rev,
                          revenue_share_pct=rev * 100 / TECH_SALES,
                          start_date=TECH_WON[i - 1] if i <= 5 else f"{2016 + i % 2}-{1 + i % 12:02d}-01",
                          status="active")
    p.party("tech_cust_lost", "流失大客户", "corporate", country="US", name_en="Lost Key Customer",
            sector="electronics", annual_revenue=2_400_000_000, total_assets=3_100_000_000, size_segment="large")
    lost = p.rel("buys_from", "tech_cust_lost", "tech_co", rid="r_tech_cust_lost", annual_revenue=TECH_LOST,
                 start_date=TECH_LOST_WON, end_date=TECH_LOST_END, status="ended")
    p.party("tech_supplier_1", "辰芯半导体有限公司", "supplier", country="CN", name_en="Chenxin Semiconductor Co., Ltd.",
            sector="technology", annual_revenue=310_000_000, replaceability=0.2, size_segment="mid")
    sup = p.rel("supplies", "tech_supplier_1", "tech_co", rid="r_tech_chip_supply", annual_revenue=85_000_000,
                start_date="2018-01-01", status="active")
    p.signal("s_tech_supply_delay", "missed_milestone", "2025-10-20", "tech_co", counterparty_id="tech_supplier_1",
             relationship_id=sup, value=42, severity=0.7, note="供应链延误：芯片交付推迟42天 (supply-chain delay)")
    p.interaction("i_tech_complaint", "complaint", "2025-11-05", "tech_co", counterparty_id="tech_cust_lost",
                  relationship_id=lost, channel="email", name="交付延误投诉 (delivery-delay complaint)")
    p.signal("s_tech_lost_customer", "contract_termination", TECH_LOST_END, "tech_co",
             counterparty_id="tech_cust_lost", relationship_id=lost, value=TECH_LOST, severity=0.9,
             note="关键客户终止合作 (key customer lost)")
    # tech_co claims delay damages from the chip supplier, whose deliveries are late again
    p.signal("s_tech_supply_dispute", "dispute", "2026-04-15", "tech_co", counterparty_id="tech_supplier_1",
             relationship_id=sup, value=12_000_000, severity=0.8,
             note="就延误损失索赔产生争议 (dispute over delay damages)")
    p.signal("s_tech_supply_delay_2", "missed_milestone", "2026-05-25", "tech_co", counterparty_id="tech_supplier_1",
             relationship_id=sup, value=21, severity=0.6, note="供应链延误：芯片交付再次推迟21天 (supply-chain delay)")
    # yearly order-volume changes of the five key customers (value = % change on the previous year)
    # 2025: orders fall after the supply-chain delay (the five average -7.8 %: tech_co is in decline)
    changes = {1: (4, 6, -3, 2, 5, 1, -6), 2: (8, -5, 3, 7, -1, 2, -9), 3: (-2, 3, 12, -6, 4, 3, -4),
               4: (5, 9, -4, 1, -8, 2, -12), 5: (0, -3, 2, 15, -12, 5, -8)}
    for i, series in changes.items():
        for year, pct in zip(range(2019, 2026), series, strict=True):
            if f"{year - 1}-12-31" < TECH_WON[i - 1]:
                continue  # a change on the year before needs a full year before it
            p.signal(f"s_tech_orders_{i}_{year}", "order_volume_change", f"{year}-12-31", "tech_co",
                     counterparty_id=f"tech_cust_{i}", relationship_id=rels[f"tech_cust_{i}"], value=pct,
                     severity=min(1.0, abs(pct) / 20), note="年度订单量变化 (%)")


def scenario_4(p: Portfolio) -> None:
    """energy_group's overseas plants: joint facility, political-risk insurance, one EPC, an offtaker each."""
    p.party("energy_group", "国际能源集团", "corporate", country="CN", name_en="International Energy Group",
            sector="energy", total_assets=42_000_000_000, capital=13_500_000_000, external_assets=38_000_000_000,
            external_liabilities=26_000_000_000, debt_to_asset=0.62, net_margin=0.07, credit_rating="A",
            lifecycle_stage="maturity", replaceability=0.3, size_segment="large", risk_appetite="balanced",
            annual_revenue=9_600_000_000)
    for lid, name, kind, name_en, _ in ENERGY_LENDERS:
        big = kind != "bank"
        p.party(lid, name, kind, country="CN" if name_en else "INT", name_en=name_en or None, sector="banking",
                total_assets=(180 if big else 95) * 1_000_000_000, capital=(30 if big else 8) * 1_000_000_000,
                tier1_capital=(28 if big else 7) * 1_000_000_000, external_assets=(160 if big else 86) * 1_000_000_000,
                external_liabilities=(128 if big else 74) * 1_000_000_000, credit_rating="AAA" if big else "A+",
                replaceability=0.3 if big else 0.7, size_segment="large", risk_appetite="conservative",
                gsib=lid == "bank_2")
    p.party("pri_insurer", "Bluewater Political Risk Insurance", "insurer", country="INT", sector="insurance",
            total_assets=24_000_000_000, capital=6_000_000_000, credit_rating="AA", replaceability=0.4, size_segment="large")
    p.party("epc_main", "中远建设工程集团", "epc_contractor", country="CN", name_en="Zhongyuan Construction Engineering Group",
            sector="construction", total_assets=5_400_000_000, capital=1_300_000_000, credit_rating="BBB+",
            replaceability=0.1, size_segment="large", annual_revenue=2_800_000_000)
    p.party("om_energy", "Kingsford Renewable O&M", "om_operator", country="INT", sector="energy",
            total_assets=600_000_000, capital=210_000_000, replaceability=0.6, size_segment="mid")
    p.party("energy_advisor", "Stonegate Legal LLP", "advisor", country="GB", sector="legal", replaceability=0.8)
    p.contract("k_energy_facility", "海外新能源电站银团贷款协议 (overseas renewables joint facility)",
               "facility_agreement", signed_date="2021-06-30", end_date="2039-06-30", amount=1_050_000_000,
               currency="USD", status="active", cross_default_threshold=50_000_000,
               repayment_adjustment=ENERGY_REPAYMENT,
               covenants=["DSCR>=1.20", "LLCR>=1.30", "debt service reserve 6 months", "no change of sponsor control"],
               payment_terms="semi-annual, sculpted")
    p.contract("k_energy_pri", "政治风险保险保单 (political-risk policy)", "insurance_policy", signed_date="2021-06-30",
               end_date="2036-06-30", amount=600_000_000, currency="USD", status="active")
    p.rel("party_to", "energy_group", "k_energy_facility", rid="r_energy_facility_sponsor", role="sponsor")
    p.rel("party_to", "pri_insurer", "k_energy_pri", rid="r_energy_pri_insurer", role="insurer")
    p.rel("party_to", "energy_group", "k_energy_pri", rid="r_energy_pri_insured", role="insured")
    for lid, *_ in ENERGY_LENDERS:
        p.rel("party_to", lid, "k_energy_facility", rid=f"r_energy_facility_{lid}", role="lender")
    for sfx, name, country, region, sector, mw, cost in ENERGY_PLANTS:
        pid = f"p_energy_plant_{sfx}"
        p.project(pid, name, country=country, region=region, sector=sector, status="active", capacity_mw=mw,
                  total_cost=cost, currency="USD", start_date="2021-07-01", end_date="2041-06-30",
                  lending_instrument="project finance")
        p.rel("contract_for", "k_energy_facility", pid, rid=f"r_energy_facility_for_{sfx}")
        p.rel("contract_for", "k_energy_pri", pid, rid=f"r_energy_pri_for_{sfx}")
        p.rel("sponsors", "energy_group", pid, rid=f"r_energy_sponsors_{sfx}", share_pct=100, start_date="2021-07-01",
              status="active")
        debt = cost * 0.7
        for lid, _, _, _, share in ENERGY_LENDERS:
            p.rel("lends_to", lid, pid, rid=f"r_energy_loan_{sfx}_{lid}", amount=round(debt * share),
                  currency="USD", start_date="2021-07-01", end_date="2039-06-30", status="active",
                  contract_id="k_energy_facility", tenor_years=18, rate=0.058 if lid.startswith("bank") else 0.045,
                  recovery_rate=0.55, cross_default_threshold=50_000_000, repayment_adjustment=ENERGY_REPAYMENT)
        p.rel("insures", "pri_insurer", pid, rid=f"r_energy_pri_{sfx}", amount=round(cost * 0.5), currency="USD",
              start_date="2021-07-01", end_date="2036-06-30", status="active", contract_id="k_energy_pri",
              cover="political_risk")
        epc = p.contract(f"k_epc_plant_{sfx}", f"EPC总承包合同 {name}", "epc_contract", signed_date="2021-05-15",
                         end_date="2023-12-31", amount=round(cost * 0.8), currency="USD", status="completed",
                         project_id=pid, scope="engineering, procurement and construction, lump-sum turnkey")
        p.rel("builds", "epc_main", pid, rid=f"r_epc_builds_{sfx}", amount=round(cost * 0.8), currency="USD",
              start_date="2021-07-01", end_date="2023-12-31", status="completed", contract_id=epc)
        p.rel("party_to", "epc_main", epc, rid=f"r_epc_{sfx}_contractor", role="contractor")
        p.rel("party_to", "energy_group", epc, rid=f"r_epc_{sfx}_employer", role="employer")
        p.rel("operates", "om_energy", pid, rid=f"r_om_{sfx}", amount=round(cost * 0.012), currency="USD",
              start_date="2024-01-01", status="active")
        off_id = f"offtaker_{sfx}"
        p.party(off_id, f"{country} National Power Utility", "government", country=country, region=region,
                sector="utilities", credit_rating="BB-" if country in ("PK", "EG") else "BBB-", replaceability=0.2,
                size_segment="large")
        off = p.contract(f"k_offtake_plant_{sfx}", f"购电协议 PPA {name}", "offtake_agreement", signed_date="2021-04-01",
                         end_date="2044-03-31", amount=round(cost * 0.11 * 20), currency="USD", status="active",
                         project_id=pid, payment_terms="monthly capacity and energy payments")
        p.rel("offtakes", off_id, pid, rid=f"r_offtake_{sfx}", annual_revenue=round(cost * 0.11), currency="USD",
              start_date="2024-01-01", end_date="2044-03-31", status="active", contract_id=off, tenor_years=20)
        p.rel("party_to", off_id, off, rid=f"r_offtake_{sfx}_buyer", role="offtaker")
        p.rel("regulates", off_id, pid, rid=f"r_regulates_{sfx}", start_date="2021-04-01", status="active")
        p.rel("partner_of", "energy_advisor", pid, rid=f"r_advisor_{sfx}", role="legal", status="active")
    p.interaction("i_energy_site_visit", "visit", "2022-11-08", "energy_group", counterparty_id="dev_bank_1",
                  channel="in person", name="Lenders' technical adviser site visit")
    p.rel("involves", "i_energy_site_visit", "p_energy_plant_2", rid="r_energy_site_visit_plant")
    p.signal("s_energy_epc_delay", "missed_milestone", "2023-02-28", "epc_main", counterparty_id="energy_group",
             value=60, severity=0.5, note="Plant 4 turbine delivery 60 days late")
    for i, year in enumerate(range(2022, 2027), 1):
        p.interaction(f"i_energy_lenders_{i}", "meeting", f"{year}-03-20", "energy_group", counterparty_id="dev_bank_1",
                      channel="in person", name=f"Annual lenders' meeting {year}")
    p.interaction("i_energy_lenders_call", "call", AS_OF, "energy_group", counterparty_id="dev_bank_1",
                  channel="phone", name="Half-year lenders' call: DSCR test and re-profiling review")


def scenario_5(p: Portfolio) -> None:
    """mgmt_client: sound financials, frequent senior-management changes, stronger terms, a dedicated contact."""
    p.party("mgmt_client", "频变精密制造股份有限公司", "corporate", country="CN",
            name_en="Pinbian Precision Manufacturing Holdings", sector="machinery", total_assets=1_800_000_000,
            capital=820_000_000, external_assets=1_700_000_000, external_liabilities=760_000_000, debt_to_asset=0.42,
            net_margin=0.11, credit_rating="A-", lifecycle_stage="maturity", replaceability=0.6,
            size_segment="large", risk_appetite="balanced", annual_revenue=1_350_000_000)
    p.party("e_bank", "E银行", "bank", country="CN", name_en="E Bank", sector="banking", total_assets=2_600_000_000,
            capital=210_000_000, tier1_capital=185_000_000, external_assets=2_450_000_000,
            external_liabilities=2_230_000_000, debt_to_asset=0.92, net_margin=0.18, credit_rating="A", size_segment="mid",
            risk_appetite="conservative", replaceability=0.6)
    p.party("mgmt_client_contact", "周静", "person", country="CN", name_en="Zhou Jing", title="专属客户经理 (dedicated relationship manager)",
            email="zhou.jing@e-bank.example")
    p.rel("contact_of", "mgmt_client_contact", "mgmt_client", rid="r_mgmt_contact", role="relationship_manager",
          start_date="2021-02-01", status="active")
    p.rel("contact_of", "mgmt_client_contact", "e_bank", rid="r_mgmt_contact_employer", role="employee",
          start_date="2019-07-01", status="active")
    p.contract("k_mgmt_loan", "E银行–频变精密流动资金贷款 (strengthened terms)", "loan_agreement",
               signed_date="2021-03-01", end_date="2028-03-01", amount=150_000_000, currency="CNY", status="active",
               cross_default_threshold=5_000_000,
               covenants=["key-person clause: notify the lender of any senior management change within 5 days",
                          "change of CEO or CFO without consent is an event of default",
                          "monthly management accounts", "debt/EBITDA <= 2.5"])
    loan = p.rel("lends_to", "e_bank", "mgmt_client", rid="r_mgmt_loan", amount=150_000_000, currency="CNY",
                 start_date="2021-03-01", end_date="2028-03-01", status="active", contract_id="k_mgmt_loan",
                 tenor_years=7, rate=0.039, recovery_rate=0.6, cross_default_threshold=5_000_000)
    p.rel("party_to", "e_bank", "k_mgmt_loan", rid="r_mgmt_loan_lender", role="lender")
    p.rel("party_to", "mgmt_client", "k_mgmt_loan", rid="r_mgmt_loan_borrower", role="borrower")
    changes = (("2020-03-16", "CEO", "王磊", "Wang Lei"), ("2021-01-11", "CFO", "李芳", "Li Fang"),
               ("2021-11-02", "CEO", "陈建华", "Chen Jianhua"), ("2022-08-22", "CFO", "赵敏", "Zhao Min"),
               ("2023-05-08", "CEO", "刘晓东", "Liu Xiaodong"), ("2024-02-19", "COO", "孙杰", "Sun Jie"),
               ("2025-01-06", "CFO", "高秀英", "Gao Xiuying"), ("2025-11-17", "CEO", "何振宇", "He Zhenyu"),
               ("2026-04-27", "CFO", "马丽", "Ma Li"))
    for i, (date, title, zh, en) in enumerate(changes, 1):
        pid = f"mgmt_exec_{i}"
        p.party(pid, zh, "person", country="CN", name_en=en, title=title)
        nxt = next((d for d, t, _, _ in changes[i:] if t == title), None)
        p.rel("contact_of", pid, "mgmt_client", rid=f"r_mgmt_exec_{i}", role=title.lower(), start_date=date,
              end_date=nxt, status="ended" if nxt else "active")
        # attached to the loan: its key-person covenant makes every change the lender's business
        p.signal(f"s_mgmt_change_{i}", "management_change", date, "mgmt_client", counterparty_id=pid,
                 relationship_id=loan, value=1, severity=0.5 if title == "COO" else 0.6, note=f"新任{title} {zh} ({en})")
    # its customers: after the CEO change of 2025-11-17 orders fall quarter by quarter and two customers leave
    for i, (name_en, rev, since, left) in enumerate(MGMT_CUSTOMERS, 1):
        cid = f"mgmt_cust_{i}"
        p.party(cid, f"频变客户{i}", "corporate", country="CN", name_en=name_en, sector="machinery",
                annual_revenue=rev * 20, total_assets=rev * 25, capital=rev * 8, size_segment="large")
        p.rel("buys_from", cid, "mgmt_client", rid=f"r_mgmt_cust_{i}", annual_revenue=rev, currency="CNY",
              revenue_share_pct=round(rev * 100 / 1_350_000_000, 2), start_date=since, end_date=left,
              status="ended" if left else "active")
    for sid, date, pct, note in MGMT_ORDERS:
        p.signal(sid, "order_volume_change", date, "mgmt_client", value=pct, severity=min(1.0, abs(pct) / 40) if pct < 0
                 else 0.1, note=note)
    d = 0
    for year in range(2023, 2027):
        for month in range(1, 13):
            if (year, month) > (2026, 6):
                break
            d += 1
            p.interaction(f"i_mgmt_progress_{d}", "meeting" if month % 3 == 0 else "call",
                          f"{year}-{month:02d}-{5 + month % 3 * 7:02d}", "mgmt_client",
                          counterparty_id="mgmt_client_contact", relationship_id=loan,
                          channel="in person" if month % 3 == 0 else "phone", name="月度进展跟踪 (monthly progress review)")


def scenario_6(p: Portfolio) -> None:
    """comm_equip: a loan whose repayment schedule or rate can be renegotiated with market conditions."""
    p.party("comm_equip", "通信设备制造有限公司", "corporate", country="CN",
            name_en="Communications Equipment Manufacturing Co., Ltd.", sector="telecom",
            total_assets=2_300_000_000, capital=760_000_000, external_assets=2_100_000_000,
            external_liabilities=1_250_000_000, debt_to_asset=0.58, net_margin=0.05, credit_rating="BBB",
            lifecycle_stage="maturity", replaceability=0.5, size_segment="large", risk_appetite="balanced",
            annual_revenue=1_900_000_000)
    clause = ("repayment schedule may be extended by up to 24 months and the rate reset to 1-year LPR + 80bp "
              "when orders fall more than 20% or the LPR moves more than 50bp")
    p.contract("k_comm_equip_loan", "通信设备技改贷款合同 (loan with repayment-adjustment clause)", "loan_agreement",
               signed_date="2022-01-18", end_date="2029-01-18", amount=80_000_000, currency="CNY", status="renegotiated",
               repayment_adjustment=clause, cross_default_threshold=10_000_000,
               covenants=["DSCR>=1.3", "net debt/EBITDA <= 3.0"])
    loan = p.rel("lends_to", "policy_bank_1", "comm_equip", rid="r_comm_equip_loan", amount=80_000_000, currency="CNY",
                 start_date="2022-01-18", end_date="2029-01-18", status="active", contract_id="k_comm_equip_loan",
                 tenor_years=7, rate=0.041, recovery_rate=0.5, repayment_adjustment=clause)
    p.rel("party_to", "policy_bank_1", "k_comm_equip_loan", rid="r_comm_equip_lender", role="lender")
    p.rel("party_to", "comm_equip", "k_comm_equip_loan", rid="r_comm_equip_borrower", role="borrower")
    p.signal("s_comm_orders_2023", "order_volume_change", "2023-12-31", "comm_equip", value=-9, severity=0.3,
             note="5G base-station orders down 9%")
    p.signal("s_comm_orders_2024", "order_volume_change", "2024-06-30", "comm_equip", counterparty_id="policy_bank_1",
             relationship_id=loan, value=-22, severity=0.6, note="订单下降22%，触发还款调整条款 (clause triggered)")
    p.interaction("i_comm_renegotiation", "meeting", "2024-09-12", "comm_equip", counterparty_id="policy_bank_1",
                  relationship_id=loan, channel="in person",
                  name="还款计划调整谈判 (schedule extended 12 months, rate reset)")
    for i, date in enumerate(("2025-06-18", "2025-09-16", "2025-12-15", "2026-03-17", "2026-06-16"), 1):
        p.interaction(f"i_comm_review_{i}", "meeting" if i % 2 else "call", date, "comm_equip",
                      counterparty_id="policy_bank_1", relationship_id=loan,
                      channel="in person" if i % 2 else "phone", name="调整后季度监控 (quarterly monitoring)")


SCENARIOS = (scenario_1, scenario_2, scenario_3, scenario_4, scenario_5, scenario_6)


def add_scenarios(p: Portfolio) -> None:
    """Add all six scenarios (scenario 6 uses scenario 4's ``policy_bank_1``)."""
    for scenario in SCENARIOS:
        scenario(p)
