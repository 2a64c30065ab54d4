"""Shared helpers for integration tests: free ports, fixture HTTP servers, the real secscan binary.

Every server a test talks to is started by the test itself on loopback.
"""
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

BIN = os.environ.get("SECSCAN_BIN", "build/secscan")
SRC = os.environ.get("SECSCAN_SRC", ".")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bind_udp_tcp(tries=50):
    """A UDP and a listening TCP socket on the same free 127.0.0.1 port (a DNS server's pair).

    The UDP port the kernel picks may be taken on TCP (or the other way round), so it tries again.
    """
    for _ in range(tries):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(16)
        return udp, tcp
    raise AssertionError("no port free on both UDP and TCP")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes = None  # set per server: callable(handler) -> (status, headers, body)

    def log_message(self, *args):
        pass

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(length) if length else b""
        status, headers, body = self.server.app(self)
        if callable(body):  # a stream: body(wfile) writes it, maybe for ever; it ends the connection
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                body(self.wfile)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if not any(k.lower() == "content-length" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _serve


class FixtureServer:
    """An HTTP server on 127.0.0.1 whose answers come from app(handler) -> (status, headers, body).

    handler.path, handler.command, handler.headers and handler.request_body describe the request.
    body may be a callable(wfile) that writes a stream of any length (then the connection closes).
    Use as a context manager; .url is "http://HOST:PORT" (host: a loopback address, 127.0.0.1 by default).
    """

    def __init__(self, app, port=0, ssl_context=None, host="127.0.0.1"):
        self.httpd = http.server.ThreadingHTTPServer((host, port), _Handler)
        # Scanners open many connections at once: the default backlog of 5 overflows, and each
        # dropped SYN costs the client a 1 s retry.
        self.httpd.socket.listen(128)
        self.httpd.daemon_threads = True
        self.httpd.app = app
        scheme = "http"
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.port = self.httpd.server_address[1]
        self.url = f"{scheme}://{host}:{self.port}"
        # A short poll interval: shutdown() waits for it.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class SlowSite:
    """A FixtureServer app that answers / at once (so findings about it come quickly) and holds
    every other request until .release is set (at most 25 s): a scan of it keeps running."""

    PAGE = "<html><head><title>Shop</title></head><body><h1>Welcome</h1><a href='/about'>about</a></body></html>"

    def __init__(self):
        self.release = threading.Event()

    def __call__(self, h):
        if h.path != "/":
            self.release.wait(25)
        return 200, [("Content-Type", "text/html"), ("Server", "Apache/2.4.49 (Unix)"),
                     ("X-Powered-By", "PHP/7.2.1")], self.PAGE


def _die_with_parent():
    # The child gets SIGTERM when the test process dies, even by SIGKILL (a ctest timeout):
    # no server outlives the test that started it.
    import ctypes
    import signal
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(args, **kwargs):
    """subprocess.Popen(args, **kwargs) for a server a test starts: it dies with the test."""
    return subprocess.Popen(args, preexec_fn=_die_with_parent, **kwargs)


def stop(proc, timeout=10):
    """Ends a spawned process: SIGTERM, then SIGKILL if it has not exited within timeout s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for f in (proc.stdin, proc.stdout, proc.stderr):
        if f:
            f.close()


def run_cli(*args, timeout=120, check=False, env=None):
    """Runs `secscan ARGS...`; returns CompletedProcess with text stdout/stderr."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, env=e)
    if check and p.returncode != 0:
        raise AssertionError(f"secscan {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


class Service:
    """`secscan serve` on a random loopback port with a temporary database (a context manager).

    .url is the base URL, .admin_key the key printed at first start, .request() sends API calls.
    """

    def __init__(self, extra_args=(), config=None, db_dir=None):
        self.dir = db_dir or tempfile.mkdtemp(prefix="secscan-test-")
        self.own_dir = db_dir is None
        self.db = os.path.join(self.dir, "secscan.db")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = list(extra_args)
        self.config_path = None
        if config is not None:
            self.config_path = os.path.join(self.dir, "secscan.conf")
            with open(self.config_path, "w") as f:
                f.write(config)
        self.proc = None
        self.admin_key = None

    def start(self):
        args = [BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--db", self.db, "--allow-private"]
        if self.config_path:
            args += ["--config", self.config_path]
        args += self.extra_args
        self.log = open(os.path.join(self.dir, "serve.log"), "ab")
        self.proc = spawn(args, stdout=subprocess.PIPE, stderr=self.log)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        self.admin_key = self._read_admin_key()
        return self

    def _wait_healthy(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"secscan serve exited {self.proc.returncode}: {self.read_log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        else:
            raise AssertionError("secscan serve did not become healthy")

    def _read_admin_key(self):
        # The first start prints "API key: sk-sec-..." before it listens, so once /healthz
        # answers the line is in the pipe already; later starts print no key (None).
        import re
        import select
        out = b""
        fd = self.proc.stdout.fileno()
        while select.select([fd], [], [], 0.2)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            out += chunk
        self.stdout_text = out.decode(errors="replace")
        m = re.search(r"^API key: (sk-sec-[A-Za-z0-9]{40})$", self.stdout_text, re.M)
        return m.group(1) if m else None

    def read_log(self):
        try:
            with open(os.path.join(self.dir, "serve.log"), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=None):
        if self.proc and sig is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
        if self.proc:
            stop(self.proc, timeout=20)
        if getattr(self, "log", None):
            self.log.close()

    def __enter__(self):
        # A service already started (e.g. restarted on the same database) is not started twice:
        # a second process would be left running when the first one's handle is replaced.
        return self if self.proc and self.proc.poll() is None else self.start()

    def __exit__(self, *exc):
        self.stop()
        if self.own_dir and exc[0] is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def request(self, method, path, body=None, key=None, headers=None, raw=None):
        """Returns (status, headers, parsed JSON or text). body is JSON-encoded; raw is sent as is."""
        h = dict(headers or {})
        if key:
            h["Authorization"] = f"Bearer {key}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), _decode(r.read(), r.headers)
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), _decode(e.read(), e.headers)


def _decode(data, headers):
    ctype = headers.get("Content-Type", "")
    text = data.decode(errors="replace")
    if "json" in ctype:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def by_check(doc, check):
    """The findings of a scan result (GET /v1/scan/{id} shape) with that check id."""
    return [f for f in doc["findings"] if f["check"] == check]


def one(doc, check, severity):
    """The single finding of that check, asserting there is exactly one and its severity."""
    found = by_check(doc, check)
    assert len(found) == 1, f"{check}: {len(found)} findings: {json.dumps(doc['findings'], indent=1)}"
    assert found[0]["severity"] == severity, found[0]
    return found[0]


def wait_for(predicate, timeout=60, interval=0.1, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def main(tests):
    """Runs test functions in order, printing a closing 'N passed, N failed' line; exits 1 on failure."""
    passed = failed = 0
    for t in tests:
        try:
            t()
            passed += 1
            print(f"ok   {t.__name__}")
        except Exception as e:  # noqa: BLE001 - report any failure and go on
            failed += 1
            import traceback
            traceback.print_exc()
            print(f"FAIL {t.__name__}: {e}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
