"""The edge-infra module: a CDN in front (Cloudflare, Fastly headers), an answer with a session
cookie that the edge cached and served (HIT) or may cache, a WAF challenge page answering instead
of the app; and answers done right (private, no-store; an app's own 403) that must yield nothing.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures_web as fw  # noqa: E402
import sstest  # noqa: E402

PAGE = "<!DOCTYPE html><html><head><title>Shop</title></head><body>shop</body></html>"
CHALLENGE = ('<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body>'
             '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>')


def serve(status, headers, body=PAGE, banner=None):
    return fw._server(lambda h: (status, [("Content-Type", "text/html")] + headers, body) if h.path == "/"
                      else (404, [], ""), banner=banner)


def scan(status, headers, body=PAGE, banner=None):
    with serve(status, headers, body, banner) as site:
        p = sstest.run_cli("scan", site.url, "--json", "--allow-private", "--modules", "edge-infra", "--timeout", "5000")
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc
    return {f["check"]: f for f in doc["findings"]}, doc


def test_cdn_and_cached_cookie():
    got, doc = scan(200, [("CF-Ray", "8a1b2c3d4e5f-LHR"), ("Set-Cookie", "session=7f3a9c2e1b4d; Path=/; HttpOnly"),
                          ("Cache-Control", "public, max-age=600"), ("CF-Cache-Status", "HIT")], banner="cloudflare")
    assert sorted(got) == ["edge.cdn-detected", "edge.private-cacheable"], doc["findings"]
    cdn = got["edge.cdn-detected"]
    assert cdn["title"] == "Served through Cloudflare" and cdn["severity"] == "INFO", cdn
    cache = got["edge.private-cacheable"]
    assert cache["severity"] == "HIGH" and "session" in cache["title"], cache
    assert "CF-Cache-Status: HIT" in cache["evidence"] and "7f3a9c2e1b4d" not in json.dumps(doc), cache

    got, doc = scan(200, [("X-Served-By", "cache-lhr7330-LHR"), ("Set-Cookie", "sid=abc123; Path=/"),
                          ("Cache-Control", "s-maxage=60")])
    assert got["edge.cdn-detected"]["title"] == "Served through Fastly", doc["findings"]
    assert got["edge.private-cacheable"]["severity"] == "MEDIUM", doc["findings"]  # no HIT seen


def test_waf_challenge():
    got, doc = scan(503, [("CF-Ray", "8a1b2c3d4e5f-LHR")], CHALLENGE, banner="cloudflare")
    assert sorted(got) == ["edge.cdn-detected", "edge.waf-challenge"], doc["findings"]
    waf = got["edge.waf-challenge"]
    assert waf["title"] == "Cloudflare challenge answered instead of the app" and waf["severity"] == "INFO", waf


def test_nothing_on_sound_answers():
    # cookies with private/no-store, a HIT without cookies, a deleted cookie, the app's own 403 page
    for status, headers, body in [
            (200, [("Set-Cookie", "session=abc; Path=/"), ("Cache-Control", "private, no-store"), ("X-Cache", "HIT")], PAGE),
            (200, [("Cache-Control", "public, max-age=600"), ("X-Cache", "HIT"), ("Age", "120")], PAGE),
            (200, [("Set-Cookie", "session=; Max-Age=0; Path=/"), ("Cache-Control", "public, max-age=600")], PAGE),
            (200, [("Set-Cookie", "session=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"),
                   ("Cache-Control", "public, max-age=600"), ("Age", "30")], PAGE),
            (200, [("Set-Cookie", "session=abc; Path=/"), ("Cache-Control", "public, max-age=0")], PAGE),
            (403, [], "<!DOCTYPE html><html><head><title>Access denied</title></head><body>Log in first.</body></html>")]:
        got, doc = scan(status, headers, body, banner="nginx")
        assert not got, (headers, doc["findings"])


if __name__ == "__main__":
    sstest.main([test_cdn_and_cached_cookie, test_waf_challenge, test_nothing_on_sound_answers])
