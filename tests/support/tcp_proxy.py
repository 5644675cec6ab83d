"""A TCP proxy the tests can cut: stands between one service's relay and RabbitMQ."""
import socket

import eventlet

from ops.launcher import free_port


class TcpProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server = None
        self._acceptor = None
        self._sockets = set()
        self._pipes = set()

    def start(self):
        self._server = eventlet.listen(("127.0.0.1", self.port))
        self._acceptor = eventlet.spawn(self._accept)
        return self

    def stop(self):
        """Refuse new connections and cut every open one (as if the broker vanished).

        The pipe threads are killed before their sockets close: a green thread left waiting on a
        closed socket keeps that fd number registered in eventlet's hub, and whatever reuses the
        number later (a subprocess pipe, a new connection) fails with "second simultaneous read"."""
        for pipe in list(self._pipes):
            pipe.kill()
        self._pipes.clear()
        if self._acceptor is not None:
            self._acceptor.kill()
            self._acceptor = None
        if self._server is not None:
            self._server.close()
            self._server = None
        for sock in list(self._sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._sockets.clear()

    def _accept(self):
        while True:
            client, _ = self._server.accept()
            try:
                upstream = eventlet.connect(self.target)
            except OSError:
                client.close()
                continue
            self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                pipe = eventlet.spawn(self._pipe, source, sink)
                self._pipes.add(pipe)
                pipe.link(lambda finished: self._pipes.discard(finished))

    def _pipe(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except (OSError, EOFError):  # eventlet raises EOFError when stop() closes the socket under recv
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except OSError:
                    pass
