"""An HTTP upstream for the security scenarios that shows what it was sent.

usage: echo.py PORT READY_FILE NAME

Listens on 127.0.0.1:PORT and answers every request with 200 and a body that starts with
`NAME` (which backend answered), then the request line and every header exactly as received, one
per line. READY_FILE is created once it listens. A request the parser rejects is answered 400 with
the raw first line. A request for a path under `/slow/` is answered after 1.5 seconds (concurrent
requests held open at once). A request with `Upgrade: h2c` is answered `101 Switching Protocols`, as
an application server that speaks HTTP/2 over cleartext does, and the next request on the
connection (HTTP/1.1 text here, not h2 frames: what matters is who routes it) is answered too.
"""

import socketserver
import sys
import time


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        lines = self.read_head()
        if any(l.lower().replace(b" ", b"") == b"upgrade:h2c" for l in lines[1:]):
            self.wfile.write(
                b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
            )
            self.wfile.flush()
            lines = self.read_head()
            if not lines:
                return
        self.answer(lines)

    def read_head(self):
        lines = []
        while True:
            line = self.rfile.readline(65536)
            if not line or line in (b"\r\n", b"\n"):
                break
            lines.append(line.rstrip(b"\r\n"))
        return lines

    def answer(self, lines):
        if lines and lines[0].split(b" ")[1:2] and lines[0].split(b" ")[1].startswith(b"/slow/"):
            time.sleep(1.5)
        body = self.server.name + b"\n" + b"\n".join(lines) + b"\n"
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    port, ready, name = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = Server(("127.0.0.1", port), Handler)
    server.name = name.encode()
    open(ready, "w").close()
    server.serve_forever()


if __name__ == "__main__":
    main()
