"""`secscan scan`: one scan in-process against local fixture sites, exit codes, SSRF guard, --resolve."""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import sstest  # noqa: E402
from sstest import BIN, FixtureServer, free_port, main, run_cli  # noqa: E402
from tlsfix import LegacyServer  # noqa: E402

SEVERITIES = ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
seen_hosts = []


def leaky_site(h):
    """A site with missing headers, a version banner and an exposed .env."""
    seen_hosts.append(h.headers.get("Host"))
    if h.path == "/":
        return 200, [("Server", "nginx/1.18.0"), ("X-Powered-By", "Express"),
                     ("Content-Type", "text/html"), ("Set-Cookie", "sid=abc; Path=/")], \
            "<html><head><title>app</title></head><body>hello</body></html>"
    if h.path == "/.env":
        return 200, [("Content-Type", "text/plain")], "DB_PASSWORD=hunter2\nAWS_SECRET_ACCESS_KEY=abc\n"
    return 404, [("Content-Type", "text/plain")], "not found"


def test_scans_a_local_site():
    with FixtureServer(leaky_site) as site:
        p = run_cli("scan", site.url, "--allow-private", "--fail-on", "critical", "--budget", "60")
        assert p.returncode in (0, 1), p.stderr
        host = site.url.split("://")[1]
        assert f"secscan scan of {host} ({site.url})" in p.stdout, p.stdout
        assert "server nginx" in p.stdout and "framework express" in p.stdout, p.stdout
        assert re.search(r"^\d+ findings?: \d+ critical, \d+ high", p.stdout, re.M), p.stdout
        # grouped by severity, each finding with its check id and its evidence, secrets redacted
        assert re.search(r"^CRITICAL \(\d+\)\n  - .*/\.env.* \[exposure\.env-credentials\]$", p.stdout, re.M), p.stdout
        assert "DB_PASSWORD=<redacted" in p.stdout and "hunter2" not in p.stdout, p.stdout
        assert "Risk grade F" in p.stdout, p.stdout
        # nothing but the live view goes to stderr, and no live view when it is not a terminal
        assert "\r" not in p.stderr and "\033" not in p.stderr, repr(p.stderr)


def test_json_output_has_the_api_shape():
    with FixtureServer(leaky_site) as site:
        p = run_cli("scan", site.url, "--allow-private", "--json", "--fail-on", "critical")
        assert p.returncode in (0, 1), p.stderr
        doc = json.loads(p.stdout)
        for key in ("run_id", "status", "started_at", "finished_at", "summary", "findings", "fix_url"):
            assert key in doc, key
        assert doc["status"] == "completed"
        assert doc["summary"]["total"] == len(doc["findings"])
        for f in doc["findings"]:
            assert set(f) >= {"target", "severity", "category", "title", "description", "evidence", "tool"}
            assert f["severity"] in SEVERITIES
            assert len(f["evidence"].encode()) <= 500


def test_fail_on_sets_the_exit_code():
    with FixtureServer(leaky_site) as site:
        p = run_cli("scan", site.url, "--allow-private", "--json", "--fail-on", "critical")
        found = {f["severity"] for f in json.loads(p.stdout)["findings"]}
        for level in SEVERITIES:
            p = run_cli("scan", site.url, "--allow-private", "--fail-on", level.lower())
            want = 1 if any(SEVERITIES.index(s) >= SEVERITIES.index(level) for s in found) else 0
            assert p.returncode == want, (level, found, p.returncode, p.stderr)
        p = run_cli("scan", site.url, "--allow-private", "--fail-on", "urgent")
        assert p.returncode == 2 and "--fail-on" in p.stderr


def test_ssrf_guard_refuses_loopback_by_default():
    with FixtureServer(leaky_site) as site:
        before = len(seen_hosts)
        p = run_cli("scan", site.url)
        assert p.returncode == 2, p.stdout
        assert "SSRF guard" in p.stderr and "--allow-private" in p.stderr, p.stderr
        # a name that resolves to loopback is refused at connect time, never reaching the site
        port = site.url.rsplit(":", 1)[1]
        p = run_cli("scan", f"http://localhost:{port}/")
        assert p.returncode == 2 and "SSRF guard" in p.stderr, p.stderr
        assert len(seen_hosts) == before


