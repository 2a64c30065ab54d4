"""`secscan scan URL --server BASE --key KEY`: the scan runs on a server and the CLI follows its
event stream — the same output as a server's GET, --json/--fail-on/--compare-to honoured, the
--fix/--sarif/--junit files the server's own; a dropped stream is resumed with Last-Event-ID
(against a stand-in server); Ctrl-C or SIGTERM aborts the run on the server; errors exit 2."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request

from sstest import BIN, FixtureServer, Service, SlowSite, main, run_cli, spawn, stop, wait_for

CONFIG = "[limits]\nrate = 0\n"


def config_for(fx):
    """The service's config for scans of fx alone: the network module scans only fx's port, as
    the loopback's other ports hold whatever other tests and the machine run meanwhile."""
    return CONFIG + f"[scan]\nports = {fx.port}\n"
PAGE = "<html><head><title>Shop</title></head><body><h1>Welcome</h1></body></html>"


class Site:
    def __init__(self):
        self.version = 1

    def __call__(self, h):
        if h.path == "/":
            return 200, [("Content-Type", "text/html"), ("Server", "Apache/2.4.49 (Unix)")], PAGE
        if h.path == "/.env" and self.version == 1:
            return 200, [("Content-Type", "text/plain")], "DB_PASSWORD=s3cr3t-Passw0rd\nAPP_ENV=prod\n"
        if h.path == "/.git/HEAD" and self.version == 2:
            return 200, [("Content-Type", "text/plain")], "ref: refs/heads/main\n"
        if h.path == "/.git/config" and self.version == 2:
            return 200, [("Content-Type", "text/plain")], "[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
        return 404, [("Content-Type", "text/html")], "<html><body>Not Found</body></html>"


