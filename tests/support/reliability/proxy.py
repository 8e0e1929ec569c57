"""A small fault-injecting TCP proxy (threads) between the forwarder and the broker's PROXIED
listener, which advertises the proxy's port so clients cannot bypass it.

Faults: `down()` refuses connections (the listening socket is closed, live ones are reset),
`reset()` sends RST on every live connection (SO_LINGER 0), `latency_ms` delays each chunk,
`blackhole` accepts and never forwards, `drop_responses` forwards client → broker and discards
broker → client. `heal()` clears every fault and resets the connections a fault touched, so no
half-forwarded stream lives on.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time

_CHUNK = 65536
_TICK_S = 0.1


def _rst(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Link:
    """One client connection and its upstream connection, pumped by two threads."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.tainted = False  # a fault dropped or held bytes: the stream cannot be trusted
        self.closed = threading.Event()

    def start(self) -> None:
        for source, target, downstream in (
            (self.client, self.upstream, False),
            (self.upstream, self.client, True),
        ):
            threading.Thread(
                target=self._pump, args=(source, target, downstream), daemon=True
            ).start()

    def _pump(self, source: socket.socket, target: socket.socket, downstream: bool) -> None:
        try:
            while not self.closed.is_set():
                ready, _, _ = select.select([source], [], [], _TICK_S)
                if not ready:
                    continue
                data = source.recv(_CHUNK)
                if not data:
                    break
                proxy = self.proxy
                if proxy.blackhole or (downstream and proxy.drop_responses):
                    self.tainted = True
                    continue
                if proxy.latency_ms:
                    time.sleep(proxy.latency_ms / 1000)
                target.sendall(data)
        except (OSError, ValueError):
            pass
        self.reset()

    def reset(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            _rst(self.client)
            _rst(self.upstream)
        self.proxy.forget(self)


class FaultProxy:
    """Listens on 127.0.0.1:`listen_port` and forwards to 127.0.0.1:`target_port`."""

    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port = listen_port
        self.target_port = target_port
        self.latency_ms = 0
        self.blackhole = False
        self.drop_responses = False
        self.connections_made = 0
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()
        self._acceptor: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self.up()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self.down()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- faults ------------------------------------------------------------------------------
    def up(self) -> None:
        """Accept connections again (after `down`)."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.listen_port))
            listener.listen(64)
            listener.settimeout(_TICK_S)
            self._listener = listener
            self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
            self._acceptor.start()

    def down(self) -> None:
        """Refuse new connections and reset the live ones: the broker looks down."""
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._acceptor is not None:
            self._acceptor.join(2)
            self._acceptor = None
        self.reset()

    def reset(self) -> int:
        """RST every live connection; returns how many were reset."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.reset()
        return len(links)

    def heal(self) -> None:
        """Clear every fault; connections that lost bytes to a fault are reset."""
        self.latency_ms = 0
        self.blackhole = False
        self.drop_responses = False
        with self._lock:
            tainted = [link for link in self._links if link.tainted]
        for link in tainted:
            link.reset()
        self.up()

    @property
    def live_connections(self) -> int:
        with self._lock:
            return len(self._links)

    # --- internals ---------------------------------------------------------------------------
    def forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed: down()
            client.setblocking(True)
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
                upstream.settimeout(None)
            except OSError:
                _rst(client)  # the broker itself is down: the client sees a reset
                continue
            link = _Link(self, client, upstream)
            with self._lock:
                if self._listener is not listener:
                    _rst(client)
                    _rst(upstream)
                    return
                self._links.add(link)
                self.connections_made += 1
            link.start()
