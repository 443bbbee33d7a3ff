"""A loopback TCP proxy that can cut connections on purpose (fault injection for tests).

The proxy listens on ``127.0.0.1:<port>`` and forwards every connection to a
target address, one thread per direction. Tests point a driver at the proxy
and then break connections at chosen moments:

* :meth:`TcpProxy.cut_all` closes every open connection now;
* :meth:`TcpProxy.cut_on` arms a trigger: the next client→server data that
  contains ``marker`` (searched across read boundaries) closes that connection,
  either *before* forwarding the data (the server never sees it) or *after*
  forwarding it (the server sees the request, the client never sees the answer).

Only the standard library is used. Nothing is printed; :attr:`TcpProxy.events`
records what happened.

Examples
--------
>>> import socket, threading
>>> srv = socket.create_server(("127.0.0.1", 0))
>>> def echo():
...     c, _ = srv.accept()
...     c.sendall(c.recv(100))
...     c.close()
>>> t = threading.Thread(target=echo); t.start()
>>> with TcpProxy(srv.getsockname()[1]) as proxy:
...     with socket.create_connection(("127.0.0.1", proxy.port)) as s:
...         s.sendall(b"ping")
...         s.recv(100)
b'ping'
>>> t.join(); srv.close()
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from types import TracebackType

__all__ = ["BOLT_COMMIT", "TcpProxy", "Trigger"]

#: A Bolt COMMIT message as sent on the wire: chunk size 2, struct of 0 fields, tag 0x12, end marker.
BOLT_COMMIT = b"\x00\x02\xb0\x12\x00\x00"
_BUF = 65536
_TAIL = 1024  # bytes kept between reads so a marker split across reads is still found (markers ≤ 1 KiB)


@dataclass
class Trigger:
    """A pending cut: when ``marker`` passes client→server, close that connection.

    Attributes
    ----------
    marker : bytes
        Bytes to look for in the client→server stream.
    forward : bool
        True: forward the data containing the marker, then cut (the server got
        the request); False: drop it and cut (the server never sees it).
    times : int
        How many connections to cut before the trigger disarms itself.
    then : bytes, optional
        When given, the cut waits until these bytes follow the marker on the same
        connection (e.g. :data:`BOLT_COMMIT`, to cut a transaction at its commit).
    fired : int
        How many times it has fired so far.
    """

    marker: bytes
    forward: bool = True
    times: int = 1
    then: bytes | None = None
    fired: int = 0


class _Pair:
    """One proxied connection: the client socket and the upstream socket."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.closed = threading.Event()

    def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for s in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()


class TcpProxy:
    """Forward ``127.0.0.1:port`` → ``target_host:target_port`` and cut connections on demand.

    Parameters
    ----------
    target_port : int
        Port of the real server.
    target_host : str
        Host of the real server (loopback by default).
    port : int
        Port to listen on; 0 picks a free one (read it from :attr:`port`).
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1", port: int = 0) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[_Pair] = []
        self._triggers: list[Trigger] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        #: what happened, e.g. ``["connect", "cut:marker", …]``
        self.events: list[str] = []
        self.connections = 0

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> TcpProxy:
        """Start accepting connections in a daemon thread; returns ``self``."""
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop listening and close every connection."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- faults ----------------------------------------------------------------------
    def cut_all(self) -> int:
        """Close every open connection now; returns how many were open."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        n = 0
        for p in pairs:
            if not p.closed.is_set():
                n += 1
            p.close()
        if n:
            self.events.append(f"cut_all:{n}")
        return n

    def cut_on(self, marker: bytes, *, forward: bool = True, times: int = 1, then: bytes | None = None) -> Trigger:
        """Arm a trigger cutting the connection that carries ``marker`` client→server.

        Parameters
        ----------
        marker : bytes
            Bytes to look for (e.g. an id that only one write carries).
        forward : bool
            Forward the data first (server sees the request) or drop it.
        times : int
            Connections to cut before the trigger disarms.
        then : bytes, optional
            Cut only when these bytes follow the marker on that connection (e.g. :data:`BOLT_COMMIT`).

        Returns
        -------
        Trigger
            Inspect ``trigger.fired`` afterwards.
        """
        t = Trigger(marker, forward=forward, times=times, then=then)
        with self._lock:
            self._triggers.append(t)
        return t

    # -- internals --------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                with contextlib.suppress(OSError):
                    client.close()
                self.events.append("upstream-refused")
                continue
            pair = _Pair(client, upstream)
            with self._lock:
                self._pairs.append(pair)
                self.connections += 1
            self.events.append("connect")
            threading.Thread(target=self._pump, args=(pair, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, False), daemon=True).start()

    def _armed(self, window: bytes, seen: dict[int, int]) -> Trigger | None:
        """The trigger to fire for this data, if any; ``seen`` tracks markers seen on this connection."""
        with self._lock:
            for i, t in enumerate(self._triggers):
                if t.fired >= t.times:
                    continue
                if t.then is None:
                    if t.marker in window:
                        t.fired += 1
                        return t
                    continue
                if i not in seen:
                    pos = window.find(t.marker)
                    if pos < 0:
                        continue
                    seen[i] = pos + len(t.marker)
                    rest = window[seen[i]:]
                else:
                    rest = window
                if t.then in rest:
                    t.fired += 1
                    seen.pop(i, None)
                    return t
        return None

    def _pump(self, pair: _Pair, client_to_server: bool) -> None:
        src, dst = (pair.client, pair.upstream) if client_to_server else (pair.upstream, pair.client)
        tail = b""
        seen: dict[int, int] = {}
        try:
            while not pair.closed.is_set():
                data = src.recv(_BUF)
                if not data:
                    break
                if client_to_server:
                    window = tail + data
                    trig = self._armed(window, seen)
                    tail = window[-_TAIL:]
                    if trig is not None:
                        if trig.forward:
                            dst.sendall(data)
                        self.events.append(f"cut:{trig.marker.decode('utf-8', 'replace')}")
                        break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            pair.close()
