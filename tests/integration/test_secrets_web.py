"""secret-scan module: the engine's crawl of a site (bundles, webpack chunk map, source maps with
sourcesContent, /env.js, JSON loaded by scripts, a linked page) and the keys found in it."""
import base64
import json
import os
import random
import sys

import sstest

sys.path.insert(0, os.path.join(sstest.SRC, "tests", "fixtures", "secrets"))
import samples  # noqa: E402  (synthetic keys of every rule's shape)

RNG = random.Random(11)
KEY = {rid: samples.positive(rid, RNG)[1] for rid in (
    "anthropic-api-key", "openai-project-key", "stripe-secret-key", "sendgrid-api-key", "github-pat-classic",
    "slack-webhook", "stripe-publishable-key", "resend-api-key")}


def b64u(s):
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


SERVICE_ROLE = (b64u('{"alg":"HS256","typ":"JWT"}') + "." +
                b64u('{"iss":"supabase","ref":"abcdefghijklmnop","role":"service_role","iat":1700000000,"exp":4100000000}') +
                "." + "Q7vB2mZp9LsT4wYb8NcR1eUj5HgA3dF6oWiXz0BkQ7v")

PAGES = {
    "/": ("text/html", """<!doctype html><html><head>
<script src="/static/js/main.3f2a1b.js"></script>
<link rel="modulepreload" href="/assets/vendor-9c8d.js">
<script>window.STRIPE_PK = "%s";</script>
</head><body><a href="/about">About</a><a href="https://elsewhere.test/">x</a>
<a href="/docs/quickstart">Docs</a></body></html>""" % KEY["stripe-publishable-key"]),
    # documentation: its sample password is an example; a provider's key is a key wherever it is
    "/docs/quickstart": ("text/html", '<!doctype html><html><body><pre>db_password = "Qm4$zR8kLw2pXv7N"\n'
                                      'sendgrid = "%s"</pre></body></html>' % KEY["sendgrid-api-key"]),
    "/about": ("text/html", '<!doctype html><html><body><script src="/static/js/about.js"></script></body></html>'),
    "/static/js/main.3f2a1b.js": ("application/javascript", """!function(){var r={};r.p="/";
r.u=function(e){return"static/js/"+e+"."+{17:"1a2b3c4d",42:"5e6f7a8b"}[e]+".chunk.js"};
fetch("/api/settings.json").then(function(x){return x.json()});
var placeholder = "sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxAA";
}();
//# sourceMappingURL=main.3f2a1b.js.map
"""),
    "/static/js/main.3f2a1b.js.map": ("application/json", json.dumps({
        "version": 3, "file": "main.js",
        "sources": ["webpack:///src/config.ts", "webpack:///src/app.ts", "webpack:///./node_modules/dblib/index.js"],
        "sourcesContent": ['export const STRIPE_SECRET = "%s";\nexport const db_password = "Xk8#qLm2vR9wT4zP";\n'
                           % KEY["stripe-secret-key"], "export {};\n",
                           'const defaults = {password: "Lp3!vN8qRz6Tw2Ks"};\n'],
        "mappings": "AAAA"})),
    "/static/js/17.1a2b3c4d.chunk.js": ("application/javascript",
                                        '(self.webpackChunk=self.webpackChunk||[]).push([[17],{5:function(e){e.exports={key:"%s"}}}]);'
                                        % KEY["openai-project-key"]),
    "/static/js/42.5e6f7a8b.chunk.js": ("application/javascript", "(self.webpackChunk=self.webpackChunk||[]).push([[42],{}]);"),
    "/assets/vendor-9c8d.js": ("application/javascript", 'const d = __vitePreload(() => import("./Admin-77aa.js"), '
                                                         '["assets/Admin-77aa.js", "assets/Settings-9f9f.js"]);'),
    "/assets/Settings-9f9f.js": ("application/javascript", 'export const mail = "%s";' % KEY["resend-api-key"]),
    "/assets/Admin-77aa.js": ("application/javascript", 'export const hook = "%s";' % KEY["slack-webhook"]),
    "/static/js/about.js": ("application/javascript", 'const gh = "%s";' % KEY["github-pat-classic"]),
    "/env.js": ("application/javascript", 'window.__ENV = {SUPABASE_URL: "https://x.supabase.co", SUPABASE_SERVICE_KEY: "%s", '
                                          'ANTHROPIC_KEY: "%s"};' % (SERVICE_ROLE, KEY["anthropic-api-key"])),
    "/api/settings.json": ("application/json", json.dumps({"mail": {"sendgrid": KEY["sendgrid-api-key"]}})),
}


def app(handler):
    path = handler.path.split("?")[0]
    if path in PAGES:
        ctype, body = PAGES[path]
        return 200, [("Content-Type", ctype)], body
    # a single-page app: every other path gets the index page
    return 200, [("Content-Type", "text/html")], PAGES["/"][1]