def raw_get(svc, path, key):
    """The body of GET path, bytes as sent."""
    req = urllib.request.Request(svc.url + path, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200
        return r.read()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def test_scan_through_a_server():
    site = Site()
    tmp = tempfile.mkdtemp(prefix="secscan-remote-")
    with FixtureServer(site) as fx, Service(config=config_for(fx)) as svc:
        key = svc.admin_key
        sarif, fix, junit = (os.path.join(tmp, name) for name in ("scan.sarif", "FIX.md", "junit.xml"))
        p = run_cli("scan", fx.url, "--server", svc.url, "--key", key, "--json", "--sarif", sarif,
                    "--fix", fix, "--junit", junit, "--fail-on", "MEDIUM")
        assert p.returncode == 1, p.stderr  # the exposed .env is CRITICAL
        out = json.loads(p.stdout)
        run_id = out["run_id"]
        status, _, server = svc.request("GET", f"/v1/scan/{run_id}", key=key)
        assert status == 200 and server["status"] == "completed"
        # Every finding of the run, once (the stream's order is the server's).
        key_of = lambda f: (f["check"], f["fingerprint"], f["location"])  # noqa: E731
        assert sorted(map(key_of, out["findings"])) == sorted(map(key_of, server["findings"]))
        assert out["summary"] == server["summary"]
        # The files are the server's, byte for byte: the fix file with the stack it detected.
        assert read_bytes(fix) == raw_get(svc, f"/v1/scan/{run_id}/fix", key)
        assert b'tech_stack: {server: "apache"' in read_bytes(fix), read_bytes(fix)[:600]
        assert read_bytes(sarif) == raw_get(svc, f"/v1/scan/{run_id}?format=sarif", key)
        assert len(json.loads(read_bytes(sarif))["runs"][0]["results"]) == len(server["findings"])
        assert read_bytes(junit) == raw_get(svc, f"/v1/scan/{run_id}?format=junit&fail_on=MEDIUM", key)
        # A file the server does not give is an error, and the scan's output is not trusted.
        p = run_cli("scan", fx.url, "--server", svc.url, "--key", key, "--fix", os.path.join(tmp, "no", "x"))
        assert p.returncode == 2 and os.path.join(tmp, "no", "x") in p.stderr, p.stderr

        # The text view is the in-process one; --fail-on decides the exit status.
        p = run_cli("scan", fx.url, "--server", svc.url, "--fail-on", "CRITICAL",
                    env={"SECSCAN_KEY": key})
        assert p.returncode == 1 and re.search(r"^CRITICAL \(1\)$", p.stdout, re.M), p.stdout
        assert "exposure.env-credentials" in p.stdout

        # --compare-to previous: only what changed since the last run of the target.
        site.version = 2
        p = run_cli("scan", fx.url, "--server", svc.url, "--key", key, "--compare-to", "previous", "--json")
        doc = json.loads(p.stdout)
        assert doc["compared_to"] and "exposure.env-credentials" in {f["check"] for f in doc["fixed"]}
        new = {f["check"] for f in doc["findings"] if f["change"] == "new"}
        assert "exposure.vcs" in new, new
        assert not new & {f["check"] for f in doc["findings"] if f["change"] == "unchanged"}, new
        assert p.returncode == 1  # the new .git exposure is HIGH
        p = run_cli("scan", fx.url, "--server", svc.url, "--key", key, "--compare-to", doc["run_id"],
                    "--sarif", sarif)
        assert p.returncode == 0, p.stdout + p.stderr  # nothing new since that run
        # Compared, the files hold only what is new (made by the CLI: the server has no such file).
        assert json.loads(read_bytes(sarif))["runs"][0]["results"] == [], read_bytes(sarif)[:3000]
        assert "0 unchanged" not in p.stdout and re.search(r"\d+ unchanged findings? not shown, 0 fixed", p.stdout)
        p = run_cli("scan", fx.url, "--server", svc.url, "--key", key, "--compare-to", "zzzzzzzz")
        assert p.returncode == 2 and "404" in p.stderr, p.stderr

        # Errors: a wrong key, no key, a server that is not there.
        p = run_cli("scan", fx.url, "--server", svc.url, "--key", "sk-sec-" + "x" * 40)
        assert p.returncode == 2 and "401" in p.stderr, p.stderr
        p = run_cli("scan", fx.url, "--server", svc.url, env={"SECSCAN_KEY": ""})
        assert p.returncode == 2 and "--key" in p.stderr
        # how scans run is the server's configuration: an in-process option is refused, not ignored
        for opt in (["--modules", "headers"], ["--allow-private"], ["--crawl-pages", "3"]):
            p = run_cli("scan", fx.url, "--server", svc.url, "--key", key, *opt)
            assert p.returncode == 2 and opt[0] + " sets how an in-process scan runs" in p.stderr, (opt, p.stderr)
    p = run_cli("scan", "http://127.0.0.1:9", "--server", svc.url, "--key", "k")
    assert p.returncode == 2 and p.stderr


FINDING = {"target": "t.example", "severity": "LOW", "category": "tls", "title": "T{n}",
           "description": "d", "evidence": "", "tool": "headers", "check": "headers.x{n}",
           "location": "", "fingerprint": "{n:064d}"}


def ev(n):
    f = {k: v.format(n=n) if isinstance(v, str) else v for k, v in FINDING.items()}
    f["seq"] = n
    return f"id: {n}\nevent: finding\ndata: {json.dumps(f)}\n\n"


class StandIn:
    """A stand-in server whose first stream drops after two findings; records Last-Event-ID."""

    def __init__(self):
        self.last_ids = []

    def __call__(self, h):
        if h.command == "POST" and h.path == "/v1/scan":
            return 201, [("Content-Type", "application/json")], json.dumps(
                {"run_id": "abcd1234", "status": "started", "target": "t.example"})
        if h.path == "/v1/scan/abcd1234/events":
            self.last_ids.append(h.headers.get("Last-Event-ID"))
            if len(self.last_ids) == 1:
                body = ": keep-alive\n\nevent: status\ndata: {\"status\":\"running\"}\n\n" + ev(1) + ev(2)
            else:
                body = ev(3) + 'id: done\nevent: done\ndata: {"status":"completed","summary":{}}\n\n'
            return 200, [("Content-Type", "text/event-stream"), ("Connection", "close")], body
        return 404, [("Content-Type", "application/json")], '{"error":"not found"}'


def test_the_service_config_limits_every_scan():
    site = Site()
    with FixtureServer(site) as fx, Service(config=CONFIG + "[scan]\nmodules = headers, exposure\n") as svc:
        p = run_cli("scan", fx.url, "--server", svc.url, "--key", svc.admin_key, "--json")
        tools = {f["tool"] for f in json.loads(p.stdout)["findings"]}
        assert p.returncode == 1 and tools == {"headers", "exposure"}, (p.returncode, tools, p.stderr)


def test_a_dropped_stream_is_resumed():
    stand_in = StandIn()
    with FixtureServer(stand_in) as srv:
        p = run_cli("scan", "t.example", "--server", srv.url, "--key", "k", "--json")
        assert p.returncode == 0, p.stderr
        assert stand_in.last_ids == [None, "2"], stand_in.last_ids
        assert [f["check"] for f in json.loads(p.stdout)["findings"]] == ["headers.x1", "headers.x2", "headers.x3"]


def test_a_malformed_stream_is_refused():
    def app(h):
        if h.command == "POST":
            return 201, [("Content-Type", "application/json")], '{"run_id":"abcd1234","target":"t"}'
        return 200, [("Content-Type", "text/event-stream")], "event: finding\ndata: " + "x" * (2 << 20) + "\n\n"
    with FixtureServer(app) as srv:
        p = run_cli("scan", "t.example", "--server", srv.url, "--key", "k")
        assert p.returncode == 2 and "malformed" in p.stderr, p.stderr


def test_interrupt_aborts_the_run_on_the_server():
    slow = SlowSite()
    with FixtureServer(slow) as fx, Service(config=config_for(fx)) as svc:
        try:
            key = svc.admin_key
            other = run_cli("keys", "create", "--account", "mallory", "--db", svc.db, check=True).stdout.strip()
            for sig in (signal.SIGINT, signal.SIGTERM):
                p = spawn([BIN, "scan", fx.url, "--server", svc.url, "--key", key, "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                try:
                    run_id = wait_for(lambda: next((r["run_id"] for r in svc.request("GET", "/v1/runs", key=key)[2]["runs"]
                                                    if r["status"] == "running"), None), timeout=30, what="the run")
                    # running, with its first findings: the slow site holds every other request
                    wait_for(lambda: svc.request("GET", f"/v1/scan/{run_id}", key=key)[2]["findings"], timeout=30,
                             what="first findings")
                    # Another account cannot abort it: 404 in the spec's shape, and the run goes on.
                    status, _, body = svc.request("POST", f"/v1/scan/{run_id}/abort", key=other)
                    assert status == 404 and body == {"error": "not found"}, (status, body)
                    assert svc.request("GET", f"/v1/scan/{run_id}", key=key)[2]["status"] == "running"
                    t0 = time.time()
                    p.send_signal(sig)
                    out, err = p.communicate(timeout=30)
                    elapsed = time.time() - t0
                finally:
                    stop(p)
                assert p.returncode == 2, (sig, p.returncode, out, err)
                assert elapsed < 5, f"the CLI took {elapsed:.1f} s to stop after the signal"
                assert "interrupted" in err and f"run {run_id} aborted on the server" in err, err
                doc = json.loads(out)
                assert doc["run_id"] == run_id and doc["status"] == "aborted" and doc["findings"], doc
                scan = svc.request("GET", f"/v1/scan/{run_id}", key=key)[2]
                assert scan["status"] == "aborted" and scan["finished_at"], scan
                # An ended run cannot be aborted again: 409 in the spec's error shape.
                status, _, body = svc.request("POST", f"/v1/scan/{run_id}/abort", key=key)
                assert status == 409 and body == {"error": "the run is not running"}, (status, body)
        finally:
            slow.release.set()


if __name__ == "__main__":
    main([test_scan_through_a_server, test_the_service_config_limits_every_scan, test_a_dropped_stream_is_resumed,
          test_a_malformed_stream_is_refused, test_interrupt_aborts_the_run_on_the_server])
