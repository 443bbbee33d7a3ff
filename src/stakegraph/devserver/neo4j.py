"""Run a local Neo4j 5.26 Community server without Docker.

Neo4j's own jars are published on Maven Central, so a real Neo4j server can run
as a small embedded launcher (``tools/neo4j/Launcher.java``) on the machine's
Java 17. This module fetches the jars once with Maven (cached under
``~/.cache/stakegraph/neo4j/<version>/lib``), compiles the launcher once, and
starts, stops and inspects a detached server process whose state lives in a
*home* directory (default ``~/.local/share/stakegraph/neo4j``)::

    home/neo4j.pid      process id of the JVM
    home/server.json    port, URI, version, start time
    home/neo4j.log      JVM stdout/stderr
    home/data, logs     Neo4j store and Neo4j's own logs
    home/conf/neo4j.conf  settings written by the launcher at every start

The server listens on 127.0.0.1 only and has authentication disabled: it is
meant for development and tests, never for shared or production use.

Only the standard library is used, plus the ``neo4j`` Python driver for the
readiness probe (imported lazily). Library functions never print; pass a
``log`` callable to receive progress messages.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_PORT",
    "ENV_HOME",
    "ENV_URI",
    "JVM_FLAGS",
    "NEO4J_VERSION",
    "Neo4jServerError",
    "PortInUseError",
    "ServerHandle",
    "admin_command",
    "admin_import",
    "cache_dir",
    "default_home",
    "ensure_jars",
    "ensure_launcher",
    "free_port",
    "restart",
    "server_state",
    "start",
    "start_like",
    "status",
    "stop",
]

#: Neo4j 5.26 LTS patch pinned in ``tools/neo4j/pom.xml`` (runs on Java 17 and 21).
NEO4J_VERSION = "5.26.30"
#: Default Bolt port.
DEFAULT_PORT = 7687
#: Environment variable through which the rest of stakegraph finds Neo4j.
ENV_URI = "STAKEGRAPH_NEO4J_URI"
#: Environment variable overriding the default server home directory.
ENV_HOME = "STAKEGRAPH_NEO4J_HOME"

#: JVM options Neo4j ships in its own configuration, plus a bounded heap.
JVM_FLAGS: tuple[str, ...] = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "-Dlog4j2.disable.jmx=true",
)

TOOLS_DIR = Path(__file__).resolve().parent / "java"
POM_FILE = TOOLS_DIR / "pom.xml"
LAUNCHER_FILE = TOOLS_DIR / "Launcher.java"

PID_FILE = "neo4j.pid"
STATE_FILE = "server.json"
LOG_FILE = "neo4j.log"

_INSTALL_HINT = (
    "Java 17 (JDK, with javac) and Apache Maven 3 are needed, and Maven must reach "
    "Maven Central; on Debian/Ubuntu: apt-get install maven openjdk-17-jdk-headless. "
    f"Alternatively point {ENV_URI} at an existing Neo4j 5.26 server."
)
_MAVEN_TIMEOUT = 1800.0
_JAVAC_TIMEOUT = 300.0

Log = Callable[[str], None] | None


class Neo4jServerError(Exception):
    """The local Neo4j server could not be prepared, started or stopped."""


class PortInUseError(Neo4jServerError):
    """The requested Bolt port is already taken by a process that is not ours."""


@dataclass
class ServerHandle:
    """A running local Neo4j server.

    Attributes
    ----------
    uri : str
        Bolt URI, e.g. ``bolt://127.0.0.1:7687``.
    port : int
        Bolt port on 127.0.0.1.
    pid : int
        Process id of the JVM (also its process group id).
    home : pathlib.Path
        Server home directory (data, logs, pid file).
    version : str
        Neo4j version of the jars.
    reused : bool
        True when :func:`start` found this server already running and reused it.
    log_file : pathlib.Path
        File receiving the JVM's stdout and stderr.
    start_seconds : float
        Wall-clock seconds :func:`start` took (0 when reused).
    """

    uri: str
    port: int
    pid: int
    home: Path
    version: str
    reused: bool = False
    log_file: Path = field(default_factory=Path)
    start_seconds: float = 0.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop this server; see :func:`stop`.

        Parameters
        ----------
        timeout : float
            Seconds to wait for a clean shutdown before killing the process.

        Returns
        -------
        bool
            True if a running server was stopped.
        """
        stopped = stop(self.home, timeout=timeout)
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=1)
        return stopped


