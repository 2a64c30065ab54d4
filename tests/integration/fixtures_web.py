"""Fixture web sites for the web modules' tests (headers, cookies, exposure, disclosure).

leaky_site:      no security headers, version banners, an .env with credentials, a .git
                 directory, an SQL dump, a session cookie without flags, stack traces on 404.
secure_site:     every header right, a __Host- session cookie, nothing exposed (served over TLS).
catch_all_site:  200 and the same page for every path (an SPA fallback); echo_path=True makes
                 the page repeat the requested path, as many soft-404 pages do.

weak_site:       HTTPS with every header present but weak (CSP with 'unsafe-inline', short
                 HSTS...) and cookies that break the SameSite and prefix rules.
dual_site:       TLS and plain HTTP on one port (as HOST:PORT is scanned: https first, plain
                 http on the same port), the same app answering both.

Each returns a sstest.FixtureServer (a context manager) on 127.0.0.1; its .paths lists the paths
requested, in order.
"""
import gzip
import http.server
import os
import socket
import ssl
import subprocess
import tempfile
import threading

import sstest


class _BannerHandler(sstest._Handler):
    """The fixture handler, with the Server header the site chooses (or none) instead of Python's."""

    def send_response(self, code, message=None):
        self.log_request(code)
        self.send_response_only(code, message)
        banner = getattr(self.server, "banner", None)
        if banner:
            self.send_header("Server", banner)
        self.send_header("Date", self.date_time_string())


def _server(app, banner=None, ssl_context=None):
    paths = []

    def recording(h):
        paths.append(h.path)
        return app(h)

    srv = sstest.FixtureServer(recording, ssl_context=ssl_context)
    srv.httpd.RequestHandlerClass = _BannerHandler
    srv.httpd.banner = banner
    srv.paths = paths
    return srv


LEAKY_ENV = (
    "APP_NAME=shop\n"
    "APP_ENV=production\n"
    "DB_HOST=db.internal\n"
    "DB_PASSWORD=Sup3rS3cretPassw0rd\n"
    "STRIPE_API_KEY=sk_live_51HfixtureFAKEfixtureFAKE00\n"
)
LEAKY_GIT_CONFIG = (
    "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
    "[remote \"origin\"]\n\turl = https://github.com/example/shop.git\n"
    "\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
)
LEAKY_SQL = (
    "-- MySQL dump 10.13  Distrib 8.0.35\n"
    "DROP TABLE IF EXISTS `users`;\n"
    "CREATE TABLE `users` (\n  `id` int NOT NULL,\n  `email` varchar(255)\n);\n"
    "INSERT INTO `users` VALUES (1,'alice@example.com'),(2,'bob@example.com');\n"
)
LEAKY_PAGE = ("<!DOCTYPE html><html><head><title>Shop</title></head><body><h1>Shop</h1>"
              "<script src=\"/assets/shop.8c1e.js\"></script></body></html>")
LEAKY_SCRIPT = "console.log('shop');\n//# sourceMappingURL=shop.8c1e.js.map\n"
LEAKY_MAP = ('{"version":3,"file":"shop.8c1e.js","sources":["webpack:///src/checkout.js"],'
             '"sourcesContent":["export const checkout = () => 1;"],"mappings":"AAAA"}')


def _express_404(path):
    # What an express-generator app answers in development for an unknown path.
    return (
        "<!DOCTYPE html><html><head><title>Error</title></head><body>"
        f"<pre>NotFoundError: Not Found<br> &nbsp; &nbsp;at /srv/shop/app.js:22:8<br>"
        " &nbsp; &nbsp;at Layer.handle [as handle_request] (/srv/shop/node_modules/express/lib/router/layer.js:95:5)<br>"
        " &nbsp; &nbsp;at trim_prefix (/srv/shop/node_modules/express/lib/router/index.js:328:13)</pre>"
        "</body></html>"
    )


