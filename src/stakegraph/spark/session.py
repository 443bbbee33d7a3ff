"""The SparkSession the Spark backend runs on: ``local[N]`` or a standalone ``spark://`` master.

:func:`get_spark` checks Java first (pyspark needs Java 17 or newer; without it pyspark fails with a
long Py4J trace) and builds the session quietly: logs at ``ERROR``, no progress bar, no UI for local
runs, shuffle partitions sized to the cores, the same Python for the driver and the executors, UTC.

>>> from stakegraph.spark.session import java_version
>>> java_version() >= 17  # doctest: +SKIP
True
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

from stakegraph.errors import SparkUnavailable

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

__all__ = ["get_spark", "java_version", "java_executable", "spark_home", "DEFAULT_MASTER", "MIN_JAVA"]

#: The master when none is given: every core of this machine.
DEFAULT_MASTER = "local[*]"
#: The oldest Java pyspark 4 runs on.
MIN_JAVA = 17
_INSTALL = "install the spark extra: pip install 'stakegraph[spark]'"


def java_executable() -> str:
    """The ``java`` Spark will start: ``$JAVA_HOME/bin/java``, else the one on ``PATH``."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.isfile(os.path.join(home, "bin", "java")):
        return os.path.join(home, "bin", "java")
    found = shutil.which("java")
    if found is None:
        raise SparkUnavailable("no Java found: the Spark backend needs Java 17 or newer",
                               fix="install a JDK 17 (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
    return found


def java_version() -> int:
    """The major version of :func:`java_executable` (``SparkUnavailable`` when it cannot be run)."""
    java = java_executable()
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SparkUnavailable(f"cannot run {java}: {e}", fix="install a JDK 17 or set JAVA_HOME") from e
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if m is None:
        raise SparkUnavailable(f"cannot read the Java version from {java} -version",
                               fix="install a JDK 17 or set JAVA_HOME")
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8" is Java 8


def spark_home() -> str:
    """The folder of the installed pyspark (its ``jars/`` run the JVM side, also for :mod:`.cluster`)."""
    try:
        import pyspark
    except ImportError as e:
        raise SparkUnavailable("pyspark is not installed", fix=_INSTALL) from e
    return os.environ.get("SPARK_HOME") or os.path.dirname(pyspark.__file__)


def _cores(master: str) -> int:
    m = re.fullmatch(r"local\[(\d+|\*)(?:,\d+)?\]", master)
    if master == "local":
        return 1
    if m is None:
        return 2
    return (os.cpu_count() or 2) if m.group(1) == "*" else int(m.group(1))


def get_spark(master: str | None = None, *, app_name: str = "stakegraph", memory: str = "2g",
              partitions: int | None = None, conf: Mapping[str, str] | None = None) -> SparkSession:
    """A SparkSession on ``master``, built once and reused.

    Parameters
    ----------
    master : str, optional
        ``local[N]``, ``local[*]`` or ``spark://host:port``. ``None``: the active session if there is one,
        else :data:`DEFAULT_MASTER`. A different master than the active session's stops that one first
        (one SparkContext per process).
    app_name : str
        The application's name (shown by the cluster's master).
    memory : str
        Driver memory (and executor memory on a cluster), e.g. ``"2g"``.
    partitions : int, optional
        ``spark.sql.shuffle.partitions`` (default: twice the cores, at least 2).
    conf : mapping, optional
        Any other Spark settings.

    Returns
    -------
    pyspark.sql.SparkSession

    Raises
    ------
    SparkUnavailable
        pyspark is missing, Java is missing or older than 17, or the master cannot be reached.

    Examples
    --------
    >>> spark = get_spark("local[1]")  # doctest: +SKIP
    >>> spark.range(3).count()  # doctest: +SKIP
    3
    """
    home = spark_home()
    with warnings.catch_warnings():  # "PySpark does not yet fully support pandas >= 3": we pass it no pandas UDFs
        warnings.simplefilter("ignore", FutureWarning)
        from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        if master is None or active.sparkContext.master == master:
            return active
        active.stop()
    version = java_version()
    if version < MIN_JAVA:
        raise SparkUnavailable(f"Java {version} found; the Spark backend needs Java {MIN_JAVA} or newer",
                               fix="install a JDK 17 or point JAVA_HOME at one")
    master = master or DEFAULT_MASTER
    os.environ.setdefault("SPARK_HOME", home)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    local = master.startswith("local")
    settings: dict[str, str] = {
        "spark.driver.memory": memory,
        "spark.sql.shuffle.partitions": str(partitions or max(2, 2 * _cores(master))),
        "spark.default.parallelism": str(partitions or max(2, 2 * _cores(master))),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.showConsoleProgress": "false",
        "spark.ui.enabled": "false" if local else "true",
        "spark.pyspark.python": sys.executable,
        "spark.driver.extraJavaOptions": "-Dlog4j2.level=ERROR",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if master.startswith("spark://127.0.0.1") or master.startswith("spark://localhost"):
        settings.update({"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
                         "spark.executor.memory": memory})
    if local:
        settings.update({"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"})
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for k, v in settings.items():
        builder = builder.config(k, v)
    try:
        spark = builder.getOrCreate()
    except Exception as e:  # Py4J / JVM start failures: say what to check
        raise SparkUnavailable(f"cannot start Spark on {master}: {str(e).splitlines()[0][:300]}",
                               fix="check that the master is running and reachable, and that Java 17 works") from e
    spark.sparkContext.setLogLevel("ERROR")
    return spark
