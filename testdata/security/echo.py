"""An HTTP upstream for the security scenarios that shows what it was sent.

usage: echo.py PORT READY_FILE NAME

Listens on 127.0.0.1:PORT and answers every request with 200 and a body that starts with
`NAME` (which backend answered), then the request line and every header exactly as received, one
per line. READY_FILE is created once it listens. A request the parser rejects is answered 400 with
the raw first line. A request for a path under `/slow/` is answered after 1.5 seconds (concurrent
requests held open at once).
"""

import socketserver
import sys
import time


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        lines = []
        while True:
            line = self.rfile.readline(65536)
            if not line or line in (b"\r\n", b"\n"):
                break
            lines.append(line.rstrip(b"\r\n"))
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
