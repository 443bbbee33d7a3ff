"""Re-vendor vis-network: ``python -m stakegraph.viz.assets.vendor [VERSION]`` (needs ``npm``).

Runs ``npm pack vis-network@VERSION`` in a temporary folder, copies the
standalone UMD build (which bundles its own CSS and injects it at load) and the
licence files here, and removes every ``http(s)://`` address from the copy
(they sit only in licence banners and in two error/metadata strings; no address
is ever fetched). Generated pages must name no external host, and the licence
texts stay beside the file.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
URL = re.compile(r"https?://[^\s\"'`)*<>]+")
SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


def sanitise(js: str) -> str:
    r"""The script without URLs or a source-map reference.

    >>> sanitise('a="see https://x.org/y";')
    'a="see [address removed]";\n'
    """
    return SOURCE_MAP.sub("", URL.sub("[address removed]", js)).rstrip() + "\n"


def main(version: str = "9") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"vis-network@{version}"], cwd=tmp, check=True, capture_output=True)
        tgz = next(Path(tmp).glob("vis-network-*.tgz"))
        with tarfile.open(tgz) as tar:
            tar.extractall(tmp, filter="data")
        pkg = Path(tmp) / "package"
        raw = (pkg / "standalone/umd/vis-network.min.js").read_text(encoding="utf-8")
        (HERE / "vis-network.min.js").write_text(sanitise(raw), encoding="utf-8")
        for name in ("LICENSE-APACHE-2.0", "LICENSE-MIT"):
            shutil.copy(pkg / name, HERE / name)
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
        print(f"{tgz.name}: standalone/umd/vis-network.min.js sha256 {digest}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
