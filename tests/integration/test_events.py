"""Live events: GET /v1/scan/{id}/events (server-sent events) while a scan runs — every finding once
in order, status and done; resuming with Last-Event-ID (no loss, no duplicates); a slow reader;
heartbeats, the per-account cap and its release when a client leaves; 200 listeners at once while
the server keeps answering other requests fast."""
import re
import selectors
import socket
import threading
import time

from sstest import FixtureServer, Service, main, run_cli, wait_for

PAGE = "<html><head><title>Shop</title></head><body><h1>Welcome</h1></body></html>"


class HeldSite:
    """A leaky site that holds every request but / until released, so a scan stays running."""

    def __init__(self):
        self.release = threading.Event()

    def __call__(self, h):
        if h.path != "/":
            self.release.wait(30)
        if h.path == "/.env":
            return 200, [("Content-Type", "text/plain")], "DB_PASSWORD=s3cr3t-Passw0rd\nAPP_ENV=prod\n"
        if h.path == "/.git/HEAD":
            return 200, [("Content-Type", "text/plain")], "ref: refs/heads/main\n"
        if h.path == "/":
            return 200, [("Content-Type", "text/html"), ("Server", "Apache/2.4.49 (Unix)"),
                         ("X-Powered-By", "PHP/7.2.1")], PAGE
        return 404, [("Content-Type", "text/html")], "<html><body>Not Found</body></html>"


class Stream:
    """A raw-socket SSE client: sends the request, decodes the chunked body into events."""

    def __init__(self, port, path, key, last_id=None, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        extra = f"Last-Event-ID: {last_id}\r\n" if last_id is not None else ""
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
                           f"Accept: text/event-stream\r\n{extra}\r\n").encode())
        self.raw = b""
        self.head = None
        self.body = b""
        self.closed = False

    def feed(self, data):
        if not data:
            self.closed = True
        self.raw += data
        if self.head is None and b"\r\n\r\n" in self.raw:
            self.head, self.raw = self.raw.split(b"\r\n\r\n", 1)
            self.head = self.head.decode()
        if self.head is not None and "chunked" not in self.head.lower():
            self.body, self.raw = self.body + self.raw, b""
        while self.head is not None and b"\r\n" in self.raw:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                break
            self.body += rest[:size]
            self.raw = rest[size + 2:]
            if size == 0:
                self.closed = True

    def read_some(self, timeout=10):
        self.sock.settimeout(timeout)
        self.feed(self.sock.recv(65536))

    @property
    def status(self):
        return int(self.head.split()[1]) if self.head else None

    def events(self):
        """Complete events so far: dicts of id/event/data, and comments as {"comment": ...}."""
        out = []
        for block in self.body.decode().split("\n\n")[:-1]:
            ev = {}
            for line in block.split("\n"):
                if line.startswith(":"):
                    ev["comment"] = line[1:].strip()
                elif ":" in line:
                    k, v = line.split(":", 1)
                    ev[k] = v[1:] if v.startswith(" ") else v
            out.append(ev)
        return out

    def until(self, pred, timeout=60):
        deadline = time.time() + timeout
        while not pred(self.events()):
            if self.closed or time.time() > deadline:
                raise AssertionError(f"stream ended or timed out: {self.head} {self.body[-500:]!r}")
            self.read_some(max(0.1, deadline - time.time()))
        return self.events()

    def close(self):
        self.sock.close()


def done(evs):
    return any(e.get("event") == "done" for e in evs)


def findings_of(evs):
    return [e for e in evs if e.get("event") == "finding"]


def start(svc, key, url):
    status, _, body = svc.request("POST", "/v1/scan", body={"host": url}, key=key)
    assert status == 201, body
    return body["run_id"]


def final(svc, key, run_id):
    return wait_for(lambda: (lambda s: s if s["status"] != "running" else None)(
        svc.request("GET", f"/v1/scan/{run_id}", key=key)[2]), timeout=90, interval=0.2, what="scan end")


CONFIG = "[limits]\nrate = 0\nevent_streams = 250\nheartbeat = 1\n"