# --------------------------------------------------------------------------- paths


def default_home() -> Path:
    """Return the default server home directory.

    Returns
    -------
    pathlib.Path
        ``$STAKEGRAPH_NEO4J_HOME`` if set, else
        ``$XDG_DATA_HOME/stakegraph/neo4j`` (``~/.local/share/stakegraph/neo4j``).
    """
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "stakegraph" / "neo4j"


def cache_dir(version: str = NEO4J_VERSION) -> Path:
    """Return the per-version cache directory for jars and the compiled launcher.

    Parameters
    ----------
    version : str
        Neo4j version.

    Returns
    -------
    pathlib.Path
        ``$XDG_CACHE_HOME/stakegraph/neo4j/<version>`` (``~/.cache/...`` by default).
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "stakegraph" / "neo4j" / version


# ------------------------------------------------------------------------ helpers


def _emit(log: Log, message: str) -> None:
    if log is not None:
        log(message)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _read_tail(path: Path, offset: int = 0, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except OSError:
        return "(no log output)"
    return _tail(data.decode("utf-8", "replace"), lines) or "(no log output)"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _which(tool: str) -> str:
    """Locate a JDK/Maven executable, preferring ``$JAVA_HOME/bin`` for JDK tools."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and tool in ("java", "javac"):
        candidate = Path(java_home) / "bin" / tool
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(tool)
    if not found:
        raise Neo4jServerError(f"`{tool}` was not found on PATH. {_INSTALL_HINT}")
    return found


def _run(cmd: Sequence[str], *, timeout: float, what: str) -> None:
    """Run a build command, raising :class:`Neo4jServerError` with its output on failure."""
    shown = " ".join(cmd)
    try:
        proc = subprocess.run(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        raise Neo4jServerError(
            f"{what} timed out after {timeout:.0f}s.\ncommand: {shown}\n"
            f"last output:\n{_tail(out) or '(none)'}\n{_INSTALL_HINT}"
        ) from exc
    except OSError as exc:
        raise Neo4jServerError(
            f"{what} could not run: {exc}\ncommand: {shown}\n{_INSTALL_HINT}"
        ) from exc
    if proc.returncode != 0:
        out = proc.stdout.decode("utf-8", "replace")
        raise Neo4jServerError(
            f"{what} failed with exit code {proc.returncode}.\ncommand: {shown}\n"
            f"last output:\n{_tail(out) or '(none)'}\n{_INSTALL_HINT}"
        )


# ---------------------------------------------------------------------- artifacts


def ensure_jars(version: str = NEO4J_VERSION, *, log: Log = None) -> Path:
    """Download the Neo4j jars with Maven, once per version.

    Runs ``mvn -q -f tools/neo4j/pom.xml -Dneo4j.version=<version>
    dependency:copy-dependencies`` into a temporary directory and moves it to
    ``cache_dir(version)/lib`` when complete, so an interrupted download is
    never mistaken for a cache hit. Concurrent callers are serialised by a lock.

    Parameters
    ----------
    version : str
        Neo4j 5.26.x version to fetch.
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    pathlib.Path
        Directory containing all jars (use ``<dir>/*`` as the class path).

    Raises
    ------
    Neo4jServerError
        If Maven is missing or fails; the message names the command, its exit
        code and the last lines of its output.
    """
    root = cache_dir(version)
    lib = root / "lib"
    marker = lib / ".complete"
    if marker.is_file():
        return lib
    with _file_lock(root / ".lock"):
        if marker.is_file():
            return lib
        if not POM_FILE.is_file():
            raise Neo4jServerError(f"{POM_FILE} is missing; run from a stakegraph source checkout.")
        mvn = _which("mvn")
        tmp = root / f"lib.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(POM_FILE),
            f"-Dneo4j.version={version}",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp}",
        ]
        _emit(log, f"Downloading Neo4j {version} jars from Maven Central into {lib} ...")
        started = time.monotonic()
        try:
            _run(cmd, timeout=_MAVEN_TIMEOUT, what="Maven (fetching the Neo4j jars)")
            if not any(tmp.glob(f"neo4j-{version}.jar")):
                raise Neo4jServerError(
                    f"Maven finished but {tmp} has no neo4j-{version}.jar.\n"
                    f"command: {' '.join(cmd)}\n{_INSTALL_HINT}"
                )
            (tmp / ".complete").write_text(f"{version}\n")
            shutil.rmtree(lib, ignore_errors=True)
            tmp.rename(lib)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _emit(log, f"Neo4j jars ready ({time.monotonic() - started:.1f}s).")
    return lib


