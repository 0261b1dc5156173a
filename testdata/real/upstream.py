"""A tiny HTTP upstream for the real-server tests.

usage: upstream.py PORT READY_FILE [CERT KEY]

Listens on 127.0.0.1:PORT (TLS when CERT and KEY are given), answers every GET with 200 and, for
paths starting with /big, a ~20 KB Set-Cookie header. READY_FILE is created once it listens.

It speaks HTTP/1.1 and keeps a connection open as long as the client lets it (nginx with
`proxy_http_version 1.1` and no `Connection: close`). GET /conns answers with the number of
connections on which it has served any other request, so a test can tell whether nginx reused one
(NGX310); ask it on a connection of your own.
"""

import http.server
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One handler per connection: whether this connection is counted yet.
    counted = False

    def do_GET(self):
        if self.path == "/conns":
            with self.server.lock:
                body = b"%d\n" % self.server.conns
        else:
            if not self.counted:
                self.counted = True
                with self.server.lock:
                    self.server.conns += 1
            body = b"upstream ok\n"
        self.send_response(200)
        if self.path.startswith("/big"):
            self.send_header("Set-Cookie", "big=" + "a" * 20000)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def main():
    port, ready = int(sys.argv[1]), sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.conns = 0
    server.lock = threading.Lock()
    if len(sys.argv) == 5:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    open(ready, "w").close()
    server.serve_forever()


if __name__ == "__main__":
    main()
