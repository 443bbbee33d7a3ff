"""The registry of Spark jobs: one function per catalogue analysis that has a ``spark`` backend.

A job is ``job(frames, params) -> result``: ``frames`` is the graph as Spark DataFrames
(:class:`stakegraph.spark.frames.GraphFrames`), ``params`` the analysis's parameters already parsed by
:func:`stakegraph.analyses.spec.parse_params`, and the result the same frozen dataclass the local
analysis returns (its stamp is replaced by :mod:`stakegraph.spark.engine`, which says ``backend: spark``).

A job module registers itself with the decorator::

    @spark_job("components")
    def components(frames: GraphFrames, params: Mapping[str, Any]) -> ComponentsResult: ...

and is named in :data:`JOB_MODULES`. :func:`jobs` imports those modules on first use; one that is
not there (yet) or cannot be imported is skipped and listed by :func:`missing`, so the registry holds
exactly the jobs that can run.

>>> @spark_job("example-analysis")
... def _example(frames, params):
...     return params["x"]
>>> SPARK_JOBS["example-analysis"](None, {"x": 1})
1
>>> del SPARK_JOBS["example-analysis"]
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover - pyspark is imported only by the job modules
    from stakegraph.spark.frames import GraphFrames

__all__ = ["SPARK_JOBS", "JOB_MODULES", "SparkJob", "spark_job", "jobs", "missing"]

SparkJob = Callable[["GraphFrames", Mapping[str, Any]], Any]
J = TypeVar("J", bound=SparkJob)

#: Every registered job by analysis name (fill it with :func:`jobs`).
SPARK_JOBS: dict[str, SparkJob] = {}

#: The job modules under ``stakegraph.spark.jobs``, imported lazily by :func:`jobs`.
JOB_MODULES: tuple[str, ...] = ("components", "pagerank", "concentration", "cofinancing", "exposures", "debtrank")

_LOCK = threading.Lock()
_LOADED = False
_MISSING: dict[str, str] = {}


def spark_job(name: str) -> Callable[[J], J]:
    """Register the decorated function as the Spark job of the catalogue analysis ``name``."""

    def register(fn: J) -> J:
        SPARK_JOBS[name] = fn
        return fn

    return register


def jobs() -> dict[str, SparkJob]:
    """Every job that can run: the job modules imported once (a missing or broken one skipped)."""
    global _LOADED
    with _LOCK:
        if not _LOADED:
            for module in JOB_MODULES:
                try:
                    importlib.import_module(f"{__name__}.{module}")
                except ImportError as e:  # not written yet, or pyspark absent: its analyses stay local-only
                    _MISSING[module] = str(e)
            _LOADED = True
    return SPARK_JOBS


def missing() -> dict[str, str]:
    """Job modules that could not be imported, with why (after :func:`jobs`)."""
    jobs()
    return dict(_MISSING)
