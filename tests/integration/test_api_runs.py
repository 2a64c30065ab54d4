"""Runs through the API: the quickstart (scan, poll, fix) against a local fixture site, partial
results and ?since, abort (running and queued), clean shutdown on SIGTERM, and crash recovery after
kill -9 (the run ends aborted, the findings stored before the kill are kept)."""
import re
import signal

import yaml

from sstest import FixtureServer, Service, SlowSite, main, wait_for

SEVERITIES = {"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"}
CATEGORIES = {"secrets", "auth", "baas", "api", "cloud", "network", "tls", "dns", "edge-infra",
              "privacy", "disclosure", "ai-safety"}
CONFIG = "[limits]\nrate = 0\n"

PAGE = "<html><head><title>Shop</title></head><body><h1>Welcome</h1><a href='/about'>about</a></body></html>"


def leaky_site(h):
    """Missing security headers, a version banner, an exposed .env and .git."""
    banner = [("Server", "Apache/2.4.49 (Unix)"), ("X-Powered-By", "PHP/7.2.1")]
    if h.path == "/":
        return 200, banner + [("Content-Type", "text/html"), ("Set-Cookie", "PHPSESSID=abc123; Path=/")], PAGE
    if h.path == "/.env":
        return 200, banner + [("Content-Type", "text/plain")], \
            "APP_ENV=production\nDB_HOST=db.internal\nDB_PASSWORD=s3cr3t-Passw0rd\nAPP_KEY=base64:Zm9vYmFyYmF6cXV4\n"
    if h.path == "/.git/HEAD":
        return 200, banner + [("Content-Type", "text/plain")], "ref: refs/heads/main\n"
    return 404, banner + [("Content-Type", "text/html")], "<html><body>Not Found</body></html>"


def get_scan(svc, key, run_id, since=None):
    path = f"/v1/scan/{run_id}" + (f"?since={since}" if since is not None else "")
    status, headers, body = svc.request("GET", path, key=key)
    assert status == 200, (status, body)
    assert headers["Content-Type"] == "application/json"
    return body


def start(svc, key, host, **extra):
    status, _, body = svc.request("POST", "/v1/scan", body={"host": host, **extra}, key=key)
    assert status == 201, body
    return body


def test_quickstart_scan_poll_fix():
    with FixtureServer(leaky_site) as fx, Service(config=CONFIG) as svc:
        key = svc.admin_key
        host = f"127.0.0.1:{fx.port}"
        started = start(svc, key, fx.url, label="production")
        assert started["status"] == "started" and started["target"] == host
        assert re.fullmatch(r"[a-z0-9]{8}", started["run_id"])
        run_id = started["run_id"]
        assert started["check_status_url"] == f"{svc.url}/v1/scan/{run_id}"

        scan = wait_for(lambda: (lambda s: s if s["status"] != "running" else None)(get_scan(svc, key, run_id)),
                        timeout=90, interval=0.3, what="scan completion")
        assert scan["status"] == "completed", scan
        assert scan["started_at"] and scan["finished_at"]
        assert scan["fix_url"] == f"{svc.url}/v1/scan/{run_id}/fix"
        findings = scan["findings"]
        assert findings, "the leaky site must produce findings"
        summary = scan["summary"]
        assert summary["total"] == len(findings)
        assert sum(summary[k] for k in ("critical", "high", "medium", "low", "info")) == summary["total"]
        for f in findings:
            for field in ("target", "severity", "category", "title", "description", "evidence", "tool"):
                assert isinstance(f[field], str), (field, f)
            assert f["severity"] in SEVERITIES and f["category"] in CATEGORIES, f
            assert f["target"] == host, f
            assert len(f["evidence"].encode()) <= 500
        checks = {f["check"]: f for f in findings}
        for check, severity in (("exposure.env-credentials", "CRITICAL"), ("exposure.vcs", "HIGH"),
                                ("headers.csp-missing", "MEDIUM"), ("disclosure.version-banner", "LOW")):
            assert checks.get(check, {}).get("severity") == severity, (check, sorted(checks))
        assert "s3cr3t-Passw0rd" not in repr(findings), "secrets in evidence are redacted"
        seqs = [f["seq"] for f in findings]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        newer = get_scan(svc, key, run_id, since=seqs[0])["findings"]
        assert [f["seq"] for f in newer] == seqs[1:], "?since returns only newer findings"
        assert get_scan(svc, key, run_id, since=seqs[-1])["findings"] == []
        again = get_scan(svc, key, run_id)
        assert again == scan, "a finished run reads the same every time"

        runs = svc.request("GET", "/v1/runs", key=key)[2]["runs"]
        assert [r["run_id"] for r in runs] == [run_id]
        assert runs[0]["id"] == run_id and runs[0]["target"] == host and runs[0]["status"] == "completed"
        assert runs[0]["summary"]["total"] == len(findings)

        status, headers, fix = svc.request("GET", f"/v1/scan/{run_id}/fix", key=key)
        assert status == 200 and headers["Content-Type"].startswith("text/markdown"), (status, fix)
        m = re.match(r"^---\n(.*?)\n---\n", fix, re.S)
        assert m, fix[:300]
        front = yaml.safe_load(m.group(1))
        assert front["format"] == "security-fix/v1"
        assert str(front["scan_id"]) == run_id
        assert front["targets"][0]["host"] == host
        assert front["targets"][0]["risk_grade"] == "F", "a CRITICAL finding gives F"
        assert f"# Security Fixes: {host}" in fix
        assert re.search(r"^## FIX-1: .*\.env.* \[CRITICAL\]$", fix, re.M), "the worst fix comes first"
        assert "s3cr3t-Passw0rd" not in fix
        status, _, legacy = svc.request("GET", f"/v1/scan/{run_id}/fix?format=legacy", key=key)
        assert status == 200 and not legacy.startswith("---") and f"# Security Fixes: {host}" in legacy
        status, _, only = svc.request("GET", f"/v1/scan/{run_id}/fix?target={host}", key=key)
        assert status == 200 and f"# Security Fixes: {host}" in only
        assert svc.request("GET", f"/v1/scan/{run_id}/fix?target=other.example.com", key=key)[0] == 404
        assert svc.request("GET", f"/v1/scan/{run_id}/fix?format=pdf", key=key)[0] == 400
        assert svc.request("POST", f"/v1/scan/{run_id}/abort", key=key)[0] == 409