def test_crawl_finds_keys_in_every_kind_of_asset():
    with sstest.FixtureServer(app) as srv:
        p = sstest.run_cli("scan", srv.url, "--json", "--allow-private", "--modules", "secret-scan", "--budget", "60")
    assert p.returncode == 1, (p.returncode, p.stderr)
    doc = json.loads(p.stdout)
    findings = doc["findings"]
    by_title = {f["title"]: f for f in findings}
    titles = sorted(by_title)
    expect = {
        "Anthropic API key exposed at %s/env.js": "CRITICAL",
        "Supabase service_role key exposed at %s/env.js": "CRITICAL",
        "OpenAI project API key exposed at %s/static/js/17.1a2b3c4d.chunk.js": "CRITICAL",
        "Stripe live secret key exposed at %s/static/js/main.3f2a1b.js.map#webpack:///src/config.ts": "CRITICAL",
        "SendGrid API key exposed at %s/api/settings.json": "CRITICAL",
        "SendGrid API key exposed at %s/docs/quickstart": "CRITICAL",
        "Hard-coded password exposed at %s/static/js/main.3f2a1b.js.map#webpack:///src/config.ts": "MEDIUM",
        "GitHub personal access token (classic) exposed at %s/static/js/about.js": "CRITICAL",
        "Slack incoming webhook URL exposed at %s/assets/Admin-77aa.js": "HIGH",
        "Resend API key exposed at %s/assets/Settings-9f9f.js": "HIGH",
        "Stripe publishable key (public by design) at %s/": "INFO",
    }
    for tmpl, sev in expect.items():
        title = tmpl % srv.url
        assert title in by_title, (title, titles)
        f = by_title[title]
        assert f["severity"] == sev and f["category"] == "secrets" and f["tool"] == "secret-scan", f
        assert f["evidence"].startswith("Found: ") and "chars)" in f["evidence"], f
    # the placeholder, the empty chunk, the off-site link, the docs' sample password and the
    # vendored source's give nothing
    assert len(findings) == len(expect), titles
    # no secret is ever shown whole
    for v in list(KEY.values()) + [SERVICE_ROLE]:
        assert v not in p.stdout, "a secret was printed whole"


def test_crawl_limits_are_the_user_s():
    base = ["--json", "--allow-private", "--modules", "secret-scan", "--budget", "60"]
    with sstest.FixtureServer(app) as srv:
        # no linked page: the /about page's script and the docs page are not read
        p = sstest.run_cli("scan", srv.url, "--crawl-pages", "0", *base)
        urls = {f["title"].split(" at ", 1)[1] for f in json.loads(p.stdout)["findings"]}
        assert srv.url + "/env.js" in urls and not {srv.url + "/static/js/about.js", srv.url + "/docs/quickstart"} & urls, urls
        # one asset: the main page alone
        p = sstest.run_cli("scan", srv.url, "--crawl-assets", "1", *base)
        urls = {f["title"].split(" at ", 1)[1] for f in json.loads(p.stdout)["findings"]}
        assert urls == {srv.url + "/"}, urls
    for bad in (["--crawl-pages", "-1"], ["--crawl-pages", "1001"], ["--crawl-assets", "0"], ["--crawl-assets", "x"]):
        p = sstest.run_cli("scan", "http://127.0.0.1:9", *bad)
        assert p.returncode == 2 and bad[0] in p.stderr, (bad, p.stderr)


def test_text_output_is_redacted_too():
    with sstest.FixtureServer(app) as srv:
        p = sstest.run_cli("scan", srv.url, "--allow-private", "--modules", "secret-scan", "--budget", "60")
    assert "Anthropic API key exposed at" in p.stdout, p.stdout
    for v in list(KEY.values()) + [SERVICE_ROLE]:
        assert v not in p.stdout + p.stderr, "a secret was printed whole"


MALFORMED = {
    "/": ("text/html", '<html><script src=/a.js><script src="/b.js" <a href=\'/x <link rel=modulepreload href=/c.js '
                       '<script>"unterminated' + "<" * 5000 + '<script src="' + "a" * 4000),
    "/a.js": ("application/javascript", 'r.p="/";r.u=function(e){return"s/"+e+"."+{1:"a",2:}[e]+".js"};'
                                        '//# sourceMappingURL=a.js.map\n"' + "./x.js" * 100),
    "/a.js.map": ("application/json", '{"version":3,"sources":["x"],"sourcesContent":[1,null,"%s"' % KEY["github-pat-classic"]),
    "/b.js": ("application/javascript", '{"sources": 5, "sourcesContent": "x"}'),
    "/c.js": ("application/javascript", "//# sourceMappingURL=data:application/json;base64,!!!!\n"),
}


def test_malformed_pages_scripts_and_maps_are_harmless():
    def bad(handler):
        path = handler.path.split("?")[0]
        if path in MALFORMED:
            return 200, [("Content-Type", MALFORMED[path][0])], MALFORMED[path][1]
        return 404, [("Content-Type", "text/plain")], "no"
    with sstest.FixtureServer(bad) as srv:
        p = sstest.run_cli("scan", srv.url, "--json", "--allow-private", "--modules", "secret-scan", "--budget", "60")
    assert p.returncode in (0, 1), (p.returncode, p.stderr)
    json.loads(p.stdout)  # the scan finished and printed its result


if __name__ == "__main__":
    sstest.main([test_crawl_finds_keys_in_every_kind_of_asset, test_crawl_limits_are_the_user_s,
                 test_text_output_is_redacted_too, test_malformed_pages_scripts_and_maps_are_harmless])
