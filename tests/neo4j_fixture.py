"""One real Neo4j server per test session, without Docker.

``tests/conftest.py`` calls :func:`neo4j_uri_for_session` from a session-scoped
fixture. When ``STAKEGRAPH_NEO4J_URI`` is set that server is used as is;
otherwise a Neo4j 5.26 Community server is started from Maven Central jars
(see ``src/stakegraph/devserver/neo4j.py``) on a free port under the session's temporary
directory. A server that cannot start raises with the reason: tests that need
Neo4j must fail, never skip, under ``CI=true``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from stakegraph.devserver import neo4j as neo4j_server

__all__ = ["READY_TIMEOUT", "neo4j_uri_for_session"]

#: Seconds to wait for Bolt once the JVM is launched (jar download not included).
READY_TIMEOUT = float(os.environ.get("STAKEGRAPH_NEO4J_START_TIMEOUT", "120"))

_log = logging.getLogger("stakegraph.tests.neo4j")


def _noop() -> None:
    """Do nothing: the external server is not ours to stop."""


def neo4j_uri_for_session(tmp_root: Path) -> tuple[str, Callable[[], None]]:
    """Return a Bolt URI for the test session and a callable that releases it.

    Parameters
    ----------
    tmp_root : pathlib.Path
        Directory for the server's home (data, logs, pid file), e.g.
        ``tmp_path_factory.mktemp("neo4j")``.

    Returns
    -------
    uri : str
        ``$STAKEGRAPH_NEO4J_URI`` if set, else the URI of a freshly started
        local server (``bolt://127.0.0.1:<free port>``, no authentication).
    stop : callable
        Stops the server started here (idempotent); a no-op for an external one.

    Raises
    ------
    stakegraph.devserver.neo4j.Neo4jServerError
        If the jars cannot be fetched or the server does not become ready; the
        message carries the Maven output or the tail of the server log.
    """
    external = os.environ.get(neo4j_server.ENV_URI)
    if external:
        _log.info("using external Neo4j at %s", external)
        return external, _noop

    home = Path(tmp_root) / "server"
    neo4j_server.ensure_jars(log=_log.info)
    attempts = 3
    for attempt in range(1, attempts + 1):
        port = neo4j_server.free_port()
        try:
            handle = neo4j_server.start(
                home, port, wait=READY_TIMEOUT, watch_parent=True, log=_log.info
            )
        except neo4j_server.PortInUseError:
            # Another process took the port between free_port() and start().
            if attempt == attempts:
                raise
            continue
        break
    _log.info("Neo4j for the test session: %s (%.1fs)", handle.uri, handle.start_seconds)

    def stop() -> None:
        handle.stop()

    return handle.uri, stop
