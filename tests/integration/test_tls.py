"""The tls module against real TLS servers on loopback: certificates made at test time from a test
CA (valid, expired, not yet valid, wrong host, self-signed, expiring soon, RSA 1024, SHA-1, weak
curve, untrusted root, missing intermediate), an OpenSSL server with TLS 1.0/1.1, a fake server
answering with suites OpenSSL cannot offer (SSLv3, RC4, EXPORT, NULL, DES, 3DES, anonymous), and
broken servers. Everything runs through `secscan scan --modules tls --json`."""
import atexit
import json
import shutil
from concurrent.futures import ThreadPoolExecutor

from sstest import FixtureServer, main, run_cli
from tlsfix import CA, HOST, HTTPSServer, LegacyServer, SServer, chain_file

CERT_CHECKS = {"tls.cert-expired", "tls.cert-not-yet-valid", "tls.cert-expiring-soon",
               "tls.cert-hostname-mismatch", "tls.cert-self-signed", "tls.cert-untrusted",
               "tls.cert-chain-incomplete", "tls.cert-weak-key", "tls.cert-weak-signature"}

ca = CA()
atexit.register(shutil.rmtree, ca.dir, True)
intermediate = CA("secscan test intermediate", parent=ca, directory=ca.dir)
stranger = CA("unknown root", directory=ca.dir)


def scan(url, *extra):
    p = run_cli("scan", url, "--json", "--allow-private", "--modules", "tls", "--ca-file", ca.cert,
                *extra, timeout=120)
    assert p.returncode in (0, 1), f"exit {p.returncode}: {p.stderr}"
    out = json.loads(p.stdout)
    assert out["status"] == "completed", out
    for f in out["findings"]:
        assert f["tool"] == "tls" and f["category"] == "tls", f
    return {f["check"]: f for f in out["findings"]}, p


def cert_findings(cert_key, *extra, url_host=None):
    with HTTPSServer(*cert_key) as s:
        url = s.url if url_host is None else f"https://{url_host}:{s.port}"
        extra = [a.replace("PORT", str(s.port)).replace("ADDR", HOST) for a in extra]
        found, _ = scan(url, *extra)
    return found


def cert_problems(found):
    return {c for c in found if c in CERT_CHECKS}


def test_certificate_problems():
    """Each certificate flaw gives its finding, and nothing else from the certificate checks."""
    full = intermediate.issue("chained", aia=True)
    cases = {
        "valid": (ca.issue("valid"), set()),
        "expired": (ca.issue("expired", days=(-400, -10)), {"tls.cert-expired"}),
        "not-yet-valid": (ca.issue("notyet", days=(10, 400)), {"tls.cert-not-yet-valid"}),
        "wrong-host": (ca.issue("wronghost", sans=("DNS:other.example",)), {"tls.cert-hostname-mismatch"}),
        "self-signed": (ca.issue("selfsigned", self_signed=True, days=(0, 365)), {"tls.cert-self-signed"}),
        "expiring-soon": (ca.issue("soon", days=(-100, 5)), {"tls.cert-expiring-soon"}),
        "rsa-1024": (ca.issue("rsa1024", bits=1024), {"tls.cert-weak-key"}),
        "sha1": (ca.issue("sha1", md="sha1"), {"tls.cert-weak-signature"}),
        "weak-curve": (ca.issue("p224", key_type="secp224r1"), {"tls.cert-weak-key"}),
        "untrusted-root": (stranger.issue("stranger"), {"tls.cert-untrusted"}),
        "missing-intermediate": (full, {"tls.cert-chain-incomplete"}),
        "full-chain": ((chain_file(ca.dir, "full.pem", full[0], intermediate.cert), full[1]), set()),
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(cases, pool.map(lambda c: cert_findings(c[0]), cases.values())))
    for name, (_, want) in cases.items():
        got = results[name]
        assert cert_problems(got) == want, f"{name}: got {sorted(got)}, want {sorted(want)}"

    expired = results["expired"]["tls.cert-expired"]
    assert expired["severity"] == "HIGH"
    for part in ("subject=CN=expired", "issuer=CN=secscan test root", f"IP:{HOST}", "not-after="):
        assert part in expired["evidence"], expired["evidence"]
    assert "days" in results["expiring-soon"]["tls.cert-expiring-soon"]["title"]
    assert "RSA 1024" in results["rsa-1024"]["tls.cert-weak-key"]["title"]
    assert "secp224r1" in results["weak-curve"]["tls.cert-weak-key"]["title"]
    assert "SHA-1" in results["sha1"]["tls.cert-weak-signature"]["title"]
    assert "the server sent 1 certificate" in \
        results["missing-intermediate"]["tls.cert-chain-incomplete"]["evidence"]
    # A modern server: TLS 1.3 present, no legacy protocol or weak suite.
    valid = results["valid"]
    assert not {"tls.tls10-enabled", "tls.tls11-enabled", "tls.tls13-missing", "tls.anon-suites",
                "tls.no-forward-secrecy"} & set(valid), sorted(valid)


def test_expiry_window_and_trust_store_are_configurable():
    # Without --ca-file the test CA is unknown: the chain is untrusted.
    valid = ca.issue("valid2")
    with HTTPSServer(*valid) as s:
        p = run_cli("scan", s.url, "--json", "--allow-private", "--modules", "tls")
        found = {f["check"] for f in json.loads(p.stdout)["findings"]}
    assert "tls.cert-untrusted" in found, found
    # 40 days left: outside the default 30-day window, inside a 60-day one.
    forty = ca.issue("forty", days=(-10, 40))
    assert "tls.cert-expiring-soon" not in cert_findings(forty)
    assert "tls.cert-expiring-soon" in cert_findings(forty, "--expiry-days", "60")


