"""Technology fingerprinting as the fix file shows it: for each stack, a site answering the way it
does (headers, cookies, markup) must get the right tech_stack and the right "File to modify" for
a missing Content-Security-Policy (headers.csp-missing, whose catalogue entry has a fix per stack).
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures_web as fw  # noqa: E402
import sstest  # noqa: E402

PAGE = "<!DOCTYPE html><html><head><title>x</title></head><body>{}</body></html>"

# (banner, headers, body, expected tech_stack items, expected file to modify)
CASES = [
    ("Vercel", [("X-Powered-By", "Next.js"), ("X-Vercel-Id", "fra1::iad1::abc")],
     '<script src="/_next/static/chunks/main.js"></script>',
     {"framework": "nextjs", "hosting": "vercel"}, "next.config.js"),
    ("Netlify", [("X-Nf-Request-Id", "01H8")], "static", {"hosting": "netlify"}, "_headers (in the publish directory)"),
    (None, [("X-Powered-By", "Express")], "", {"framework": "express", "language": "javascript"}, "app.js (Express app)"),
    ("nginx/1.24.0", [("Set-Cookie", "csrftoken=abc; Path=/")], "",
     {"server": "nginx", "framework": "django", "language": "python"}, "settings.py (django-csp)"),
    ("nginx", [("Set-Cookie", "_rails_session=abc; Path=/; HttpOnly")], "",
     {"server": "nginx", "framework": "rails", "language": "ruby"}, "config/initializers/content_security_policy.rb"),
    ("Apache/2.4.57 (Debian)", [("Link", '<https://blog.test/wp-json/>; rel="https://api.w.org/"')],
     '<link rel="stylesheet" href="/wp-content/themes/x/style.css">',
     {"server": "apache", "framework": "wordpress", "language": "php"}, ".htaccess or the VirtualHost"),
    ("Caddy", [], "", {"server": "caddy"}, "Caddyfile"),
    ("Microsoft-IIS/10.0", [("X-Powered-By", "ASP.NET")], "", {"server": "iis"}, "web.config"),
    ("cloudflare", [("CF-Ray", "8a1b2c3d4e5f-LHR")], "", {"server": "cloudflare", "hosting": "cloudflare"},
     "Cloudflare dashboard: Rules > Transform Rules > Modify Response Header"),
    ("nginx", [("X-Application-Context", "app:prod:8080")], "",
     {"server": "nginx", "framework": "spring", "language": "java"}, "nginx.conf (server block)"),
    ("Apache", [("Set-Cookie", "laravel_session=abc; Path=/; HttpOnly")], "",
     {"server": "apache", "framework": "laravel", "language": "php"}, ".htaccess or the VirtualHost"),
]


def test_stacks():
    out = os.path.join(tempfile.mkdtemp(prefix="secscan-appa-stack-"), "fix.md")
    for banner, headers, body, stack, file_ in CASES:
        app = (lambda h, headers=headers, body=body: (200, [("Content-Type", "text/html")] + headers, PAGE.format(body))
               if h.path == "/" else (404, [], ""))
        with fw._server(app, banner=banner) as site:
            p = sstest.run_cli("scan", site.url, "--json", "--allow-private", "--modules", "headers", "--fix", out)
        assert p.returncode in (0, 1), p.stderr
        text = open(out).read()
        m = re.search(r"tech_stack: \{(.*)\}", text)
        assert m, text[:600]
        got = dict(re.findall(r'(\w+): "([^"]*)"', m.group(1)))
        for k, v in stack.items():
            assert got.get(k) == v, (banner, headers, got)
        # the first FIX is the missing CSP (MEDIUM, first of the headers findings)
        first = text[text.index("## FIX-1:"):text.index("## FIX-2:")]
        assert "Content-Security-Policy header missing" in first, first[:200]
        files = re.findall(r"\*\*File to modify:\*\* `?([^`\n]*?)`? \(detected stack", first)
        assert files == [file_], (banner, headers, got, files)


if __name__ == "__main__":
    sstest.main([test_stacks])