def test_resolve_pins_a_name_to_an_address():
    with FixtureServer(leaky_site) as site:
        port = site.url.rsplit(":", 1)[1]
        p = run_cli("scan", f"http://app.example:{port}/", "--allow-private",
                    "--resolve", f"app.example:{port}:127.0.0.1", "--fail-on", "critical")
        assert p.returncode in (0, 1), p.stderr
        assert f"secscan scan of app.example:{port}" in p.stdout, p.stdout
        assert f"app.example:{port}" in seen_hosts
        # the guard still judges the pinned address
        p = run_cli("scan", f"http://app.example:{port}/", "--resolve", f"app.example:{port}:127.0.0.1")
        assert p.returncode == 2 and "SSRF guard" in p.stderr, p.stderr


def test_errors_exit_2_with_a_message():
    port = free_port()  # nothing listens there
    p = run_cli("scan", f"http://127.0.0.1:{port}/", "--allow-private")
    assert p.returncode == 2 and f"127.0.0.1:{port}" in p.stderr, p.stderr
    for args, msg in [(["ftp://example.com"], "unsupported scheme"),
                      (["user@example.com"], "user-info"),
                      (["exa mple.com"], "spaces"),
                      ([], "exactly one URL"),
                      (["a.example", "b.example"], "exactly one URL"),
                      (["--modules", "no-such-module", "a.example"], "unknown module"),
                      (["--resolve", "nonsense", "a.example"], "--resolve"),
                      (["--budget", "0", "a.example"], "--budget"),
                      (["--bogus", "a.example"], "--bogus")]:
        p = run_cli("scan", *args)
        assert p.returncode == 2, (args, p.returncode)
        assert msg in p.stderr, (args, p.stderr)
    p = run_cli("scan", "--help")
    assert p.returncode == 0 and "--fail-on" in p.stdout and "--resolve" in p.stdout


def test_interrupt_stops_the_scan():
    def slow(h):
        time.sleep(5)
        return 200, [], "late"
    with FixtureServer(slow) as site:
        p = sstest.spawn([BIN, "scan", site.url, "--allow-private"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.5)
            t0 = time.time()
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=20)
        finally:
            sstest.stop(p)
        assert time.time() - t0 < 3, "the scan did not stop soon after SIGINT"
        assert p.returncode == 2, (p.returncode, out, err)
        assert "interrupted" in err, err


def test_a_module_that_overruns_the_budget_is_given_up_on():
    # budget 4 s: the watchdog's grace is 5 s, so the CLI aborts the scan at 9 s and gives up on
    # the stuck tls module at 14 s, long before its 600 s handshake timeout.
    with LegacyServer(mode="stall-ocsp") as site:
        t0 = time.time()
        p = run_cli("scan", site.url, "--allow-private", "--modules", "tls,network", "--ports",
                    str(site.port), "--budget", "4", "--timeout", "600000", "--json", timeout=90)
        elapsed = time.time() - t0
        assert site.held, "the certificate handshake never came: the fixture tests nothing"
    assert 9 < elapsed < 40, (elapsed, p.stderr)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "overran its time budget (4 s)" in p.stderr, p.stderr
    assert "modules that did not finish: tls;" in p.stderr, p.stderr
    doc = json.loads(p.stdout)
    assert doc["status"] == "failed", doc
    # what the modules that did finish found is reported
    assert [f["check"] for f in doc["findings"]] == ["network.open-ports"], doc["findings"]


if __name__ == "__main__":
    main([test_scans_a_local_site, test_json_output_has_the_api_shape, test_fail_on_sets_the_exit_code,
          test_ssrf_guard_refuses_loopback_by_default, test_resolve_pins_a_name_to_an_address,
          test_errors_exit_2_with_a_message, test_interrupt_stops_the_scan,
          test_a_module_that_overruns_the_budget_is_given_up_on])
