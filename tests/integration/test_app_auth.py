"""The auth module against stand-ins: login forms over HTTP and posting to http:, JWTs handed out
unsigned or signed with a well-known secret, credentials in link URLs, Basic auth over HTTP, admin
panels and installers; and the same site done right (HTTPS, relative form actions, a JWT with a
random secret, an SPA fallback for every admin path) that must yield nothing.
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures_web as fw  # noqa: E402
import sstest  # noqa: E402

HOST = "login.test"
TLS = fw.make_tls_context(tempfile.mkdtemp(prefix="secscan-appa-auth-"))


def b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(alg, key):
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": "42", "role": "user", "exp": 2000000000}).encode())
    if alg == "none":
        return f"{head}.{body}."
    if alg == "RS256":
        return f"{head}.{body}.{b64(secrets.token_bytes(256))}"
    mac = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


WEAK = jwt("HS256", "your-256-bit-secret")
NONE = jwt("none", "")
STRONG = jwt("HS256", secrets.token_hex(32))
RS = jwt("RS256", "")
JWT_IO = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
          "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
RESET = "c0ffee" + secrets.token_hex(12)


def html(body, status=200, extra=()):
    return status, [("Content-Type", "text/html")] + list(extra), "<!DOCTYPE html><html><head><title>Shop</title></head><body>" + body + "</body></html>"


def open_site(h):
    path = h.path.split("?")[0]
    if path == "/":
        return html('<form method="post" action="/login"><input name="user"><input type="password" name="pw"></form>'
                    f'<a href="/account/reset?token={RESET}&amp;lang=en">reset</a> <a href="/list?page=2">2</a>'
                    f'<script>window.__STATE__ = {{"auth": "{NONE}"}};</script>',
                    extra=[("Set-Cookie", f"session={WEAK}; Path=/; HttpOnly")])
    if path == "/wp-admin/install.php":
        return html('<title>WordPress &rsaquo; Installation</title><form><select name="language"></select></form>')
    if path == "/phpmyadmin/":
        return html('<title>phpMyAdmin</title><form><input name="pma_username"><input type="password" name="pma_password"></form>')
    if path == "/script":
        return html('<title>Script Console [Jenkins]</title><h1>Script Console</h1>')
    return 404, [("Content-Type", "text/plain")], "Not Found"


SPA = ('<!DOCTYPE html><html><head><title>Admin dashboard login</title></head><body>'
       '<form method="post"><input type="password" name="pw"></form><script src="/app.js"></script></body></html>')


def locked_site(h):
    path = h.path.split("?")[0]
    if path == "/":
        return 200, [("Content-Type", "text/html"), ("Set-Cookie", f"session={STRONG}; Path=/; Secure; HttpOnly")], \
            SPA.replace("</body>", f'<a href="/list?page=2&amp;sort=name">2</a><a href="/x?token=abc">x</a>'
                        f'<script>var t = "{RS}"; location = "/go?token=" + t;</script></body>')
    if path == "/app.js":
        # jwt-decode's docs token (jwt.io's sample, signed with "your-256-bit-secret") shipped in a bundle
        return 200, [("Content-Type", "application/javascript")], ('fetch("/api?session=" + id);/* e.g. ' + JWT_IO + ' */')
    return 200, [("Content-Type", "text/html")], SPA  # every other path: the SPA


def https_posts_http(h):
    if h.path == "/":
        return html(f'<form method="post" action="http://{HOST}/login"><input type="password" name="pw"></form>')
    return 404, [], ""


def basic_realm(h):
    return 401, [("WWW-Authenticate", 'Basic realm="staff"'), ("Content-Type", "text/plain")], "auth required"


def scan(app, tls=False):
    requests = []

    def rec(h):
        requests.append((h.command, h.path))
        return app(h)
    with sstest.FixtureServer(rec, ssl_context=TLS if tls else None) as srv:
        scheme = "https" if tls else "http"
        p = sstest.run_cli("scan", f"{scheme}://{HOST}:{srv.port}/", "--json", "--allow-private", "--modules", "auth",
                           "--resolve", f"{HOST}:{srv.port}:127.0.0.1", "--timeout", "5000")
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc
    assert all(m in ("GET", "HEAD") for m, _ in requests), requests
    return doc, p.stdout, requests


def by_check(doc):
    out = {}
    for f in doc["findings"]:
        out.setdefault(f["check"], []).append(f)
    return out


def test_open_site():
    doc, raw, _ = scan(open_site)
    c = by_check(doc)
    sev = {k: [f["severity"] for f in v] for k, v in c.items()}
    assert sev == {"auth.login-form-http": ["HIGH"], "auth.jwt-weak-secret": ["CRITICAL"],
                   "auth.jwt-alg-none": ["HIGH"], "auth.token-in-url": ["MEDIUM"],
                   "auth.default-install": ["CRITICAL"], "auth.admin-login": ["LOW"],
                   "auth.admin-exposed": ["HIGH"]}, sev
    weak = c["auth.jwt-weak-secret"][0]
    assert "the cookie session" in weak["evidence"] and "HS256" in weak["evidence"], weak
    assert "your-256-bit-secret" not in weak["evidence"], weak
    assert WEAK not in raw and NONE not in raw and RESET not in raw
    assert "alg \"none\"" in c["auth.jwt-alg-none"][0]["evidence"]
    tok = c["auth.token-in-url"][0]
    assert tok["title"] == "Credential in a link URL (token=)", tok
    assert "/account/reset?token=" in tok["evidence"], tok
    assert c["auth.default-install"][0]["title"] == "WordPress installer /wp-admin/install.php open to anyone"
    assert c["auth.admin-login"][0]["title"] == "phpMyAdmin /phpmyadmin/ reachable from the internet"
    assert c["auth.admin-exposed"][0]["title"] == "Jenkins script console /script open without authentication"


def test_locked_site():
    doc, _, requests = scan(locked_site, tls=True)
    assert doc["findings"] == [], doc["findings"]
    paths = {p for _, p in requests}
    assert "/wp-admin/install.php" in paths and "/phpmyadmin/" in paths and "/admin/" in paths


def test_form_posting_to_http_and_basic_auth():
    doc, _, _ = scan(https_posts_http, tls=True)
    c = by_check(doc)
    assert list(c) == ["auth.login-posts-http"], doc["findings"]
    assert f"http://{HOST}/login" in c["auth.login-posts-http"][0]["evidence"]
    doc, _, _ = scan(basic_realm)
    c = by_check(doc)
    assert list(c) == ["auth.basic-over-http"], doc["findings"]
    assert 'Basic realm="staff"' in c["auth.basic-over-http"][0]["evidence"]
    # the same challenge over HTTPS is fine
    doc, _, _ = scan(basic_realm, tls=True)
    assert not doc["findings"], doc["findings"]


if __name__ == "__main__":
    sstest.main([test_open_site, test_locked_site, test_form_posting_to_http_and_basic_auth])