def leaky_site():
    files = {
        "/.env": (LEAKY_ENV, "application/octet-stream"),
        "/.git/HEAD": ("ref: refs/heads/main\n", "application/octet-stream"),
        "/.git/config": (LEAKY_GIT_CONFIG, "application/octet-stream"),
        "/db.sql": (LEAKY_SQL, "application/sql"),
        "/backup.sql.gz": (gzip.compress(LEAKY_SQL.encode()), "application/gzip"),
        # a near miss: gzip, but of a not-found page (a precompressed-asset server's fallback)
        "/dump.sql.gz": (gzip.compress(b"<!DOCTYPE html><html><body>INSERT INTO nothing: not found</body></html>"),
                         "application/gzip"),
        "/assets/shop.8c1e.js": (LEAKY_SCRIPT, "application/javascript"),
        "/assets/shop.8c1e.js.map": (LEAKY_MAP, "application/json"),
    }

    def app(h):
        common = [("X-Powered-By", "Express 4.17.1")]
        path = h.path.split("?")[0]
        if path == "/":
            return 200, common + [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Set-Cookie", "sessionid=7f3a9c2e1b4d8f6a0c5e3b1d; Path=/"),
                ("Set-Cookie", "theme=dark; Path=/; Max-Age=31536000"),
                ("Set-Cookie", "remember_token=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            ], LEAKY_PAGE
        if path in files:
            body, ctype = files[path]
            rng = h.headers.get("Range", "")
            if isinstance(body, bytes) and rng.startswith("bytes=0-"):  # ranges honoured, as by any static server
                part = body[:int(rng[8:]) + 1]
                return 206, common + [("Content-Type", ctype),
                                      ("Content-Range", f"bytes 0-{len(part) - 1}/{len(body)}")], part
            return 200, common + [("Content-Type", ctype)], body
        return 404, common + [("Content-Type", "text/html; charset=utf-8")], _express_404(path)

    return _server(app, banner="nginx/1.18.0")


SECURE_HEADERS = [
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload"),
    ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
]


def make_tls_context(directory):
    """A self-signed certificate for 127.0.0.1 made with the openssl CLI; returns a server SSLContext
    whose .cert_file is the certificate's path."""
    key, cert = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "365", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.cert_file = cert  # for `secscan scan --ca-file`, so that the tls module trusts it
    return ctx


def secure_site(ctx=None):
    ctx = ctx or make_tls_context(tempfile.mkdtemp(prefix="secscan-webmods-"))

    def app(h):
        path = h.path.split("?")[0]
        if path == "/":
            return 200, SECURE_HEADERS + [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Set-Cookie", "__Host-sid=4b1d0c9e7a2f; Path=/; Secure; HttpOnly; SameSite=Lax"),
                ("Set-Cookie", "lang=en; Path=/; Secure; SameSite=Lax"),
            ], "<!DOCTYPE html><html><head><title>Bank</title></head><body><h1>Welcome</h1></body></html>"
        return 404, SECURE_HEADERS + [("Content-Type", "text/plain")], "Not Found"

    return _server(app, ssl_context=ctx)


CATCH_ALL_PAGE = ("<!DOCTYPE html><html><head><title>App</title></head><body><div id=\"root\"></div>"
                  "<script src=\"/static/js/main.3f2a1c.js\"></script></body></html>")


def catch_all_site(echo_path=False):
    def app(h):
        body = CATCH_ALL_PAGE
        if echo_path:
            body = body.replace("<div id=\"root\">", f"<div id=\"root\" data-route=\"{h.path}\">")
        return 200, [("Content-Type", "text/html; charset=utf-8")], body

    return _server(app)


WEAK_HEADERS = [
    ("Strict-Transport-Security", "max-age=86400"),
    ("Content-Security-Policy", "default-src 'self' 'unsafe-inline' 'unsafe-eval' https:"),
    ("Content-Security-Policy-Report-Only", "default-src 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "ALLOW-FROM https://partner.example"),
    ("Referrer-Policy", "no-referrer, unsafe-url"),
    ("Permissions-Policy", "camera=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-site"),
]


def weak_site(ctx=None):
    ctx = ctx or make_tls_context(tempfile.mkdtemp(prefix="secscan-webmods-"))

    def app(h):
        if h.path.split("?")[0] == "/":
            return 200, WEAK_HEADERS + [
                ("Content-Type", "text/html"),
                ("Set-Cookie", "PHPSESSID=a1b2c3d4e5; Path=/; HttpOnly; SameSite=None"),
                ("Set-Cookie", "__Host-token=z9y8x7; Secure; Path=/; Domain=127.0.0.1; HttpOnly; SameSite=Lax"),
                ("Set-Cookie", "prefs=compact; Path=/"),
                ("X-Powered-By", "Next.js"),
            ], ('<!DOCTYPE html><html><head><title>Weak</title><meta name="generator" content="Hugo 0.120.4">'
                '</head><body>hi</body></html>')
        return 404, [("Content-Type", "text/plain")], "Not Found"

    return _server(app, ssl_context=ctx)


class _DualServer(http.server.ThreadingHTTPServer):
    """Answers TLS and plain HTTP on one port: a connection whose first byte is a TLS handshake
    record (0x16) is wrapped, any other is served as plain HTTP."""
    ssl_context = None

    def get_request(self):
        conn, addr = self.socket.accept()
        conn.settimeout(5)
        try:
            first = conn.recv(1, socket.MSG_PEEK)
        except OSError:
            first = b""
        if first == b"\x16":
            conn = self.ssl_context.wrap_socket(conn, server_side=True)
        return conn, addr

    def handle_error(self, request, client_address):
        pass  # the tls module's hand-built hellos end handshakes on purpose


class dual_site(sstest.FixtureServer):  # noqa: N801 (named as the other fixture sites)
    def __init__(self, app, ctx):
        self.paths = []

        def recording(h):
            self.paths.append(h.path)
            return app(h)

        self.httpd = _DualServer(("127.0.0.1", 0), _BannerHandler)
        self.httpd.socket.listen(128)
        self.httpd.daemon_threads = True
        self.httpd.app, self.httpd.banner, self.httpd.ssl_context = recording, None, ctx
        self.port = self.httpd.server_address[1]
        self.url = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