def ensure_launcher(lib: Path, *, log: Log = None) -> Path:
    """Compile ``tools/neo4j/Launcher.java`` once against ``lib``.

    The class directory is keyed by a hash of the source, so edits to the
    launcher trigger a recompile. Compiling once saves about two seconds per
    start compared with Java's single-file source mode.

    Parameters
    ----------
    lib : pathlib.Path
        Jar directory returned by :func:`ensure_jars`.
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    pathlib.Path
        Directory containing ``Launcher.class``.

    Raises
    ------
    Neo4jServerError
        If the source is missing or ``javac`` fails.
    """
    if not LAUNCHER_FILE.is_file():
        raise Neo4jServerError(
            f"{LAUNCHER_FILE} is missing; run from a stakegraph source checkout."
        )
    digest = hashlib.sha256(LAUNCHER_FILE.read_bytes()).hexdigest()[:16]
    classes = lib.parent / f"launcher-{digest}"
    if (classes / "Launcher.class").is_file():
        return classes
    with _file_lock(lib.parent / ".lock"):
        if (classes / "Launcher.class").is_file():
            return classes
        javac = _which("javac")
        tmp = lib.parent / f"launcher.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        _emit(log, "Compiling the Neo4j launcher ...")
        try:
            _run(
                [javac, "-nowarn", "-d", str(tmp), "-cp", f"{lib}/*", str(LAUNCHER_FILE)],
                timeout=_JAVAC_TIMEOUT,
                what="javac (compiling tools/neo4j/Launcher.java)",
            )
            tmp.rename(classes)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return classes