def test_stream_resume_and_slow_reader():
    site = HeldSite()
    with FixtureServer(site) as fx, Service(config=CONFIG) as svc:
        key = svc.admin_key
        run_id = start(svc, key, fx.url)
        path = f"/v1/scan/{run_id}/events"
        first = Stream(svc.port, path, key)
        slow = Stream(svc.port, path, key, rcvbuf=2048)  # reads nothing until the end
        evs = first.until(lambda evs: findings_of(evs))
        assert first.status == 200 and "text/event-stream" in first.head, first.head
        assert evs[0] == {"event": "status", "data": f'{{"run_id":"{run_id}","status":"running"}}'} or \
            any(e.get("event") == "status" for e in evs), evs
        got = findings_of(evs)
        first.close()
        # Resume after the last finding seen: the rest, none twice, none lost.
        second = Stream(svc.port, path, key, last_id=got[-1]["id"])
        site.release.set()
        evs2 = second.until(done)
        rest = findings_of(evs2)
        ids = [int(e["id"]) for e in got + rest]
        assert ids == list(range(1, len(ids) + 1)), ids
        scan = final(svc, key, run_id)
        assert [f["seq"] for f in scan["findings"]] == ids
        import json
        assert [json.loads(e["data"])["fingerprint"] for e in got + rest] == \
            [f["fingerprint"] for f in scan["findings"]]
        end = [e for e in evs2 if e.get("event") == "done"][0]
        assert end["id"] == "done"
        summary = json.loads(end["data"])
        assert summary["status"] == "completed" and summary["summary"]["total"] == len(ids), summary
        statuses = [json.loads(e["data"])["status"] for e in evs2 if e.get("event") == "status"]
        assert statuses[-1] == "completed", statuses
        # The slow reader, which read nothing while the scan ran, still gets everything in order.
        evs3 = slow.until(done, timeout=30)
        assert [int(e["id"]) for e in findings_of(evs3)] == ids
        # After done, a reconnect is told to stop (204); a finished run streams its story at once.
        s204 = Stream(svc.port, path, key, last_id="done")
        while s204.head is None:
            s204.read_some()
        assert s204.status == 204, s204.head
        replay = Stream(svc.port, path, key)
        assert [int(e["id"]) for e in findings_of(replay.until(done))] == ids
        for s in (second, slow, s204, replay):
            s.close()

        # Errors: bad Last-Event-ID, unknown run, another account's run.
        bad = Stream(svc.port, path, key, last_id="x1")
        while bad.head is None:
            bad.read_some()
        assert bad.status == 400
        assert svc.request("GET", "/v1/scan/zzzzzzzz/events", key=key)[0] == 404
        other = run_cli("keys", "create", "--account", "eve", "--db", svc.db, check=True)
        okey = re.search(r"sk-sec-[A-Za-z0-9]{40}", other.stdout).group(0)
        assert svc.request("GET", path, key=okey)[0] == 404


def test_heartbeat_cap_and_disconnect():
    site = HeldSite()
    config = "[limits]\nrate = 0\nevent_streams = 2\nheartbeat = 1\n"
    with FixtureServer(site) as fx, Service(config=config) as svc:
        key = svc.admin_key
        run_id = start(svc, key, fx.url)
        path = f"/v1/scan/{run_id}/events"
        a, b = Stream(svc.port, path, key), Stream(svc.port, path, key)
        a.until(lambda evs: any("comment" in e for e in evs), timeout=5)  # a keep-alive on an idle stream
        b.until(lambda evs: len(evs) >= 1)
        c = Stream(svc.port, path, key)
        while c.head is None:
            c.read_some()
        assert c.status == 429, c.head
        a.close()
        c.close()
        # The heartbeat finds the client that left; its place is free again.
        def reopened():
            s = Stream(svc.port, path, key)
            while s.head is None:
                s.read_some()
            ok = s.status == 200
            if not ok:
                s.close()
            return s if ok else None
        d = wait_for(reopened, timeout=10, interval=0.5, what="a freed stream slot")
        # Stopping the service ends the open (parked) streams and exits cleanly.
        svc.stop()
        assert svc.proc.returncode == 0, (svc.proc.returncode, svc.read_log()[-2000:])
        for s in (b, d):
            deadline = time.time() + 10
            while not s.closed and time.time() < deadline:
                s.read_some()
            assert s.closed
            s.close()
        site.release.set()


def test_200_listeners_and_a_responsive_server():
    site = HeldSite()
    with FixtureServer(site) as fx, Service(config=CONFIG) as svc:
        key = svc.admin_key
        run_id = start(svc, key, fx.url)
        path = f"/v1/scan/{run_id}/events"
        streams = [Stream(svc.port, path, key) for _ in range(200)]
        sel = selectors.DefaultSelector()
        for s in streams:
            s.sock.setblocking(False)
            sel.register(s.sock, selectors.EVENT_READ, s)

        def pump(seconds):
            end = time.time() + seconds
            while time.time() < end:
                for k, _ in sel.select(timeout=0.05):
                    try:
                        data = k.fileobj.recv(65536)
                    except BlockingIOError:
                        continue
                    k.data.feed(data)
                    if k.data.closed:
                        sel.unregister(k.fileobj)

        pump(2)
        assert all(s.status == 200 for s in streams), [s.head for s in streams if s.status != 200][:2]
        # While 200 streams are open, ordinary requests answer fast.
        times = []
        for _ in range(20):
            t0 = time.time()
            status, _, body = svc.request("GET", f"/v1/scan/{run_id}", key=key)
            times.append(time.time() - t0)
            assert status == 200
            pump(0.05)
        times.sort()
        print(f"GET /v1/scan during 200 streams: median {times[10] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms")
        assert times[10] < 0.25 and times[-1] < 2.0, times
        site.release.set()
        deadline = time.time() + 90
        while time.time() < deadline and not all(done(s.events()) for s in streams):
            pump(0.5)
        missing = [i for i, s in enumerate(streams) if not done(s.events())]
        assert not missing, f"{len(missing)} listeners got no done"
        want = [f["seq"] for f in final(svc, key, run_id)["findings"]]
        for s in streams:
            assert [int(e["id"]) for e in findings_of(s.events())] == want
            s.close()


if __name__ == "__main__":
    main([test_stream_resume_and_slow_reader, test_heartbeat_cap_and_disconnect,
          test_200_listeners_and_a_responsive_server])
