"""The Spark backend: whole-book analyses as Spark jobs over the graph exported to Parquet.

Install with ``pip install 'stakegraph[spark]'`` (pyspark; Java 17). The pieces:

* :mod:`stakegraph.spark.session` builds the SparkSession (``local[N]`` or a ``spark://`` master);
* :mod:`stakegraph.spark.frames` writes the graph to Parquet and reads it back as DataFrames;
* :mod:`stakegraph.spark.jobs` holds one job per analysis whose catalogue entry lists ``"spark"``
  among its ``backends``;
* :mod:`stakegraph.spark.engine` runs an analysis there: same parameters, same result dataclass,
  the stamp saying ``backend: spark``;
* :mod:`stakegraph.spark.results` keeps the answers per graph version, for the API and pages to read;
* :mod:`stakegraph.spark.cluster` starts a loopback standalone cluster (tests, trials).

Nothing here is imported by the core: ``import stakegraph`` works without pyspark.
"""

from __future__ import annotations

__all__: list[str] = []
