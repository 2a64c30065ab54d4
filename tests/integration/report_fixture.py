"""Fixture findings for the report integration tests, printed by the test-only secscan-report-fixture."""
import json
import os
import subprocess
import tempfile

SRC = os.environ.get("SECSCAN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
HELPER = os.path.join(os.path.dirname(os.environ.get("SECSCAN_BIN", "build/secscan")), "secscan-report-fixture")

# Hosts and labels are user input: each of these must survive the YAML front matter unchanged.
HOSTILE_LABELS = [
    'a "quoted": label',
    "multi\nline\n---\nscan_id: forged",
    "---",
    ": starts with a colon",
    "# not a comment",
    "'single' \\back\\slash\t tab",
    "&anchor *alias !!python/object:os.system [1, {a: 2}]",
    "null",
    "0123",
    "ünïcödé \u2028 separator \x85 nel \x01 control",
    "",
]


def finding(check, target, severity, title, location="", evidence="", seq=1, category="tls"):
    return {"check": check, "target": target, "severity": severity, "category": category,
            "title": title, "description": "Why it matters.", "evidence": evidence,
            "tool": check.split(".")[0], "location": location, "seq": seq}


def fixture(**extra):
    with open(os.path.join(SRC, "tests", "fixtures", "report", "checks.json")) as f:
        doc = json.load(f)
    doc.update({
        "scanner": "scanner.example",
        "scan_id": "12345678",
        "scan_date": 1775988000,
        "targets": [
            {"host": "myapp.com", "label": "production", "server": "nginx", "framework": "nextjs",
             "language": "javascript", "hosting": ""},
        ] + [{"host": f"t{i}.example", "label": label, "server": "", "framework": "",
              "language": "", "hosting": ""} for i, label in enumerate(HOSTILE_LABELS)],
        "findings": [
            finding("t.secret", "myapp.com", "CRITICAL", "Anthropic API key exposed at /main.js",
                    "https://myapp.com/main.js", "Found: sk-ant-api03-... (108 chars)", 1, "secrets"),
            finding("t.hsts", "myapp.com", "MEDIUM", "Strict-Transport-Security header missing",
                    "https://myapp.com/", "", 2),
            finding("t.sourcemap", "myapp.com", "LOW", "Source map exposed at /a.js.map",
                    "https://myapp.com/a.js.map", '{"version":3', 3, "disclosure"),
            finding("t.sourcemap", "myapp.com", "LOW", "Source map exposed at /b.js.map",
                    "https://myapp.com/b.js.map", '{"version":3', 4, "disclosure"),
            finding("t.server", "myapp.com", "INFO", "Server banner: nginx", "https://myapp.com/",
                    "Server: nginx", 5, "disclosure"),
            finding("t.redis", "t1.example", "HIGH", "Redis open to the internet on t1.example:6379",
                    "t1.example:6379", "+PONG", 6, "network"),
            finding("t.secret", "t2.example", "CRITICAL", "Key in source <&\"'>", "src/app.js:42:7",
                    "const key = \"sk-...\" ]]> \x1b[31m", 7, "secrets"),
        ],
    })
    doc.update(extra)
    return doc


def render(fmt, doc):
    """Runs the helper on doc; returns its stdout as text."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
        path = f.name
    try:
        out = subprocess.run([HELPER, fmt, path], capture_output=True, timeout=60)
    finally:
        os.unlink(path)
    assert out.returncode == 0, f"{HELPER} {fmt} failed: {out.stderr.decode(errors='replace')}"
    return out.stdout.decode("utf-8")


def shipped_checks():
    """Every check of the catalogue that ships in rules/checks/."""
    checks = []
    for name in sorted(os.listdir(os.path.join(SRC, "rules", "checks"))):
        if name.endswith(".json"):
            with open(os.path.join(SRC, "rules", "checks", name)) as f:
                checks.extend(json.load(f)["checks"])
    return checks


STACKS = [("nginx", "", "", ""), ("apache", "laravel", "php", ""), ("", "nextjs", "javascript", "vercel"),
          ("caddy", "django", "python", ""), ("iis", "aspnet", "csharp", ""), ("", "", "", "netlify"),
          ("cloudflare", "rails", "ruby", ""), ("", "express", "javascript", ""), ("", "", "", "")]


def catalogue_fixture():
    """One finding per shipped check, on targets with different stacks, rendered with the embedded
    catalogue (no "checks" key)."""
    targets = [{"host": f"s{i}.example", "label": f"stack {i}", "server": s, "framework": fw,
                "language": lang, "hosting": host} for i, (s, fw, lang, host) in enumerate(STACKS)]
    findings = []
    for i, c in enumerate(shipped_checks()):
        host = targets[i % len(targets)]["host"]
        network = c["category"] in ("network", "tls", "dns")
        location = f"{host}:6379" if network else f"https://{host}/path{i}"
        title = c["title"].replace("{location}", location).replace("{detail}", f"detail {i}")
        findings.append(finding(c["id"], host, c["severity"], title, location, f"evidence {i}", i + 1,
                                c["category"]))
    return {"scanner": "scanner.example", "scan_id": "abc12345", "scan_date": 1775988000,
            "targets": targets, "findings": findings}
