"""Detect a text file's encoding among the three we accept: UTF-8, UTF-8 with BOM, GB18030/GBK.

Rules (deterministic, no guessing library):

1. A UTF-8 BOM → ``utf-8-sig`` (the BOM never reaches the first header name).
2. A UTF-16/UTF-32 BOM or NUL bytes → refused (that is UTF-16/32 or binary).
3. The whole file decodes as strict UTF-8 → ``utf-8``.
4. Else the whole file decodes as strict GB18030 (a superset of GBK and GB2312)
   *and* reads like Chinese: at least 80 % of its non-ASCII characters are in
   the GB2312 double-byte range (common hanzi and CJK punctuation) → ``gb18030``.
   This refuses Latin-1/Windows-1252 text such as ``Müller``, whose bytes also
   happen to form valid but rare GBK characters.
5. Anything else is refused with :class:`stakegraph.loaders.errors.EncodingRefused`, naming the encodings tried.

Never ``errors="replace"``: a file is either decoded exactly or refused.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from stakegraph.loaders.compressed import open_bytes
from stakegraph.loaders.errors import EncodingRefused

TRIED = "UTF-8, UTF-8 with BOM, GB18030/GBK"
_FIX = "save the file as UTF-8 (in Excel: Save As → 'CSV UTF-8')"
_CHUNK = 1 << 20
_GB_SHARE = 0.8


def detect_encoding(path: str | Path, *, label: str | None = None) -> str:
    """Return ``"utf-8"``, ``"utf-8-sig"`` or ``"gb18030"`` for ``path``, or raise ``EncodingRefused``.

    The file is read once in chunks (memory stays flat).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> _ = open(p, "wb").write("名称\\n中国银行\\n".encode("gb18030"))
    >>> detect_encoding(p)
    'gb18030'
    """
    name = label or Path(path).name
    with open_bytes(Path(path), name) as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        _check(path, "utf-8-sig", name)
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise EncodingRefused("starts with a UTF-32 byte-order mark; tried " + TRIED, file=name, fix=_FIX)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EncodingRefused("starts with a UTF-16 byte-order mark; tried " + TRIED, file=name, fix=_FIX)
    if _check(path, "utf-8", name, strict=False):
        return "utf-8"
    if _check(path, "gb18030", name, strict=False) and _reads_like_chinese(path):
        return "gb18030"
    raise EncodingRefused(
        "is not valid text in any accepted encoding (tried " + TRIED + "); it may be Latin-1/Windows-1252,"
        " UTF-16 or binary", file=name, fix=_FIX,
    )


def _check(path: str | Path, encoding: str, name: str, *, strict: bool = True) -> bool:
    """Decode the whole file strictly; NUL bytes are refused (UTF-16 without BOM, binary)."""
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with open_bytes(Path(path), name) as f:
            while chunk := f.read(_CHUNK):
                if b"\x00" in chunk:
                    raise EncodingRefused(
                        "contains NUL bytes (UTF-16 without a byte-order mark, or a binary file); tried " + TRIED,
                        file=name, fix=_FIX,
                    )
                dec.decode(chunk)
            dec.decode(b"", final=True)
    except UnicodeDecodeError as e:
        if strict:
            raise EncodingRefused(f"invalid {encoding} bytes ({e.reason}); tried " + TRIED, file=name,
                                  fix=_FIX) from e
        return False
    return True


def _reads_like_chinese(path: str | Path) -> bool:
    common = other = 0
    dec = codecs.getincrementaldecoder("gb18030")(errors="strict")
    with open_bytes(Path(path)) as f:
        while chunk := f.read(_CHUNK):
            for ch in dec.decode(chunk):
                if ch < "\x80":
                    continue
                b = ch.encode("gb18030")
                if len(b) == 2 and 0xA1 <= b[0] <= 0xF7 and 0xA1 <= b[1] <= 0xFE:
                    common += 1
                else:
                    other += 1
    total = common + other
    return total == 0 or common / total >= _GB_SHARE
