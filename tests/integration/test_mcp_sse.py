"""ai-safety against MCP servers on the legacy HTTP+SSE transport (protocol 2024-11-05): GET /sse
opens a stream that never ends, whose first event names the endpoint to POST messages to, and the
answers come back on the stream.

An open server is reported like a streamable-HTTP one (its dangerous tools named, none called).
Near misses are not: a notification stream on /sse whose first event is no endpoint, a legacy
server whose message endpoint asks for credentials, and a stream that floods bytes without ever
ending an event (read no further than the byte cap). The streams stay open for 60 s on the server
side: the scan must end long before.
"""
import json
import os
import queue
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sstest  # noqa: E402

STREAM_S = 60
SSE = [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]


class LegacyMcp:
    """A legacy MCP server: one queue of answers per stream; auth: the message endpoint wants a token."""

    def __init__(self, auth=False):
        self.auth = auth
        self.sessions = {}
        self.n = 0
        self.lock = threading.Lock()
        self.posts = 0
        self.calls = []  # JSON-RPC methods taken

    def stream(self):
        with self.lock:
            self.n += 1
            sid = f"s{self.n}x9f"
            q = self.sessions[sid] = queue.Queue()

        def write(w):
            w.write(f"event: endpoint\ndata: /messages?sessionId={sid}\n\n".encode())
            until = time.time() + STREAM_S
            while time.time() < until:
                try:
                    msg = q.get(timeout=0.5)
                except queue.Empty:
                    w.write(b": ping\n\n")  # keep-alive comments, as the SDKs send
                    continue
                w.write(f"event: message\ndata: {json.dumps(msg)}\n\n".encode())
        return write

    def message(self, h, query):
        sid = query.partition("sessionId=")[2]
        q = self.sessions.get(sid)
        if q is None:
            return 404, [], "Could not find session"
        self.posts += 1
        if self.auth and not h.headers.get("Authorization"):
            return 401, [("WWW-Authenticate", "Bearer")], "Unauthorized"
        msg = json.loads(h.request_body)
        self.calls.append(msg.get("method"))
        if msg.get("method") == "initialize":
            q.put({"jsonrpc": "2.0", "id": msg["id"], "result": {
                "protocolVersion": "2024-11-05", "capabilities": {"tools": {}},
                "serverInfo": {"name": "legacy-ops", "version": "1.2.0"}}})
        elif msg.get("method") == "tools/list":
            q.put({"jsonrpc": "2.0", "id": msg["id"], "result": {"tools": [
                {"name": "execute_sql", "inputSchema": {"type": "object"}},
                {"name": "get_time", "inputSchema": {"type": "object"}}]}})
        return 202, [], "Accepted"


def notifications(w):
    # an app's own event stream: its first event carries data but is no endpoint
    w.write(b'event: message\ndata: {"status": "ok", "endpoint": "/messages"}\n\n')
    until = time.time() + STREAM_S
    while time.time() < until:
        time.sleep(0.5)
        w.write(b"event: endpoint\ndata: /messages?late=1\n\n")  # too late: not the first event


class Flood:
    """A stream that sends data without ever ending an event; remembers how much went out."""

    def __init__(self):
        self.sent = 0
        self.closed_after = None

    def __call__(self, w):
        t0 = time.time()
        w.write(b"event: endpoint\ndata: /")
        try:
            while time.time() - t0 < STREAM_S:
                w.write(b"x" * 4096)
                self.sent += 4096
                time.sleep(0.001)
        finally:
            self.closed_after = time.time() - t0


def site(sse_app, mcp_sse_app, mcps):
    def app(h):
        path, _, query = h.path.partition("?")
        if path == "/":
            return 200, [("Content-Type", "text/html")], "<!DOCTYPE html><html><body>Ops</body></html>"
        if path == "/sse" and h.command == "GET":
            return sse_app()
        if path == "/mcp/sse" and h.command == "GET":
            return mcp_sse_app()
        if path == "/messages" and h.command == "POST":
            for m in mcps:
                r = m.message(h, query)
                if r[0] != 404:
                    return r
            return 404, [], "Could not find session"
        if path in ("/sse", "/mcp/sse"):
            return 405, [("Allow", "GET")], "Method Not Allowed"  # streamable-HTTP's POST probe
        return 404, [("Content-Type", "text/plain")], "Not Found"
    return app


def scan(app):
    with sstest.FixtureServer(app) as srv:
        t0 = time.time()
        p = sstest.run_cli("scan", srv.url + "/", "--json", "--allow-private", "--modules", "ai-safety",
                           "--timeout", "5000")
        took = time.time() - t0
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc
    return doc, srv.url, took


def test_open_legacy_server():
    mcp = LegacyMcp()
    flood = Flood()
    doc, base, took = scan(site(lambda: (200, SSE, mcp.stream()), lambda: (200, SSE, flood), [mcp]))
    mcps = [f for f in doc["findings"] if f["check"].startswith("ai-safety.mcp")]
    assert len(mcps) == 1, doc["findings"]
    f = mcps[0]
    assert f["check"] == "ai-safety.mcp-dangerous-tools" and f["severity"] == "CRITICAL", f
    assert f["title"] == "MCP server without authentication exposes dangerous tools: execute_sql", f
    ev = f["evidence"]
    assert ev.startswith(f"GET {base}/sse -> event: endpoint /messages?...; POST initialize there -> "
                         "server legacy-ops 1.2.0 (protocol 2024-11-05); tools/list: 2 tools: execute_sql"), ev
    assert "get_time" in ev and "s1x9f" not in ev, ev
    # initialize, the initialized notification, tools/list: never a tool called
    assert mcp.calls == ["initialize", "notifications/initialized", "tools/list"], mcp.calls
    # the flood was cut at the byte cap (64 KiB) within a moment, not read for its 60 s
    assert flood.closed_after is not None and flood.closed_after < 5, flood.closed_after
    assert took < 30, took


def test_near_misses():
    locked = LegacyMcp(auth=True)
    doc, _, took = scan(site(lambda: (200, SSE, notifications), lambda: (200, SSE, locked.stream()), [locked]))
    assert not [f for f in doc["findings"] if f["check"].startswith("ai-safety.mcp")], doc["findings"]
    # it did try the locked server's endpoint, and stopped at its refusal
    assert locked.n == 1 and locked.posts == 1 and locked.calls == [], (locked.n, locked.posts, locked.calls)
    assert took < 30, took


if __name__ == "__main__":
    sstest.main([test_open_legacy_server, test_near_misses])