# ------------------------------------------------------------------- process state


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now.

    Returns
    -------
    int
        A port number chosen by the OS (another process may still take it).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _port_bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _alive(pid: int) -> bool:
    """Return whether ``pid`` runs (reaping it first if it is our exited child)."""
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """True when ``pid`` has exited but its parent (not us) has not reaped it yet (Linux ``/proc``;
    elsewhere ``False``). A zombie answers signal 0 like a live process; waiting for it to stop would
    wait out the whole timeout."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _is_our_server(pid: int, home: Path) -> bool:
    """Return whether ``pid`` is a running launcher for ``home`` (guards against pid reuse)."""
    if not _alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.parent.exists():  # no procfs (e.g. macOS): trust the pid file
        return True
    try:
        args = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return b"Launcher" in args and str(home).encode() in args


def _read_pid(home: Path) -> int | None:
    try:
        return int((home / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def _read_state(home: Path) -> dict[str, Any]:
    try:
        data = json.loads((home / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _clear_state(home: Path) -> None:
    for name in (PID_FILE, STATE_FILE):
        with contextlib.suppress(FileNotFoundError):
            (home / name).unlink()


def _probe(uri: str, timeout: float = 5.0) -> None:
    """Connect with the Python driver and run ``RETURN 1``; raise if that fails."""
    from neo4j import GraphDatabase  # lazy: only the probe needs the driver

    with GraphDatabase.driver(uri, auth=None, connection_timeout=timeout) as driver:
        driver.verify_connectivity()
        records, _, _ = driver.execute_query("RETURN 1 AS ok")
        if not records or records[0]["ok"] != 1:
            raise Neo4jServerError(f"unexpected answer to RETURN 1 from {uri}: {records!r}")


def _wait_ready(
    uri: str,
    port: int,
    deadline: float,
    *,
    proc: subprocess.Popen[bytes] | None,
    pid: int,
    describe: Callable[[], str],
) -> None:
    """Poll until Bolt answers ``RETURN 1`` or the deadline passes."""
    last_error: Exception | None = None
    while True:
        exited = proc.poll() if proc is not None else (None if _alive(pid) else -1)
        if exited is not None:
            raise Neo4jServerError(
                f"Neo4j exited (code {exited}) before it became ready.\n{describe()}"
            )
        if _port_open(port):
            try:
                _probe(uri)
                return
            except Exception as exc:  # any driver error means "not yet"
                last_error = exc
        if time.monotonic() >= deadline:
            reason = f" Last probe error: {last_error}" if last_error else ""
            raise Neo4jServerError(f"Neo4j did not answer on {uri} in time.{reason}\n{describe()}")
        time.sleep(0.25)


# ------------------------------------------------------------------------- public


def start(
    home: Path | str | None = None,
    port: int = DEFAULT_PORT,
    *,
    wait: float = 90,
    version: str = NEO4J_VERSION,
    heap: str = "1536m",
    pagecache: str = "512m",
    watch_parent: bool = False,
    log: Log = None,
    watch_pid: int | None = None,
) -> ServerHandle:
    """Start (or reuse) a detached local Neo4j server and wait until Bolt answers.

    The JVM runs in its own session/process group with stdout and stderr going to
    ``home/neo4j.log``; its pid is written to ``home/neo4j.pid``. If the pid file
    names a live server for this home on the same port, that server is reused.

    Parameters
    ----------
    home : path-like, optional
        Server home directory; :func:`default_home` when omitted.
    port : int
        Bolt port on 127.0.0.1.
    wait : float
        Seconds to wait for readiness (jar download and compile time excluded).
    version : str
        Neo4j version to run (must be a 5.26.x on Maven Central).
    heap : str
        Maximum JVM heap, e.g. ``"1536m"``; the initial heap is 512m.
    pagecache : str
        Neo4j page cache size.
    watch_parent : bool
        If True the server exits by itself when the calling Python process ends
        (used by the test fixture so an aborted run leaves no server behind).
    log : callable, optional
        Receives progress messages.
    watch_pid : int, optional
        Like ``watch_parent`` for another process (:func:`restart` keeps the watch of the
        server it replaces).

    Returns
    -------
    ServerHandle
        Details of the running server; call ``handle.stop()`` to stop it.

    Raises
    ------
    PortInUseError
        If another process already listens on ``port``.
    Neo4jServerError
        If a different server already runs in ``home``, if the jars cannot be
        fetched, or if the server exits or does not answer within ``wait``
        seconds (the message carries the tail of ``neo4j.log``).
    """
    home = Path(home if home is not None else default_home()).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    log_file = home / LOG_FILE
    uri = f"bolt://127.0.0.1:{port}"

    pid = _read_pid(home)
    if pid is not None and _is_our_server(pid, home):
        state = _read_state(home)
        running_port = int(state.get("port", -1))
        if running_port != port:
            raise Neo4jServerError(
                f"A Neo4j server (pid {pid}) already runs in {home} on port {running_port}; "
                f"stop it first or use --port {running_port}."
            )
        _emit(log, f"Reusing the running Neo4j server (pid {pid}) at {uri}.")
        _wait_ready(
            uri,
            port,
            time.monotonic() + wait,
            proc=None,
            pid=pid,
            describe=lambda: f"log {log_file}:\n{_read_tail(log_file)}",
        )
        return ServerHandle(
            uri=uri,
            port=port,
            pid=pid,
            home=home,
            version=str(state.get("version", version)),
            reused=True,
            log_file=log_file,
        )
    if pid is not None:
        _clear_state(home)  # stale pid file

    if not _port_bindable(port):
        raise PortInUseError(
            f"Port {port} on 127.0.0.1 is already in use by another process; "
            "choose another with --port."
        )

    lib = ensure_jars(version, log=log)
    classes = ensure_launcher(lib, log=log)
    java = _which("java")

    cmd = [
        java,
        "-Xms512m",
        f"-Xmx{heap}",
        *JVM_FLAGS,
        "-cp",
        f"{classes}{os.pathsep}{lib}/*",
        "Launcher",
        "--home",
        str(home),
        "--port",
        str(port),
        "--pagecache",
        pagecache,
    ]
    if watch_parent and watch_pid is None:
        watch_pid = os.getpid()
    if watch_pid is not None:
        cmd += ["--watch-pid", str(watch_pid)]

    _emit(log, f"Starting Neo4j {version} on {uri} (home {home}) ...")
    started = time.monotonic()
    with log_file.open("ab") as out:
        offset = out.tell()
        out.write(f"\n=== start {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(cmd)}\n".encode())
        out.flush()
        proc = subprocess.Popen(  # fixed argv, no shell
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=str(home),
            start_new_session=True,
        )
    (home / PID_FILE).write_text(f"{proc.pid}\n")
    (home / STATE_FILE).write_text(
        json.dumps(
            {
                "pid": proc.pid,
                "port": port,
                "uri": uri,
                "version": version,
                "home": str(home),
                "started_at": time.time(),
                "heap": heap,
                "pagecache": pagecache,
                "watch_pid": watch_pid,
            },
            indent=2,
        )
        + "\n"
    )

    def describe() -> str:
        return f"command: {' '.join(cmd)}\nlog {log_file}:\n{_read_tail(log_file, offset)}"

    try:
        _wait_ready(uri, port, started + wait, proc=proc, pid=proc.pid, describe=describe)
    except BaseException:
        _kill_group(proc.pid, timeout=10)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        _clear_state(home)
        raise
    elapsed = time.monotonic() - started
    _emit(log, f"Neo4j {version} ready at {uri} (pid {proc.pid}, {elapsed:.1f}s).")
    return ServerHandle(
        uri=uri,
        port=port,
        pid=proc.pid,
        home=home,
        version=version,
        reused=False,
        log_file=log_file,
        start_seconds=elapsed,
        _proc=proc,
    )


def _kill_group(pid: int, timeout: float) -> None:
    """SIGTERM the process group led by ``pid``; SIGKILL it after ``timeout`` seconds."""
    for sig, wait_for in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait_for
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.1)


def stop(home: Path | str | None = None, *, timeout: float = 30.0, log: Log = None) -> bool:
    """Stop the server running in ``home``, if any.

    Sends SIGTERM to the server's process group (the launcher's shutdown hook
    stops Neo4j cleanly), escalates to SIGKILL after ``timeout`` seconds, and
    removes the pid and state files.

    Parameters
    ----------
    home : path-like, optional
        Server home directory; :func:`default_home` when omitted.
    timeout : float
        Seconds to wait for a clean shutdown.
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    bool
        True if a running server was stopped, False if none was running.
    """
    home = Path(home if home is not None else default_home()).expanduser().resolve()
    pid = _read_pid(home)
    if pid is None or not _is_our_server(pid, home):
        _clear_state(home)
        _emit(log, f"No Neo4j server is running in {home}.")
        return False
    _emit(log, f"Stopping Neo4j (pid {pid}) ...")
    _kill_group(pid, timeout)
    _clear_state(home)
    _emit(log, "Neo4j stopped.")
    return True


def status(home: Path | str | None = None) -> dict[str, Any]:
    """Describe the server in ``home``.

    Parameters
    ----------
    home : path-like, optional
        Server home directory; :func:`default_home` when omitted.

    Returns
    -------
    dict
        ``running`` (bool), ``bolt_listening`` (bool: the port accepts TCP
        connections), ``pid`` (int or None), ``uri``, ``port``, ``version``,
        ``home``, ``data_dir``, ``log_file`` and ``started_at`` (epoch seconds
        or None). ``uri``/``port``/``version`` are None when not running.
    """
    home = Path(home if home is not None else default_home()).expanduser().resolve()
    pid = _read_pid(home)
    running = pid is not None and _is_our_server(pid, home)
    state = _read_state(home) if running else {}
    port = state.get("port") if running else None
    return {
        "running": running,
        "bolt_listening": bool(running and port and _port_open(int(port))),
        "pid": pid if running else None,
        "uri": state.get("uri"),
        "port": port,
        "version": state.get("version"),
        "home": str(home),
        "data_dir": str(home / "data"),
        "log_file": str(home / LOG_FILE),
        "started_at": state.get("started_at"),
    }


def restart(home: Path | str | None = None, *, wait: float = 300, log: Log = None) -> ServerHandle:
    """Stop the server running in ``home`` and start it again with the same port, memory and watch.

    Parameters
    ----------
    home : path-like, optional
        Server home directory; :func:`default_home` when omitted.
    wait : float
        Seconds to wait for readiness after the start.
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    ServerHandle
        The new server.

    Raises
    ------
    Neo4jServerError
        If no server runs in ``home``, or the new one does not start.
    """
    home = Path(home if home is not None else default_home()).expanduser().resolve()
    info = status(home)
    if not info["running"]:
        raise Neo4jServerError(f"no Neo4j server runs in {home}; start it with `stakegraph neo4j start`")
    state = _read_state(home)
    stop(home, log=log)
    return start_like(home, state, wait=wait, log=log)


def start_like(home: Path | str, state: dict[str, Any], *, wait: float = 300, log: Log = None) -> ServerHandle:
    """Start the server in ``home`` with the port, memory and watch recorded in ``state``.

    ``state`` is what :func:`server_state` returned while the server ran (read it
    before :func:`stop`); a watched process that has ended is not watched again.
    """
    watch = state.get("watch_pid")
    watch_pid = int(watch) if watch and _alive(int(watch)) else None
    return start(home, int(state["port"]), wait=wait, version=str(state.get("version", NEO4J_VERSION)),
                 heap=str(state.get("heap", "1536m")), pagecache=str(state.get("pagecache", "512m")),
                 log=log, watch_pid=watch_pid)


def server_state(home: Path | str | None = None) -> dict[str, Any]:
    """What ``home/server.json`` records of the running server (port, uri, version, heap, page cache, watch)."""
    home = Path(home if home is not None else default_home()).expanduser().resolve()
    return _read_state(home)


def admin_command(home: Path | str, args: Sequence[str], *, version: str = NEO4J_VERSION,
                  heap: str = "1g") -> tuple[list[str], dict[str, str]]:
    """The ``neo4j-admin`` command line (``org.neo4j.cli.AdminTool`` from the cached jars) and its environment.

    ``NEO4J_HOME`` is ``home`` and ``NEO4J_CONF`` its ``conf`` folder, where the launcher writes the
    server's ``neo4j.conf`` at every start, so the tool works on the server's own data directory.
    """
    home = Path(home).expanduser().resolve()
    lib = ensure_jars(version)
    cmd = [_which("java"), f"-Xmx{heap}", *JVM_FLAGS, "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool", *args]
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    return cmd, env


def admin_import(home: Path | str, args: Sequence[str], *, timeout: float = 24 * 3600,
                 version: str = NEO4J_VERSION, log: Log = None) -> str:
    """Run ``neo4j-admin database import full ARGS`` on the (stopped) server in ``home``.

    Parameters
    ----------
    home : path-like
        Server home directory; the server must not be running (the import writes its store files).
    args : sequence of str
        Arguments after ``database import full`` (``--nodes=…``, ``--relationships=…``, the database).
    timeout : float
        Seconds before the import is killed.
    version : str
        Neo4j version of the jars.
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    str
        The tool's output.

    Raises
    ------
    Neo4jServerError
        If a server runs in ``home``, or the import fails (the message carries the tool's last lines).
    """
    home = Path(home).expanduser().resolve()
    if status(home)["running"]:
        raise Neo4jServerError(f"a Neo4j server runs in {home}; stop it before an import")
    if not (home / "conf" / "neo4j.conf").is_file():
        raise Neo4jServerError(f"{home} has no conf/neo4j.conf; start the server there once first")
    cmd, env = admin_command(home, ["database", "import", "full", *args], version=version)
    _emit(log, f"Running neo4j-admin database import full in {home} ...")
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, check=False, env=env, cwd=str(home))
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        raise Neo4jServerError(f"neo4j-admin import timed out after {timeout:.0f}s:\n{_tail(out)}") from exc
    except OSError as exc:
        raise Neo4jServerError(f"neo4j-admin could not run: {exc}\n{_INSTALL_HINT}") from exc
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise Neo4jServerError(f"neo4j-admin database import failed (exit code {proc.returncode}):\n"
                               f"{_tail(out, 40)}\ncommand: {' '.join(cmd)}")
    return out
