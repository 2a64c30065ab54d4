"""The benchmark's fixture site on 127.0.0.1:PORT: a small app with the usual mistakes.

Missing security headers, a version banner, a session cookie without flags, an exposed .env and
.git, a page with scripts. Runs until killed.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration", "lib"))
from sstest import FixtureServer  # noqa: E402

HOME = """<!doctype html><html><head><title>Shop</title>
<script src="/static/app.js"></script><script src="/static/vendor.js"></script></head>
<body><h1>Shop</h1><a href="/about">About</a><a href="/login">Log in</a>
<form action="/login" method="post"><input name="user"><input name="password" type="password"></form>
</body></html>"""

FILES = {
    "/": (200, [("Content-Type", "text/html; charset=utf-8"), ("Server", "nginx/1.18.0"),
                ("X-Powered-By", "Express"), ("Set-Cookie", "session=4f9a1c; Path=/")], HOME),
    "/about": (200, [("Content-Type", "text/html")], "<html><body>About us</body></html>"),
    "/login": (200, [("Content-Type", "text/html")], "<html><body><form></form></body></html>"),
    "/static/app.js": (200, [("Content-Type", "application/javascript")],
                       "const api='https://api.example.com';function f(){return fetch(api+'/v1/items')}\n" * 50),
    "/static/vendor.js": (200, [("Content-Type", "application/javascript")], "/*! lib v1.0 */var x=1;\n" * 400),
    "/.env": (200, [("Content-Type", "text/plain")],
              "APP_ENV=production\nDB_PASSWORD=hunter2\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"),
    "/.git/HEAD": (200, [("Content-Type", "text/plain")], "ref: refs/heads/main\n"),
    "/.git/config": (200, [("Content-Type", "text/plain")],
                     "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = git@github.com:acme/shop.git\n"),
}


def app(h):
    path = h.path.split("?", 1)[0]
    if path in FILES:
        return FILES[path]
    return 404, [("Content-Type", "text/html"), ("Server", "nginx/1.18.0")], "<html><body>Not Found</body></html>"


if __name__ == "__main__":
    with FixtureServer(app, port=int(sys.argv[1])):
        while True:
            time.sleep(3600)
