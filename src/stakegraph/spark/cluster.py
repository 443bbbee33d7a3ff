"""A Spark standalone cluster on loopback: one master and N workers from pyspark's own jars.

For tests and trials of ``--spark-master spark://…`` without a real cluster. It runs what
``sbin/start-master.sh`` / ``start-worker.sh`` run (``org.apache.spark.deploy.master.Master`` and
``…worker.Worker`` on ``java -cp $SPARK_HOME/jars/*``), bound to 127.0.0.1 on free ports, and stops
exactly the processes it started.

>>> with LoopbackCluster(workers=2) as cluster:  # doctest: +SKIP
...     spark = get_spark(cluster.url)
...     spark.range(10).count()
10
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from stakegraph.errors import SparkUnavailable
from stakegraph.spark.session import java_executable, java_version, spark_home

__all__ = ["LoopbackCluster", "free_port"]

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackCluster:
    """Start a master and ``workers`` workers on 127.0.0.1; :meth:`stop` (or the ``with`` block) ends them.

    Parameters
    ----------
    workers : int
        How many workers.
    cores, memory : int, str
        Each worker's cores and memory (``"1g"``).
    timeout : float
        Seconds to wait for the master and for every worker to register.
    """

    def __init__(self, workers: int = 2, *, cores: int = 1, memory: str = "1g", timeout: float = 180.0) -> None:
        self.workers, self.cores, self.memory, self.timeout = workers, cores, memory, timeout
        self.port, self.ui_port = free_port(), free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="stakegraph-spark-cluster-"))
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        """The master URL to give ``--spark-master``."""
        return f"spark://127.0.0.1:{self.port}"

    def _java(self, cls: str, *args: str, log: str) -> subprocess.Popen[bytes]:
        home = spark_home()
        # SPARK_SCALA_VERSION: without it a worker's launcher looks for a source build to learn it
        env = {**os.environ, "SPARK_HOME": home, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_SCALA_VERSION": "2.13",
               "SPARK_LOG_DIR": str(self.folder), "SPARK_WORKER_DIR": str(self.folder / "work")}
        # no REST submission server: it takes the fixed port 6066, and jobs come through the master URL
        cmd = [java_executable(), "-Xmx512m", "-Dspark.master.rest.enabled=false", "-cp", f"{home}/jars/*", cls,
               *args]
        out = open(self.folder / log, "wb")  # noqa: SIM115 - closed with the process
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        out.close()
        self.processes.append(p)
        return p

    def _state(self) -> dict[str, object] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as r:  # noqa: S310
                data: dict[str, object] = json.loads(r.read())
                return data
        except (OSError, ValueError):
            return None

    def alive_workers(self) -> int:
        """Workers the master lists as ALIVE."""
        state = self._state() or {}
        workers = state.get("workers")
        return sum(1 for w in workers if isinstance(w, dict) and w.get("state") == "ALIVE") \
            if isinstance(workers, list) else 0

    def start(self) -> LoopbackCluster:
        """Start the master, then the workers; wait until all are registered."""
        if java_version() < 17:
            raise SparkUnavailable("the loopback cluster needs Java 17", fix="install a JDK 17 or set JAVA_HOME")
        self._java(MASTER, "--host", "127.0.0.1", "--port", str(self.port), "--webui-port", str(self.ui_port),
                   log="master.log")
        self._wait(lambda: self._state() is not None, "the master")
        for i in range(self.workers):
            self._java(WORKER, "--host", "127.0.0.1", "--cores", str(self.cores), "--memory", self.memory,
                       "--webui-port", str(free_port()), "--work-dir", str(self.folder / f"work-{i}"), self.url,
                       log=f"worker-{i}.log")
        self._wait(lambda: self.alive_workers() >= self.workers, f"{self.workers} workers")
        return self

    def _wait(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if ready():
                return
            dead = [p for p in self.processes if p.poll() is not None]
            if dead:
                break
            time.sleep(0.5)
        logs = "; ".join(f"{f.name}: {f.read_text(errors='replace')[-400:]}" for f in sorted(self.folder.glob("*.log")))
        self.stop()
        raise SparkUnavailable(f"the loopback Spark cluster did not start ({what} not ready): {logs}",
                               fix="check Java 17 and that 127.0.0.1 ports can be bound")

    def stop(self) -> None:
        """End the workers, then the master (SIGTERM, then SIGKILL after 20 s)."""
        for p in reversed(self.processes):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.processes):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        self.processes.clear()

    def __enter__(self) -> LoopbackCluster:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
