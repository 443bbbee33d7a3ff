"""A real standalone cluster on loopback: a master and two workers from pyspark's jars, one job submitted.

The job runs in a child process (one SparkContext per process: this run's local[2] session stays), reads
the Parquet export and must give the local answers; then the cluster is stopped and its processes are gone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx

from stakegraph.analyses import run
from stakegraph.spark.cluster import LoopbackCluster
from stakegraph.spark.frames import write_parquet

JOB = """
import json, sys
from stakegraph.spark.engine import run_spark
from stakegraph.spark.session import get_spark
from stakegraph.analytics.stamp import to_jsonable
spark = get_spark(sys.argv[1], memory="512m", partitions=2)
out = {}
for name, params in json.loads(sys.argv[3]):
    ans = run_spark(sys.argv[2], name, params, spark=spark)
    out[name] = {"result": to_jsonable(ans.result), "stamp": to_jsonable(ans.stamp),
                 "executors": spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1}
spark.stop()
print(json.dumps(out))
"""


def test_loopback_cluster_runs_the_jobs_like_local(sample_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    folder = write_parquet(sample_graph, tmp_path / "g", version=str(sample_graph.graph["version"]))
    cases = [("components", {}), ("pagerank", {"alpha": "0.5"})]
    with LoopbackCluster(workers=2) as cluster:
        assert cluster.alive_workers() == 2
        done = subprocess.run([sys.executable, "-c", JOB, cluster.url, str(folder), json.dumps(cases)],
                              capture_output=True, text=True, timeout=1500)
        assert done.returncode == 0, done.stderr[-3000:]
        got = json.loads(done.stdout.strip().splitlines()[-1])
        procs = list(cluster.processes)
    assert all(p.poll() is not None for p in procs)  # stopped
    comp, pr = got["components"], got["pagerank"]
    assert comp["stamp"]["parameters"]["spark_master"] == cluster.url
    assert comp["executors"] == 2
    assert comp["result"]["labels"] == dict(run(sample_graph, "components").result.labels)
    local = run(sample_graph, "pagerank", alpha="0.5").result.scores
    assert pr["result"]["scores"].keys() == local.keys()
    assert max(abs(pr["result"]["scores"][k] - v) for k, v in local.items()) <= 1e-9
