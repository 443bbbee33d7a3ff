"""The runnable examples in docstrings run (graph, analytics, loaders, the API response cache)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import stakegraph
import stakegraph.analytics

MODULES = sorted(
    {m.name for m in pkgutil.walk_packages(stakegraph.__path__, "stakegraph.")}
    | {"stakegraph.loaders", "stakegraph.loaders.encoding", "stakegraph.loaders.records", "stakegraph.web.response_cache"}
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as e:  # pragma: no cover - optional driver modules
        pytest.fail(f"cannot import {name}: {e}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_every_analytics_module_has_an_example() -> None:
    missing = []
    for m in pkgutil.iter_modules(stakegraph.analytics.__path__, "stakegraph.analytics."):
        module = importlib.import_module(m.name)
        if not doctest.DocTestFinder().find(module) or all(not t.examples for t in doctest.DocTestFinder().find(module)):
            missing.append(m.name)
    assert not missing, f"no runnable docstring example in {missing}"