def test_abort_running_and_queued_runs():
    slow = SlowSite()
    with FixtureServer(slow) as fx, Service(config=CONFIG + "max_runs = 1\n") as svc:
        try:
            key = svc.admin_key
            first = start(svc, key, fx.url)["run_id"]
            second = start(svc, key, fx.url)["run_id"]
            wait_for(lambda: get_scan(svc, key, first)["findings"], timeout=30, what="first findings")
            assert get_scan(svc, key, second)["status"] == "running", "a queued run shows as running"
            assert get_scan(svc, key, second)["findings"] == []

            status, _, body = svc.request("POST", f"/v1/scan/{second}/abort", key=key)
            assert status == 200 and body == {"run_id": second, "status": "aborted"}, body
            assert get_scan(svc, key, second)["status"] == "aborted"

            before = get_scan(svc, key, first)
            assert before["status"] == "running", "the slow site keeps the scan running"
            status, _, body = svc.request("POST", f"/v1/scan/{first}/abort", key=key)
            assert status == 200 and body["status"] == "aborted", body
            after = get_scan(svc, key, first)
            assert after["status"] == "aborted" and after["finished_at"]
            kept = {f["seq"] for f in after["findings"]}
            assert {f["seq"] for f in before["findings"]} <= kept, "findings are kept on abort"
            assert svc.request("POST", f"/v1/scan/{first}/abort", key=key)[0] == 409
            assert svc.request("GET", f"/v1/scan/{first}/fix", key=key)[0] == 200
        finally:
            slow.release.set()


def test_the_time_budget_ends_a_slow_scan():
    # The site holds every request but "/" for 25 s; the 3 s budget (and the watchdog 5 s after
    # it, should the engine overrun) must end the run long before that, as completed with partial results.
    slow = SlowSite()
    with FixtureServer(slow) as fx, Service(config=CONFIG + "run_budget = 3\n") as svc:
        try:
            key = svc.admin_key
            run_id = start(svc, key, fx.url)["run_id"]
            scan = wait_for(lambda: (lambda s: s if s["status"] != "running" else None)(get_scan(svc, key, run_id)),
                            timeout=15, interval=0.3, what="the budget to end the scan")
            assert scan["status"] == "completed", scan
            assert scan["findings"], "findings found before the budget ran out are kept"
        finally:
            slow.release.set()


def interrupt_a_scan(stop):
    """Scans a slow site until its first findings and stops the service with stop(proc). Returns
    a service on the same database (not started yet), the key, the run id and the findings seen
    before the stop."""
    slow = SlowSite()
    with FixtureServer(slow) as fx:
        svc = Service(config=CONFIG).start()
        try:
            key = svc.admin_key
            run_id = start(svc, key, fx.url)["run_id"]
            before = wait_for(lambda: get_scan(svc, key, run_id)["findings"], timeout=30, what="findings")
            assert get_scan(svc, key, run_id)["status"] == "running", "the slow site keeps the scan running"
            stop(svc.proc)
        finally:
            slow.release.set()
            svc.stop()
    again = Service(config=CONFIG, db_dir=svc.dir)  # the caller starts it with "with"
    again.own_dir = True  # removed when the test passes
    return again, key, run_id, before


def test_sigterm_ends_running_runs_as_aborted():
    def sigterm(proc):
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, "a clean stop exits 0"
    svc, key, run_id, before = interrupt_a_scan(sigterm)
    with svc:
        scan = get_scan(svc, key, run_id)
        assert scan["status"] == "aborted" and scan["finished_at"], scan
        assert {f["seq"] for f in before} <= {f["seq"] for f in scan["findings"]}
        assert "left running" not in svc.read_log(), "a clean stop leaves nothing to recover"


def test_crash_recovery_keeps_findings():
    def kill9(proc):
        proc.kill()
        proc.wait()
    svc, key, run_id, before = interrupt_a_scan(kill9)
    with svc:
        scan = get_scan(svc, key, run_id)
        assert scan["status"] == "aborted" and scan["finished_at"], scan
        assert {f["seq"] for f in before} <= {f["seq"] for f in scan["findings"]}
        assert "left running by an earlier process" in svc.read_log()
        assert svc.request("GET", "/v1/runs", key=key)[2]["runs"][0]["status"] == "aborted"
        # The service works normally after recovery.
        assert svc.request("POST", "/v1/targets", body={"host": "example.com"}, key=key)[0] == 201


if __name__ == "__main__":
    main([test_quickstart_scan_poll_fix,
          test_abort_running_and_queued_runs,
          test_the_time_budget_ends_a_slow_scan,
          test_sigterm_ends_running_runs_as_aborted,
          test_crash_recovery_keeps_findings])
