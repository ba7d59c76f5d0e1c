"""A TCP proxy the tests can cut and reconnect: a real outage of a server (PostgreSQL) for the
processes that talk to it through the proxy, and for no one else on the shared server.

`cut()` closes the listening socket (new connections are refused, as by a stopped server) and
drops every forwarded connection (as a server going down does); `restore()` listens again on
the same port."""
from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    restore = start

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    stop = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def postgres_behind_proxy(base_url: str, prefix: str) -> Iterator[tuple[TcpProxy, str, str]]:
    """A scratch schema on the PostgreSQL server of `base_url` (dropped afterwards): (the proxy,
    the schema's URL through the proxy, its direct URL). Only what connects through the proxy
    sees the outage; the shared server and its other users do not."""
    from scratch_schema import scratch_schema
    from sqlalchemy.engine import make_url

    with scratch_schema(base_url, prefix) as url:
        direct = make_url(url)
        proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
        proxy.start()
        try:
            yield (proxy, direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), url)
        finally:
            proxy.stop()
