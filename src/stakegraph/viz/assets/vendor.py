"""Re-vendor vis-network: ``python -m stakegraph.viz.assets.vendor [VERSION]`` (needs ``npm``);
the explorer's WebGL stack: ``python -m stakegraph.viz.assets.vendor explorer`` (see :func:`explorer`).

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


#: The explorer's pinned npm packages (``README.md`` lists the files, hashes and licences).
EXPLORER = {"sigma": "3.0.3", "graphology": "0.26.0", "graphology-layout-forceatlas2": "0.10.1",
            "graphology-utils": "2.5.2", "events": "3.3.0", "esbuild": "0.24.2"}
#: graphology-layout-forceatlas2 ships CommonJS only: one IIFE (global ``graphologyFA2``) is built.
FA2_ENTRY = ('module.exports = { FA2Layout: require("graphology-layout-forceatlas2/worker"), '
             'forceAtlas2: require("graphology-layout-forceatlas2") };\n')
ESBUILD = ["npx", "--no-install", "esbuild", "fa2-entry.js", "--bundle", "--format=iife",
           "--global-name=graphologyFA2", "--minify", "--target=es2017", "--legal-comments=none",
           "--outfile=graphology-layout-forceatlas2.min.js"]


def _copy(raw: str, name: str) -> None:
    (HERE / name).write_text(sanitise(raw), encoding="utf-8")
    print(f"{name}: sha256 of the original {hashlib.sha256(raw.encode('utf-8')).hexdigest()}")


def explorer() -> None:
    """sigma's UMD build, graphology's UMD build and an esbuild IIFE of ForceAtlas2 (web-worker layout)."""
    v = EXPLORER
    with tempfile.TemporaryDirectory() as tmp:
        run = {"cwd": tmp, "check": True, "capture_output": True}
        subprocess.run(["npm", "init", "-y"], **run)  # type: ignore[call-overload]
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--save-exact",  # type: ignore[call-overload]
                        *(f"{k}@{x}" for k, x in v.items())], **run)
        mods = Path(tmp) / "node_modules"
        _copy((mods / "sigma/dist/sigma.min.js").read_text(encoding="utf-8"), "sigma.min.js")
        _copy((mods / "graphology/dist/graphology.umd.min.js").read_text(encoding="utf-8"), "graphology.umd.min.js")
        (Path(tmp) / "fa2-entry.js").write_text(FA2_ENTRY, encoding="utf-8")
        subprocess.run(ESBUILD, **run)  # type: ignore[call-overload]
        _copy((Path(tmp) / "graphology-layout-forceatlas2.min.js").read_text(encoding="utf-8"),
              "graphology-layout-forceatlas2.min.js")
        for pkg in ("sigma", "graphology", "graphology-layout-forceatlas2", "graphology-utils", "events"):
            lic = next(f for f in (mods / pkg).iterdir() if f.name.upper().startswith("LICENSE"))
            shutil.copy(lic, HERE / f"LICENSE-{pkg}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["explorer"]:
        explorer()
    else:
        main(*sys.argv[1:2])
