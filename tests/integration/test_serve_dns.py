"""The service's [dns] settings: `secscan serve` with a config whose resolver is a Knot DNS server
started here on loopback (test_dns.Knot, zones signed by Knot) and whose trust anchor is the DS of
one of them; scans submitted through the API report DNSSEC from that resolver and that anchor (a
good chain: nothing; a zone the anchor does not match: dns.dnssec-bogus). The sites' host names
reach the fixture server through [dns] resolve. A bad anchor file or resolver stops the start
(exit 2, the file and line named, no database created)."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sstest  # noqa: E402
from sstest import FixtureServer, Service, run_cli, wait_for  # noqa: E402
from test_dns import SIGNED, ZONES, Knot  # noqa: E402

CONFIG = "[limits]\nrate = 0\nrun_budget = 60\n"


def site(h):
    return 200, [("Content-Type", "text/html")], "<html><body>intranet</body></html>"


def scan(svc, host):
    status, _, started = svc.request("POST", "/v1/scan", body={"host": host}, key=svc.admin_key)
    assert status == 201, started

    def done():
        status, _, body = svc.request("GET", f"/v1/scan/{started['run_id']}", key=svc.admin_key)
        assert status == 200, body
        return body if body["status"] != "running" else None
    doc = wait_for(done, timeout=120, interval=0.3, what=f"scan of {host}")
    assert doc["status"] == "completed", doc
    return doc


def dns_findings(doc):
    return sorted((f["check"], f["severity"]) for f in doc["findings"] if f["category"] == "dns")


def test_scans_use_the_resolver_and_the_anchor():
    zones = {z: ZONES[z] for z in SIGNED + ("good.example",)}
    with Knot(zones) as knot, FixtureServer(site) as http:
        anchors = os.path.join(knot.dir, "anchors.ds")
        ds = knot.keys("anchored.example", "ds")
        assert ds, "keymgr printed no DS"
        with open(anchors, "w") as f:
            # anchored.example's own DS, and the same key claimed for stale.example (a stale DS)
            f.write("\n".join(ds) + "\n" + "".join(f"stale.example. {line.split(' ', 1)[1]}\n" for line in ds))
        names = ("anchored.example", "stale.example", "good.example")
        config = CONFIG + (f"[dns]\nresolver = 127.0.0.1:{knot.port}\ntrust_anchor = {anchors}\n"
                           "resolve = " + ", ".join(f"{n}:{http.port}:127.0.0.1" for n in names) + "\n")
        with Service(config=config) as svc:
            # a good chain from the configured anchor: validated, nothing to say
            good = scan(svc, f"http://anchored.example:{http.port}")
            assert good["findings"], "the site was not scanned"
            assert dns_findings(good) == [], dns_findings(good)
            # the anchor does not match the zone's key: bogus, with the validator's reason
            stale = scan(svc, f"http://stale.example:{http.port}")
            bogus = sstest.one(stale, "dns.dnssec-bogus", "HIGH")
            assert "validation failure <stale.example. SOA IN>" in bogus["evidence"], bogus
            assert "trust anchor stale.example." in bogus["evidence"], bogus
            assert not sstest.by_check(stale, "dns.dnssec-absent"), stale["findings"]
            # an unsigned zone of the same resolver: its records are read (no SPF, DMARC or CAA)
            plain = scan(svc, f"http://good.example:{http.port}")
            assert ("dns.dnssec-absent", "INFO") in dns_findings(plain), dns_findings(plain)
            assert not sstest.by_check(plain, "dns.check-failed"), plain["findings"]


def refused(args, config=None):
    """Starts `secscan serve` that must refuse to start; returns its stderr."""
    d = tempfile.mkdtemp(prefix="secscan-test-")
    db = os.path.join(d, "secscan.db")
    cmd = ["serve", "--listen", f"127.0.0.1:{sstest.free_port()}", "--db", db, *args]
    if config is not None:
        path = os.path.join(d, "secscan.conf")
        with open(path, "w") as f:
            f.write(config)
        cmd += ["--config", path]
    try:
        p = run_cli(*cmd, timeout=30)
        assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
        # nothing half-started: no database, no key printed
        assert not os.path.exists(db) and "API key" not in p.stdout, (os.listdir(d), p.stdout)
        return p.stderr.replace(d, "DIR")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_bad_settings_stop_the_start():
    with tempfile.TemporaryDirectory(prefix="secscan-anchor-") as d:
        bad_settings(d)


def bad_settings(d):
    bad = os.path.join(d, "anchors.bad")
    for text, why in (("; nothing here\n", "no DS or DNSKEY record"),
                      ("x.example. DS 1 13 2 zz\n", "hex encoding expected")):
        with open(bad, "w") as f:
            f.write(text)
        err = refused([], f"[dns]\ntrust_anchor = {bad}\n")
        assert err.startswith(f"secscan serve: DIR/secscan.conf:2: dns.trust_anchor: {bad}: "), err
        assert why in err, err
    err = refused([], f"[dns]\ntrust_anchor = {bad}.missing\n")
    assert err.startswith(f"secscan serve: DIR/secscan.conf:2: dns.trust_anchor: {bad}.missing: ")
    assert "cannot be read" in err, err
    for value in ("ns1.example", "127.0.0.1:99999", ""):
        err = refused([], f"[dns]\nresolver = {value}\n")
        assert err == (f"secscan serve: DIR/secscan.conf:2: dns.resolver: expected a numeric ADDR[:PORT] "
                       f"(e.g. 127.0.0.1:5353), got '{value}'\n"), err
    err = refused([], "[dns]\nresolve = intranet.test:80\n")
    assert "DIR/secscan.conf:2: dns.resolve: expected HOST:PORT:ADDR" in err, err
    # the flags and the environment go through the same checks
    err = refused(["--resolver", "dns.example"])
    assert err.startswith("secscan serve: dns.resolver: expected a numeric ADDR[:PORT]"), err
    err = refused(["--trust-anchor", bad + ".missing"])
    assert err.startswith(f"secscan serve: dns.trust_anchor: {bad}.missing: cannot be read"), err
    p = run_cli("serve", "--db", os.path.join(d, "env.db"), env={"SECSCAN_RESOLVER": "dns.example"}, timeout=30)
    assert p.returncode == 2 and p.stderr.startswith("secscan serve: SECSCAN_RESOLVER: dns.resolver: "), p.stderr
    assert not os.path.exists(os.path.join(d, "env.db"))


if __name__ == "__main__":
    sstest.main([test_scans_use_the_resolver_and_the_anchor, test_bad_settings_stop_the_start])
