"""The privacy module: a shop that loads trackers with no consent manager, sets tracking cookies
on the first answer, shows a person's email, posts a newsletter form over HTTP and links no
privacy policy; and a shop done right (a consent manager, a role address, a policy link, HTTPS)
that gets only the informational contact note.
"""
import json
import re
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures_web as fw  # noqa: E402
import sstest  # noqa: E402

TLS = fw.make_tls_context(tempfile.mkdtemp(prefix="secscan-appa-privacy-"))
GA = '<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script>'


def leaky(h):
    path = h.path.split("?")[0]
    if path == "/":
        return 200, [("Content-Type", "text/html"), ("Set-Cookie", "_ga=GA1.1.12345.67890; Path=/"),
                     ("Set-Cookie", "_fbp=fb.1.123.456; Path=/"), ("Set-Cookie", "lang=en; Path=/")], (
            f"<!DOCTYPE html><html><head>{GA}<script src=\"/app.js\"></script></head><body>"
            '<a href="/team">Team</a><form action="/subscribe" method="post"><input type="email" name="email"></form>'
            "</body></html>")
    if path == "/app.js":
        return 200, [("Content-Type", "application/javascript")], '(function(){var s="https://static.hotjar.com/c/hotjar-1.js";})()'
    if path == "/team":
        return 200, [("Content-Type", "text/html")], ("<!DOCTYPE html><html><body>Jane Roe - jane.roe@gmail.com, "
                                                      "+44 20 7946 0958</body></html>")
    return 404, [], ""


def careful(h):
    path = h.path.split("?")[0]
    if path == "/":
        return 200, [("Content-Type", "text/html"), ("Set-Cookie", "__Host-sid=abc; Path=/; Secure; HttpOnly")], (
            '<!DOCTYPE html><html><head><script src="https://consent.cookiebot.com/uc.js" data-cbid="x"></script>'
            f"{GA}</head><body><form action=\"/subscribe\" method=\"post\"><input type=\"email\" name=\"email\"></form>"
            '<footer><a href="mailto:contact@shopdemo.net">contact@shopdemo.net</a> '
            '<a href="/legal/privacy">Privacy policy</a> <img src="/img/logo@2x.png"></footer></body></html>')
    return 404, [], ""


def scan(app, tls=False):
    with sstest.FixtureServer(app, ssl_context=TLS if tls else None) as site:
        p = sstest.run_cli("scan", site.url, "--json", "--allow-private", "--modules", "privacy", "--timeout", "5000")
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc
    return {f["check"]: f for f in doc["findings"]}, doc, p.stdout


def test_leaky_shop():
    got, doc, raw = scan(leaky)
    sev = {k: v["severity"] for k, v in got.items()}
    assert sev == {"privacy.trackers-without-consent": "MEDIUM", "privacy.tracking-cookies-before-consent": "MEDIUM",
                   "privacy.pii-in-pages": "LOW", "privacy.form-http": "MEDIUM",
                   "privacy.policy-link-missing": "INFO"}, doc["findings"]
    assert got["privacy.trackers-without-consent"]["title"] == "Trackers load without consent (Google Analytics, Hotjar)"
    assert got["privacy.tracking-cookies-before-consent"]["title"] == "Tracking cookies set before consent (_ga, _fbp)"
    pii = got["privacy.pii-in-pages"]
    assert "1 personal email address (e.g. j***@g***.com) and 1 phone number" in pii["evidence"], pii
    # (the phone's digits as a number, not as part of a random port such as :37946)
    assert "jane.roe@gmail.com" not in raw and not re.search(r"20 ?7946|7946 ?0958", raw) and "12345.67890" not in raw


def test_careful_shop():
    got, doc, _ = scan(careful, tls=True)
    assert list(got) == ["privacy.contact-details"], doc["findings"]
    assert got["privacy.contact-details"]["severity"] == "INFO"
    assert "c***@s***.net" in got["privacy.contact-details"]["evidence"]


if __name__ == "__main__":
    sstest.main([test_leaky_shop, test_careful_shop])
