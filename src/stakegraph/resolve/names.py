"""Party names made comparable across scripts and spellings: transliterated, legal forms stripped.

The comparison keys of one party (:func:`party_row`) are what the matcher compares:

* ``name``: the English name (``name_en``) where the record has one, else the display name,
  transliterated to ASCII (ICU via :mod:`normality`: 中国银行 → ``zhong guo yin xing``), lower-cased,
  punctuation dropped, legal-form words removed (:data:`LEGAL_FORMS`);
* ``alt``: the same for the display name when it differs (the transliterated native name);
* ``country``: upper-case ISO code or name; ``lei`` and ``reg``: identifiers where the record has them.

>>> norm_name("BANK OF CHINA LIMITED")
'bank of china'
>>> norm_name("Bank of China Ltd.")
'bank of china'
>>> norm_name("中国银行股份有限公司")
'zhong guo yin xing'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from stakegraph.errors import ResolverUnavailable

__all__ = ["LEGAL_FORMS", "NATIVE_LEGAL_FORMS", "norm_name", "party_row", "transliterate"]

#: Legal-form words dropped from names (after lower-casing and transliteration), any position.
LEGAL_FORMS: frozenset[str] = frozenset({
    "limited", "ltd", "co", "company", "corp", "corporation", "inc", "incorporated", "plc", "llc", "llp", "lp",
    "sa", "ag", "gmbh", "bv", "nv", "spa", "srl", "sarl", "pte", "pty", "bhd", "berhad", "tbk", "pt",
    "pvt", "private", "jsc", "pjsc", "ojsc", "oao", "zao", "ooo", "kk", "ab", "as", "asa", "oy", "oyj", "the", "and", "&",
})
#: Legal-form endings in Chinese/Japanese script, stripped before transliteration (longest first).
NATIVE_LEGAL_FORMS: tuple[str, ...] = ("股份有限公司", "有限责任公司", "有限公司", "株式会社", "公司")
_DOTTED = re.compile(r"\b(\w)\.(\w)\b\.?")  # S.A. → SA, N.V. → NV
_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def transliterate(text: str) -> str:
    """``text`` in ASCII (ICU transliteration through :mod:`normality`)."""
    try:
        from normality import ascii_text
    except ImportError as e:  # pragma: no cover - the resolve extra is in dev
        raise ResolverUnavailable("entity resolution needs the resolve extra (normality)",
                                  fix="pip install 'stakegraph[resolve]'") from e
    return ascii_text(text) or ""


def norm_name(name: Any) -> str:
    """The comparable form of a party name (see the module docstring); ``""`` for none."""
    s = str(name or "").strip()
    for form in NATIVE_LEGAL_FORMS:
        if s.endswith(form) and len(s) > len(form):
            s = s[: -len(form)]
            break
    s = _PUNCT.sub(" ", _DOTTED.sub(r"\1\2", transliterate(s).lower()))
    words = [w for w in _SPACE.split(s) if w and w not in LEGAL_FORMS]
    return " ".join(words)


def _ident(v: Any) -> str | None:
    s = re.sub(r"[\s\-./]", "", str(v or "")).upper()
    return s or None


def party_row(nid: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """The comparison record of one party node: ``unique_id``, ``source`` and the keys above."""
    display = norm_name(props.get("name"))
    en = norm_name(props.get("name_en")) if props.get("name_en") else ""
    name = en or display
    country = str(props.get("country") or "").strip().upper() or None
    return {
        "unique_id": nid,
        "source": str(props.get("source_file") or props.get("load_id") or "unknown"),
        "name": name or None,
        "alt": display if display and display != name else None,
        "country": country,
        "lei": _ident(props.get("lei")),
        "reg": _ident(props.get("registration_number") or props.get("reg_no")),
        "block": name.replace(" ", "")[:5] or None,
    }
