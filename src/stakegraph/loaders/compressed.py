"""Compressed inputs: ``.csv.gz``, ``.tsv.xz``, ``.jsonl.gz``, … are read as the file inside.

The one place that opens an input file's bytes (:func:`open_bytes`): the compression comes from the
content (gzip ``1f 8b``, xz ``fd 37 7a 58 5a 00``), never from the name alone, and the decompressed
stream is bounded while it is read: more than ``max_unpacked_bytes`` in all, or more than
``max_compression_ratio`` times the compressed size once past 1 MiB, stops the read with
:class:`stakegraph.loaders.errors.BoundExceeded` (a decompression bomb is refused before it fills
memory or disk). :func:`data_suffix` is the format extension under the compression one
(``a.csv.gz`` → ``.csv``), :func:`plain_name` the name without it (what mapping globs also match).
"""

from __future__ import annotations

import gzip
import io
import lzma
import zlib
from pathlib import Path
from typing import IO

from stakegraph.loaders.bounds import current, setting
from stakegraph.loaders.errors import BoundExceeded, FileFormatError

#: Compression extensions read transparently.
COMPRESSED = (".gz", ".xz")
_MAGIC = {b"\x1f\x8b": "gzip", b"\xfd7zXZ\x00": "xz"}
_RATIO_FLOOR = 1 << 20  # below this many unpacked bytes the ratio is not checked


def compression(path: Path) -> str | None:
    """``"gzip"``, ``"xz"`` or ``None`` from the file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(6)
    return next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None)


def data_suffix(path: Path | str) -> str:
    """The format extension: ``a.csv.gz`` → ``.csv``, ``a.json`` → ``.json`` (lower case)."""
    p = Path(path)
    if p.suffix.lower() in COMPRESSED:
        p = p.with_suffix("")
    return p.suffix.lower()


def plain_name(name: str) -> str:
    """``name`` without a compression extension (``a.csv.xz`` → ``a.csv``)."""
    for ext in COMPRESSED:
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


class _Bounded(io.RawIOBase):
    """A decompressing stream that refuses to unpack past the bounds (counted as it reads)."""

    def __init__(self, inner: IO[bytes], packed: int, label: str) -> None:
        self.inner = inner
        self.packed = max(packed, 1)
        self.label = label
        self.done = 0
        b = current()
        self.limit = b.max_unpacked_bytes
        self.ratio = b.max_compression_ratio

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        try:
            data = self.inner.read(len(buf))
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as e:
            raise FileFormatError(f"is a damaged compressed file ({type(e).__name__}: {e})", file=self.label,
                                  fix="compress the file again (gzip or xz), or give it uncompressed") from e
        n = len(data)
        buf[:n] = data
        self.done += n
        if self.done > self.limit:
            raise BoundExceeded(f"unpacks to more than {self.limit:,} bytes, the bound "
                                f"({setting('max_unpacked_bytes')})", file=self.label,
                                fix=f"split the file, or raise {setting('max_unpacked_bytes')} "
                                    "(docs/loading.md, 'Bounds') if the data is genuine")
        if self.done > _RATIO_FLOOR and self.done > self.ratio * self.packed:
            raise BoundExceeded(f"unpacks to more than {self.ratio:g} times its compressed size of "
                                f"{self.packed:,} bytes ({setting('max_compression_ratio')}); "
                                "it looks like a decompression bomb", file=self.label,
                                fix=f"give the file uncompressed, or raise {setting('max_compression_ratio')} "
                                    "(docs/loading.md, 'Bounds') if the data is genuine")
        return n

    def close(self) -> None:
        self.inner.close()
        super().close()


def open_bytes(path: Path, label: str | None = None) -> IO[bytes]:
    """The file's bytes, decompressed (within the bounds) when it is gzip or xz."""
    kind = compression(path)
    if kind is None:
        return open(path, "rb")  # noqa: SIM115 (the caller closes it)
    inner: IO[bytes] = gzip.open(path, "rb") if kind == "gzip" else lzma.open(path, "rb")  # type: ignore[assignment]
    return io.BufferedReader(_Bounded(inner, path.stat().st_size, label or path.name), 1 << 16)
