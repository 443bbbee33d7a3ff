"""Package hygiene: one top-level package, no import cycles, no web framework under viz, no stdlib names.

The import graph is read with :mod:`ast` (module-level imports only; imports under
``if TYPE_CHECKING:`` and inside functions do not run at import time and are left out).
``from x import y`` counts as an import of ``x.y`` when ``y`` is a submodule, else of ``x``.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PKG = SRC / "stakegraph"
WEB_FRAMEWORKS = ("fastapi", "starlette", "strawberry", "uvicorn")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package: dotted name → file."""
    return {module_name(p): p for p in sorted(PKG.rglob("*.py")) if "__pycache__" not in p.parts}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that run when the module is imported (not in defs, not under TYPE_CHECKING)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _module_level(block)
        elif isinstance(node, ast.With):
            yield from _module_level(node.body)


@cache
def imports_of(name: str) -> frozenset[str]:
    """Absolute names ``name`` imports at module level (package modules resolved to the module imported)."""
    path = modules()[name]
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in _module_level(ast.parse(path.read_text(encoding="utf-8"), str(path)).body):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
            continue
        if node.level:
            base = name.split(".") if is_pkg else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        for alias in node.names:
            sub = f"{target}.{alias.name}"
            out.add(sub if sub in modules() else target)
    return frozenset(out)


def internal_graph() -> dict[str, set[str]]:
    return {m: {t for t in imports_of(m) if t in modules() and t != m} for m in modules()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path) per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(_cycle_in(graph, set(comp)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _cycle_in(graph: dict[str, set[str]], comp: set[str]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first)."""
    start = min(comp)
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & comp):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start, *reversed(path[:-1]), start] if v != start else [start, start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return sorted(comp)


def test_the_import_graph_has_no_cycles() -> None:
    found = cycles(internal_graph())
    assert not found, "import cycles (move the shared piece down, or import inside the function):\n" + "\n".join(
        "  " + " -> ".join(c) for c in found)


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def test_viz_imports_no_web_framework() -> None:
    """Statically: nothing ``stakegraph.viz`` loads at import time (packages' ``__init__`` included) is a web framework."""
    start = [m for m in modules() if m == "stakegraph.viz" or m.startswith("stakegraph.viz.")]
    seen: dict[str, str | None] = dict.fromkeys(start)
    queue = list(start)
    bad: list[str] = []
    while queue:
        m = queue.pop()
        for t in sorted({*imports_of(m), *_parents(m)}):
            if t in modules():
                if t not in seen:
                    seen[t] = m
                    queue.append(t)
            elif t.split(".")[0] in WEB_FRAMEWORKS:
                chain = [t, m]
                while (up := seen[chain[-1]]) is not None:
                    chain.append(up)
                bad.append(" <- ".join(chain))
    assert not bad, "stakegraph.viz reaches a web framework (viz renders pages only; routes live in web/):\n" + \
        "\n".join("  " + b for b in sorted(set(bad)))


def test_viz_imports_no_web_framework_at_run_time() -> None:
    code = ("import importlib, pkgutil, sys, stakegraph.viz as v\n"
            "[importlib.import_module(m.name) for m in pkgutil.walk_packages(v.__path__, 'stakegraph.viz.')]\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {WEB_FRAMEWORKS!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", f"importing stakegraph.viz loaded {out.stdout.strip()}"


def test_no_module_is_named_like_the_standard_library() -> None:
    clash = sorted(m for m in modules() if m.rsplit(".", 1)[-1] in sys.stdlib_module_names)
    assert not clash, f"rename these (they shadow the standard library inside their package): {clash}"


def _copy_project(dest: Path) -> Path:
    """The files a build reads, copied away from the working tree (builds write build/ and egg-info)."""
    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "setup.cfg"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(PKG, dest / "src" / "stakegraph",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "target", "*.egg-info"))
    return dest


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_package_and_the_console_script(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    wheels = tmp_path / "wheels"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(wheels), str(project)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    (wheel,) = wheels.glob("stakegraph-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        dist_info = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
        assert len(dist_info) == 1, dist_info
        (info,) = dist_info
        tops = {n.split("/")[0] for n in names} - {info}
        top_level = z.read(f"{info}/top_level.txt").decode().split() if f"{info}/top_level.txt" in names else []
        entry_points = z.read(f"{info}/entry_points.txt").decode()
    assert tops == {"stakegraph"}, f"the wheel installs more than stakegraph/: {sorted(tops)}"
    assert top_level in ([], ["stakegraph"]), top_level
    assert "[console_scripts]" in entry_points
    scripts = [ln.replace(" ", "") for ln in entry_points.split("[console_scripts]", 1)[1].splitlines()
               if ln.strip() and not ln.startswith("[")]
    assert scripts == ["stakegraph=stakegraph.cli.main:main"], scripts
    assert "stakegraph/web/schema.graphql" in names, "package data (the SDL) is missing from the wheel"
