"""The web modules (headers, cookies, exposure, disclosure) against fixture sites, through
`secscan scan URL --json --allow-private`: the findings a user relies on, their severities and
evidence, and no false positives on a well-configured site or a catch-all site."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures_web as fw  # noqa: E402
import sstest  # noqa: E402

MODULES = "headers,cookies,exposure,disclosure"
TLS = fw.make_tls_context(tempfile.mkdtemp(prefix="secscan-webmods-"))


def scan(url, expect_rc=None, modules=MODULES):
    p = sstest.run_cli("scan", url, "--json", "--allow-private", "--modules", modules, "--timeout", "5000",
                       timeout=120)
    if expect_rc is not None and p.returncode != expect_rc:
        raise AssertionError(f"secscan exited {p.returncode}, wanted {expect_rc}: {p.stderr}")
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc["status"]
    for f in doc["findings"]:
        assert f["tool"] in modules.split(","), f
    return doc, p.stdout


by_check = sstest.by_check
one = sstest.one


def test_leaky_site():
    with fw.leaky_site() as site:
        doc, raw = scan(site.url, expect_rc=1)

    env = one(doc, "exposure.env-credentials", "CRITICAL")
    assert env["category"] == "secrets"
    assert "/.env" in env["title"], env["title"]
    assert "DB_PASSWORD=<redacted, 19 chars>" in env["evidence"], env["evidence"]
    assert "STRIPE_API_KEY=<redacted" in env["evidence"], env["evidence"]

    git = by_check(doc, "exposure.vcs")
    assert sorted(f["title"] for f in git) == ["Git repository /.git/HEAD exposed",
                                                "Git repository /.git/config exposed"], git
    assert all(f["severity"] == "HIGH" for f in git)
    assert any("ref: refs/heads/main" in f["evidence"] for f in git)

    dumps = {f["title"]: f for f in by_check(doc, "exposure.sql-dump")}
    assert sorted(dumps) == ["Compressed SQL dump /backup.sql.gz exposed", "SQL dump /db.sql exposed"], sorted(dumps)
    assert all(f["severity"] == "CRITICAL" for f in dumps.values())
    assert "MySQL dump" in dumps["SQL dump /db.sql exposed"]["evidence"], dumps
    # the gzip was decompressed: the evidence quotes the dump, not the compressed bytes
    assert "MySQL dump" in dumps["Compressed SQL dump /backup.sql.gz exposed"]["evidence"], dumps
    # /dump.sql.gz is a gzip of a not-found page: no finding (nor a backup-archive one)
    # Nothing else was "exposed": every other probe got the site's 404.
    # The crawl found the source map the script names (a path no probe asks for).
    smap = one(doc, "exposure.source-map", "LOW")
    assert smap["title"] == "Source map /assets/shop.8c1e.js.map exposed", smap
    assert "webpack:///src/checkout.js" in smap["evidence"], smap
    exposure = {f["check"] for f in doc["findings"] if f["tool"] == "exposure"}
    assert exposure == {"exposure.env-credentials", "exposure.vcs", "exposure.sql-dump", "exposure.source-map"}, exposure

    banners = sorted(f["evidence"] for f in by_check(doc, "disclosure.version-banner"))
    assert banners == ["Server: nginx/1.18.0", "X-Powered-By: Express 4.17.1"], banners
    assert all(f["severity"] == "LOW" for f in by_check(doc, "disclosure.version-banner"))
    trace = one(doc, "disclosure.stack-trace", "MEDIUM")
    assert "node_modules/express/lib/router/layer.js:95:5" in trace["evidence"], trace

    httponly = one(doc, "cookies.httponly-missing", "MEDIUM")
    assert "sessionid" in httponly["title"]
    assert httponly["evidence"] == "Set-Cookie: sessionid=<hidden>; Path=/", httponly["evidence"]
    one(doc, "cookies.samesite-missing", "LOW")
    # theme is no session cookie; remember_token is being deleted (an expired Expires).
    assert not [f for f in doc["findings"] if f["tool"] == "cookies" and "theme" in f["title"]]
    assert not [f for f in doc["findings"] if "remember_token" in f["title"]]
    # Secure cannot be asked of a plain-HTTP site.
    assert not by_check(doc, "cookies.secure-missing")

    one(doc, "headers.csp-missing", "MEDIUM")
    one(doc, "headers.frame-protection-missing", "MEDIUM")
    one(doc, "headers.xcto-missing", "LOW")
    one(doc, "headers.referrer-policy-missing", "LOW")
    # An HTTP-only site is told once, by the tls module, that it has no HTTPS: no redirect finding.
    assert not by_check(doc, "headers.https-redirect-missing")
    one(doc, "headers.coop-missing", "LOW")
    one(doc, "headers.permissions-policy-missing", "INFO")
    # HSTS is only asked of HTTPS answers.
    assert not [f for f in doc["findings"] if f["check"].startswith("headers.hsts")]

    # No secret value and no cookie value ever leaves in the output.
    for secret in ("Sup3rS3cretPassw0rd", "sk_live_51Hfixture", "7f3a9c2e1b4d8f6a0c5e3b1d", "alice@example.com",
                   "db.internal"):
        assert secret not in raw, secret


def test_secure_site_has_nothing_above_info():
    with fw.secure_site(TLS) as site:
        doc, _ = scan(site.url, expect_rc=0)
        paths = list(site.paths)
    above = [f for f in doc["findings"] if f["severity"] != "INFO"]
    assert not above, above
    # The scan did look: the probes reached the site over TLS.
    for p in ("/", "/.env", "/.git/HEAD", "/db.sql", "/server-status"):
        assert p in paths, p


def test_catch_all_site_has_no_exposure():
    for echo in (False, True):
        with fw.catch_all_site(echo_path=echo) as site:
            doc, _ = scan(site.url)
            paths = list(site.paths)
        assert len(paths) > 100, len(paths)
        bad = [f for f in doc["findings"] if f["tool"] in ("exposure", "disclosure")]
        assert not bad, (echo, bad)


def test_refresh_page_to_https_is_a_redirect():
    page = ('<!DOCTYPE html><html><head><meta http-equiv="Refresh" content="0; URL=https://example.com/">'
            '</head><body>Moved</body></html>')
    with fw.dual_site(lambda h: (200, [("Content-Type", "text/html")], page), TLS) as site:
        doc, _ = scan(site.url, modules="headers")
    assert not by_check(doc, "headers.https-redirect-missing"), doc["findings"]


def test_missing_https_is_one_finding():
    plain_page = lambda h: (200, [("Content-Type", "text/html")], "<!DOCTYPE html><p>shop</p>")  # noqa: E731
    # HTTPS answers, plain HTTP on the same origin serves the page instead of redirecting.
    with fw.dual_site(plain_page, TLS) as site:
        doc, _ = scan(site.url, modules="headers,tls")
        paths = list(site.paths)
    assert len(paths) >= 2, paths  # the page over TLS and over plain HTTP
    found = one(doc, "headers.https-redirect-missing", "MEDIUM")
    assert "over plain HTTP" in found["evidence"], found
    assert not by_check(doc, "tls.https-missing"), doc["findings"]
    # HTTP only: the tls module says there is no HTTPS, and the headers module says nothing more.
    with sstest.FixtureServer(plain_page) as site:
        doc, _ = scan(site.url, modules="headers,tls")
    one(doc, "tls.https-missing", "HIGH")
    assert not by_check(doc, "headers.https-redirect-missing"), doc["findings"]


def test_directory_listing_at_the_root():
    listing = ("<!DOCTYPE HTML><html><head><title>Index of /</title></head><body><h1>Index of /</h1>"
               "<a href=\"backup/\">backup/</a></body></html>")
    app = (lambda h: (200, [("Content-Type", "text/html")], listing) if h.path == "/"
           else (404, [("Content-Type", "text/plain")], "nope"))
    with sstest.FixtureServer(app) as site:
        doc, _ = scan(site.url, modules="exposure")
    found = one(doc, "exposure.directory-listing", "MEDIUM")
    assert found["title"] == "Directory listing of / enabled", found
    assert "Index of /" in found["evidence"], found


def html_site(headers, body="<!DOCTYPE html><html><head></head><body>x</body></html>"):
    return sstest.FixtureServer(lambda h: (200, [("Content-Type", "text/html")] + headers, body))


def test_csp_variants():
    with html_site([("Content-Security-Policy-Report-Only", "default-src 'self'")]) as site:
        doc, _ = scan(site.url, modules="headers")
    ro = one(doc, "headers.csp-report-only", "MEDIUM")
    assert "Content-Security-Policy-Report-Only: default-src 'self'" in ro["evidence"], ro
    assert not by_check(doc, "headers.csp-missing")

    with html_site([("Content-Security-Policy", "frame-ancestors 'none'; upgrade-insecure-requests")]) as site:
        doc, _ = scan(site.url, modules="headers")
    one(doc, "headers.csp-no-script-policy", "MEDIUM")
    one(doc, "headers.csp-object-src-missing", "LOW")
    assert not by_check(doc, "headers.frame-protection-missing")  # frame-ancestors protects

    # A <meta> policy counts, but browsers ignore frame-ancestors there.
    meta = ('<!DOCTYPE html><html><head><meta http-equiv="content-security-policy" content="default-src \'self\'; '
            'object-src \'none\'; base-uri \'none\'; frame-ancestors \'none\'"></head><body>x</body></html>')
    with html_site([], meta) as site:
        doc, _ = scan(site.url, modules="headers")
    assert not [f for f in doc["findings"] if f["check"].startswith("headers.csp")], doc["findings"]
    one(doc, "headers.frame-protection-missing", "MEDIUM")

    # An API answering JSON is not asked for document protections.
    with sstest.FixtureServer(lambda h: (200, [("Content-Type", "application/json")], "{}")) as site:
        doc, _ = scan(site.url, modules="headers")
    assert {f["check"] for f in doc["findings"]} == {"headers.xcto-missing"}, doc["findings"]


def test_weak_headers_and_cookies():
    with fw.weak_site(TLS) as site:
        doc, _ = scan(site.url, expect_rc=0)
    one(doc, "headers.hsts-short", "LOW")
    one(doc, "headers.hsts-no-subdomains", "LOW")
    assert not by_check(doc, "headers.hsts-missing")
    one(doc, "headers.csp-unsafe-inline", "MEDIUM")
    one(doc, "headers.csp-unsafe-eval", "LOW")
    loose = one(doc, "headers.csp-loose-source", "MEDIUM")
    assert "(https:)" in loose["title"], loose["title"]
    one(doc, "headers.csp-base-uri-missing", "LOW")
    assert not by_check(doc, "headers.csp-object-src-missing")  # default-src covers it
    assert not by_check(doc, "headers.csp-missing") and not by_check(doc, "headers.csp-report-only")
    frame = one(doc, "headers.frame-protection-missing", "MEDIUM")
    assert "ALLOW-FROM" in frame["evidence"], frame
    ref = one(doc, "headers.referrer-policy-unsafe", "MEDIUM")
    assert "unsafe-url" in ref["title"], ref["title"]
    assert not by_check(doc, "headers.xcto-missing") and not by_check(doc, "headers.coop-missing")

    sec = by_check(doc, "cookies.secure-missing")
    assert sorted((f["severity"], f["title"]) for f in sec) == [
        ("LOW", "Cookie prefs set without the Secure flag"),
        ("MEDIUM", "Cookie PHPSESSID set without the Secure flag")], sec
    none = one(doc, "cookies.samesite-none-insecure", "LOW")
    assert "PHPSESSID" in none["title"]
    prefix = one(doc, "cookies.prefix-violation", "MEDIUM")
    assert "__Host-token" in prefix["title"] and "Domain" in prefix["evidence"], prefix
    # A session cookie with HttpOnly and SameSite=None is not missing them.
    assert not by_check(doc, "cookies.httponly-missing")
    assert not by_check(doc, "cookies.samesite-missing")
    assert not [f for f in doc["findings"] if "z9y8x7" in f["evidence"] or "a1b2c3" in f["evidence"]]
    # Banners: a version in the generator tag is LOW, a bare product name INFO.
    gen = [f for f in by_check(doc, "disclosure.version-banner") if "generator" in f["title"]]
    assert len(gen) == 1 and gen[0]["evidence"] == '<meta name="generator">: Hugo 0.120.4', gen
    product = one(doc, "disclosure.product-banner", "INFO")
    assert product["evidence"] == "X-Powered-By: Next.js", product


if __name__ == "__main__":
    sstest.main([test_leaky_site, test_secure_site_has_nothing_above_info, test_catch_all_site_has_no_exposure,
                 test_refresh_page_to_https_is_a_redirect, test_missing_https_is_one_finding,
                 test_directory_listing_at_the_root, test_csp_variants, test_weak_headers_and_cookies])
