"""Fictional names in Chinese with their English form, drawn deterministically.

Every organisation name is composed from a made-up brand (two syllables), an
industry word and a legal-form suffix, so that no generated name is meant to be
a real company; persons get a common surname and given name with pinyin.
"""

from __future__ import annotations

import random

#: Brand syllables: (汉字, pinyin).
SYLLABLES: tuple[tuple[str, str], ...] = (
    ("瑞", "Rui"), ("恒", "Heng"), ("达", "Da"), ("丰", "Feng"), ("泰", "Tai"), ("信", "Xin"),
    ("远", "Yuan"), ("鑫", "Xin"), ("安", "An"), ("博", "Bo"), ("辰", "Chen"), ("盛", "Sheng"),
    ("宏", "Hong"), ("嘉", "Jia"), ("隆", "Long"), ("昌", "Chang"), ("汇", "Hui"), ("润", "Run"),
    ("腾", "Teng"), ("晟", "Sheng"), ("融", "Rong"), ("弘", "Hong"), ("锦", "Jin"), ("澜", "Lan"),
    ("峰", "Feng"), ("航", "Hang"), ("源", "Yuan"), ("启", "Qi"), ("中", "Zhong"), ("新", "Xin"),
    ("明", "Ming"), ("越", "Yue"), ("科", "Ke"), ("诚", "Cheng"), ("德", "De"), ("朗", "Lang"),
)

#: Industry words: (汉字, English, sector).
INDUSTRIES: tuple[tuple[str, str, str], ...] = (
    ("新能源", "New Energy", "energy"), ("科技", "Technology", "technology"), ("电子", "Electronics", "electronics"),
    ("材料", "Materials", "materials"), ("机械", "Machinery", "machinery"), ("物流", "Logistics", "logistics"),
    ("化工", "Chemicals", "chemicals"), ("电力", "Power", "power"), ("建设", "Construction", "construction"),
    ("通信", "Communications", "telecom"), ("汽车零部件", "Auto Parts", "automotive"),
    ("医药", "Pharmaceuticals", "healthcare"), ("食品", "Foods", "food"), ("纺织", "Textiles", "textiles"),
    ("光伏", "Solar", "energy"), ("半导体", "Semiconductor", "technology"),
)

SUFFIXES: tuple[tuple[str, str], ...] = (
    ("有限公司", "Co., Ltd."), ("股份有限公司", "Holdings Co., Ltd."), ("集团", "Group"),
)

SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"),
    ("胡", "Hu"), ("朱", "Zhu"), ("高", "Gao"), ("林", "Lin"), ("何", "He"), ("郭", "Guo"),
)

GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("磊", "Lei"),
    ("强", "Qiang"), ("洋", "Yang"), ("艳", "Yan"), ("勇", "Yong"), ("军", "Jun"), ("杰", "Jie"),
    ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"), ("建华", "Jianhua"), ("晓东", "Xiaodong"),
)

#: English-only name parts for international institutions.
EN_PREFIXES: tuple[str, ...] = (
    "Northbridge", "Harbourline", "Meridian", "Silverlake", "Crestmoor", "Westhaven", "Aldgate", "Bluewater",
    "Kingsford", "Stonegate", "Fairmont", "Oakridge", "Brightwater", "Eastmere", "Highcliff", "Redwood",
    "Larkspur", "Ironbridge", "Greenhollow", "Whitmore",
)


class NameMaker:
    """Draws unique fictional names from a seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make: object) -> tuple[str, str]:
        for _ in range(10_000):
            zh, en = make()  # type: ignore[operator]
            if zh not in self.used:
                self.used.add(zh)
                return zh, en
        raise RuntimeError("name pool exhausted")  # pragma: no cover - pools are far larger than needed

    def brand(self) -> tuple[str, str]:
        (a, pa), (b, pb) = self.rng.sample(SYLLABLES, 2)
        return a + b, pa + pb.lower()

    def company(self, industry: tuple[str, str, str] | None = None) -> tuple[str, str, str]:
        """``(中文名, English name, sector)`` of a company."""
        ind = industry or self.rng.choice(INDUSTRIES)

        def make() -> tuple[str, str]:
            (bz, be), (sz, se) = self.brand(), self.rng.choice(SUFFIXES)
            return f"{bz}{ind[0]}{sz}", f"{be} {ind[1]} {se}"

        zh, en = self._unique(make)
        return zh, en, ind[2]

    def chinese_institution(self, zh_word: str, en_word: str) -> tuple[str, str]:
        """A Chinese institution name such as ``瑞恒银行`` / ``Ruiheng Bank``."""

        def make() -> tuple[str, str]:
            bz, be = self.brand()
            return f"{bz}{zh_word}", f"{be} {en_word}"

        return self._unique(make)

    def english_institution(self, word: str) -> str:
        """An English-only name such as ``Northbridge Development Bank``."""

        def make() -> tuple[str, str]:
            name = f"{self.rng.choice(EN_PREFIXES)} {word}"
            return name, name

        return self._unique(make)[0]

    def person(self) -> tuple[str, str]:
        """``(中文姓名, pinyin)`` of a person."""

        def make() -> tuple[str, str]:
            (s, ps), (g, pg) = self.rng.choice(SURNAMES), self.rng.choice(GIVEN)
            if self.rng.random() < 0.5:
                (g2, pg2) = self.rng.choice(GIVEN)
                g, pg = g + g2, pg + pg2.lower()
            return s + g, f"{ps} {pg}"

        return self._unique(make)
