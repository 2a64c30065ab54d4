"""The cookies module reads the Set-Cookie answers of same-site pages of the crawl, not only the
main page's, and reports a cookie set on several pages once."""
import json

import sstest

HOME = '<html><body><a href="/login">Log in</a> <a href="/account">Account</a></body></html>'
PAGE = "<html><body><form method=post><input type=password name=p></form></body></html>"


def site(h):
    html = [("Content-Type", "text/html")]
    if h.path == "/":
        return 200, html + [("Set-Cookie", "theme=dark; Path=/")], HOME
    if h.path in ("/login", "/account"):
        # the session cookie only appears once the user reaches a page that needs it
        return 200, html + [("Set-Cookie", "connect.sid=s%3Aabc123; Path=/")], PAGE
    return 404, [("Content-Type", "text/plain")], "not found"


def test_session_cookie_of_a_linked_page():
    with sstest.FixtureServer(site) as s:
        p = sstest.run_cli("scan", s.url, "--json", "--allow-private", "--modules", "cookies")
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    httponly = [f for f in doc["findings"] if f["check"] == "cookies.httponly-missing"]
    assert len(httponly) == 1, doc["findings"]
    assert "connect.sid" in httponly[0]["evidence"] and "abc123" not in httponly[0]["evidence"]
    # theme is no session cookie: no HttpOnly finding for it
    assert not [f for f in httponly if "theme" in f["evidence"]]


if __name__ == "__main__":
    sstest.main([test_session_cookie_of_a_linked_page])
