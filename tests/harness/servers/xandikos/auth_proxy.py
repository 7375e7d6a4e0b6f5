#!/usr/bin/env python3
"""Minimal HTTP Basic-auth reverse proxy (Python stdlib only) for Xandikos.

Xandikos has no authentication over plain HTTP (its --htpasswd needs
--autocert, i.e. HTTPS). For the tests it listens on a unix socket inside
ROOT and this proxy listens on 127.0.0.1:PORT, checks Basic credentials
(DAV_USER / DAV_PASS from the environment) and forwards everything else
unchanged: method, path, headers (minus hop-by-hop ones and Authorization),
body (chunked request bodies are de-chunked and sent with Content-Length).
Responses are buffered and sent back with Content-Length, keep-alive works.

Usage: auth_proxy.py --listen PORT --upstream-socket PATH [--upstream-pid PID]
The proxy binds PORT only once the upstream socket accepts connections, so
"port open" means "Xandikos ready". If --upstream-pid dies, the proxy exits.
"""
import argparse
import base64
import hmac
import http.client
import http.server
import os
import signal
import socket
import sys
import threading
import time

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
}


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=300):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "xandikos-auth-proxy"
    upstream_path = None
    expected_auth = None
    quiet = True
    _upstream = None

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write("proxy: %s - %s\n" % (self.address_string(), fmt % args))

    # Any method (PROPFIND, REPORT, MKCALENDAR, ...) goes through proxy().
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.proxy
        raise AttributeError(name)

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers until empty line
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)  # CRLF after chunk
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length:
            return self.rfile.read(int(length))
        return None

    def authorized(self):
        got = self.headers.get("Authorization", "")
        return hmac.compare_digest(got.encode("latin-1", "replace"), self.expected_auth)

    def send_plain(self, code, msg, extra=()):
        body = (msg + "\n").encode()
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def forward(self, body):
        if self._upstream is None:
            self._upstream = UnixHTTPConnection(self.upstream_path)
        conn = self._upstream
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            lk = k.lower()
            if lk in HOP_BY_HOP or lk in ("authorization", "content-length", "expect"):
                continue
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return resp, data

    def proxy(self):
        if not self.authorized():
            # Do not read a possibly huge body: answer and close.
            self.close_connection = True
            self.send_plain(401, "Unauthorized",
                            [("WWW-Authenticate", 'Basic realm="xandikos"'),
                             ("Connection", "close")])
            return
        body = self.read_body()
        try:
            try:
                resp, data = self.forward(body)
            except (http.client.HTTPException, OSError):
                # stale keep-alive connection to upstream: retry once on a new one
                if self._upstream is not None:
                    self._upstream.close()
                self._upstream = None
                resp, data = self.forward(body)
        except Exception as e:  # upstream down
            self.close_connection = True
            self.send_plain(502, "Bad Gateway: %s" % e, [("Connection", "close")])
            return
        self.send_response(resp.status, resp.reason)
        upstream_len = None
        for k, v in resp.getheaders():
            lk = k.lower()
            if lk in HOP_BY_HOP:
                continue
            if lk == "content-length":
                upstream_len = v
                continue
            self.send_header(k, v)
        no_body = resp.status in (204, 304) or 100 <= resp.status < 200
        if self.command == "HEAD":
            if upstream_len is not None:
                self.send_header("Content-Length", upstream_len)
        elif not no_body:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and not no_body:
            self.wfile.write(data)

    def finish(self):
        try:
            super().finish()
        finally:
            if self._upstream is not None:
                self._upstream.close()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def wait_for_upstream(path, pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid and not pid_alive(pid):
            sys.exit("proxy: upstream process %d exited before it was ready" % pid)
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("proxy: upstream socket %s not ready after %ss" % (path, timeout))


def pid_alive(pid):
    try:
        # reap if it is our child and has exited
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--upstream-socket", required=True)
    ap.add_argument("--upstream-pid", type=int, default=0)
    ap.add_argument("--wait", type=float, default=60.0)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()

    user = os.environ["DAV_USER"]
    password = os.environ["DAV_PASS"]
    token = base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii")
    Handler.expected_auth = ("Basic " + token).encode("ascii")
    Handler.upstream_path = a.upstream_socket
    Handler.quiet = not a.verbose

    wait_for_upstream(a.upstream_socket, a.upstream_pid, a.wait)

    def stop(signum, frame):
        if a.upstream_pid and pid_alive(a.upstream_pid):
            try:
                os.kill(a.upstream_pid, signal.SIGTERM)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    srv = Server((a.host, a.listen), Handler)

    if a.upstream_pid:
        def watch():
            while pid_alive(a.upstream_pid):
                time.sleep(0.5)
            sys.stderr.write("proxy: upstream process exited, stopping\n")
            os._exit(1)
        threading.Thread(target=watch, daemon=True).start()

    srv.serve_forever()


if __name__ == "__main__":
    main()