def test_wildcard_names_follow_san_rules():
    wild = ca.issue("wildcard", sans=("DNS:*.example.test",))
    ok = cert_findings(wild, "--resolve", "app.example.test:PORT:ADDR", url_host="app.example.test")
    assert "tls.cert-hostname-mismatch" not in ok, sorted(ok)
    # A wildcard covers exactly one label.
    deep = cert_findings(wild, "--resolve", "a.b.example.test:PORT:ADDR", url_host="a.b.example.test")
    assert "tls.cert-hostname-mismatch" in deep, sorted(deep)
    assert "a.b.example.test" in deep["tls.cert-hostname-mismatch"]["title"]


def test_openssl_server_with_old_protocols():
    cert = ca.issue("legacy-openssl")
    with SServer(*cert, "-cipher", "ALL:@SECLEVEL=0") as s:
        found, _ = scan(s.url)
    assert {"tls.tls10-enabled", "tls.tls11-enabled", "tls.anon-suites"} <= set(found), sorted(found)
    assert "tls.sslv3-enabled" not in found
    assert "tls.tls13-missing" not in found
    assert "TLS 1.0 accepted" in found["tls.tls10-enabled"]["evidence"]
    assert "ADH-" in found["tls.anon-suites"]["evidence"] or "AECDH-" in found["tls.anon-suites"]["evidence"]


def test_openssl_server_order_is_detected():
    cert = ca.issue("order")
    mixed = "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA"  # the second: no forward secrecy, CBC
    with SServer(*cert, "-cipher", mixed, "-no_tls1_3") as s:
        client_order, _ = scan(s.url)
    with SServer(*cert, "-cipher", mixed, "-no_tls1_3", "-serverpref") as s:
        server_order, _ = scan(s.url)
    # Client order among strong suites only is harmless: nothing to report.
    with SServer(*cert, "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
                 "-no_tls1_3") as s:
        strong_only, _ = scan(s.url)
    assert "tls.client-cipher-order" in client_order, sorted(client_order)
    assert client_order["tls.client-cipher-order"]["severity"] == "LOW"
    assert "AES128-SHA" in client_order["tls.client-cipher-order"]["evidence"]
    assert "tls.client-cipher-order" not in server_order, sorted(server_order)
    assert "tls.client-cipher-order" not in strong_only, sorted(strong_only)
    assert "tls.tls13-missing" in server_order and server_order["tls.tls13-missing"]["severity"] == "INFO"
    assert "tls.no-forward-secrecy" not in server_order


def test_fake_server_with_suites_openssl_cannot_offer():
    # Version -> suites the fake accepts, in its order of preference.
    accepts = {
        0x0300: [0x0005, 0x0003],                          # SSLv3: RC4-SHA, EXP-RC4-MD5
        0x0301: [0x0005, 0x0004, 0x0003, 0x000A, 0x0009, 0x0018, 0x0002],  # + 3DES, DES, ADH-RC4, NULL
        0x0303: [0x002F, 0x0005],                          # TLS 1.2: AES128-SHA (CBC, no FS), RC4
    }
    with LegacyServer(accepts) as s:
        found, _ = scan(s.url)
    want = {"tls.sslv3-enabled", "tls.tls10-enabled", "tls.rc4-suites", "tls.export-suites",
            "tls.3des-suites", "tls.des-suites", "tls.anon-suites", "tls.null-suites",
            "tls.no-forward-secrecy", "tls.cbc-only", "tls.tls13-missing"}
    assert want <= set(found), f"missing {sorted(want - set(found))}"
    assert "tls.tls11-enabled" not in found
    assert found["tls.sslv3-enabled"]["severity"] == "HIGH"
    rc4 = found["tls.rc4-suites"]["evidence"]
    assert "SSLv3: RC4-SHA" in rc4 and "TLS 1.2: RC4-SHA" in rc4, rc4
    assert "EXP-RC4-MD5" in found["tls.export-suites"]["evidence"]
    assert "DES-CBC3-SHA" in found["tls.3des-suites"]["evidence"]
    assert "NULL-SHA" in found["tls.null-suites"]["evidence"]


def test_broken_servers_end_in_a_clear_error():
    for mode, reason in (("garbage", "did not answer with TLS"),
                         ("truncated", "closed the connection in the middle"),
                         ("silent", "no answer before the timeout")):
        with LegacyServer({0x0303: [0x002F]}, mode=mode) as s:
            found, p = scan(s.url, "--timeout", "1500")
        assert not found, f"{mode}: {sorted(found)}"
        assert reason in p.stderr, f"{mode}: {p.stderr[-800:]}"
        # The OpenSSL handshake is tried too, and its failure named.
        assert "certificate not read" in p.stderr, f"{mode}: {p.stderr[-800:]}"


def test_plain_http_site_has_no_https():
    with FixtureServer(lambda h: (200, [("Content-Type", "text/html")], "<p>plain</p>")) as s:
        found, _ = scan(s.url)
    assert set(found) == {"tls.https-missing"}, sorted(found)
    assert found["tls.https-missing"]["severity"] == "HIGH"
    assert "did not answer with TLS" in found["tls.https-missing"]["evidence"]


if __name__ == "__main__":
    main([test_certificate_problems, test_expiry_window_and_trust_store_are_configurable,
          test_wildcard_names_follow_san_rules, test_openssl_server_with_old_protocols,
          test_openssl_server_order_is_detected, test_fake_server_with_suites_openssl_cannot_offer,
          test_broken_servers_end_in_a_clear_error, test_plain_http_site_has_no_https])
