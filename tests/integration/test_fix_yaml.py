"""SECURITY-FIX.md: the front matter is YAML that parses to what the run holds, whatever the labels."""
import yaml

import report_fixture as rf
from sstest import main


def split(md):
    assert md.startswith("---\n"), md[:200]
    end = md.index("\n---\n", 4)
    return md[4:end + 1], md[end + 5:]


def test_front_matter_parses_and_round_trips():
    doc = rf.fixture()
    front, body = split(rf.render("fix", doc))
    meta = yaml.safe_load(front)
    assert meta["format"] == "security-fix/v1"
    assert meta["scanner"] == "scanner.example"
    assert meta["scan_id"] == "12345678"  # a string even when all digits
    assert meta["scan_date"] == "2026-04-12"  # a string, not a YAML date
    targets = meta["targets"]
    assert [t["host"] for t in targets] == [t["host"] for t in doc["targets"]]
    # Every hostile label comes back exactly (the control character too; NEL and U+2028 included).
    assert [t["label"] for t in targets] == [t["label"] for t in doc["targets"]]
    first = targets[0]
    assert first["risk_grade"] == "F"
    assert first["severity_counts"] == {"critical": 1, "high": 0, "medium": 1, "low": 2, "info": 1}
    assert first["tech_stack"] == {"server": "nginx", "framework": "nextjs", "language": "javascript"}
    assert "tech_stack" not in targets[1]
    assert targets[2]["risk_grade"] == "C" and targets[2]["severity_counts"]["high"] == 1
    assert targets[3]["risk_grade"] == "F"
    assert all(t["risk_grade"] == "A" for t in targets[4:])
    # The forged key inside a label did not become a key.
    assert set(meta) == {"format", "scanner", "scan_id", "scan_date", "targets"}
    assert body.startswith("\n# Security Fixes: myapp.com\n")


def test_body_has_fixes_in_severity_order():
    _, body = split(rf.render("fix", rf.fixture()))
    headings = [line for line in body.splitlines() if line.startswith("## ")]
    assert headings[:4] == [
        "## FIX-1: Anthropic API key exposed at /main.js [CRITICAL]",
        "## FIX-2: Strict-Transport-Security header missing [MEDIUM]",
        "## FIX-3: Source map exposed at /a.js.map (and 1 more location) [LOW]",
        "## Informational",
    ], headings
    assert "**File to modify:** `next.config.js` (detected stack: nextjs)" in body
    assert "curl -sI https://myapp.com/ | grep -i strict-transport-security" in body
    assert "## FIX-4: Redis open to the internet on t1.example:6379 [HIGH]" in body
    assert "redis-cli -h t1.example ping" in body


def test_legacy_and_target_filter():
    doc = rf.fixture()
    _, body = split(rf.render("fix", doc))
    legacy = rf.render("legacy", doc)
    assert legacy == body.lstrip("\n")
    front, body = split(rf.render("fix", rf.fixture(only_target="T1.example")))
    meta = yaml.safe_load(front)
    assert [t["host"] for t in meta["targets"]] == ["t1.example"]
    assert "# Security Fixes: myapp.com" not in body
    assert "## FIX-1: Redis open" in body


def test_every_shipped_check_renders():
    doc = rf.catalogue_fixture()
    front, body = split(rf.render("fix", doc))
    meta = yaml.safe_load(front)
    assert len(meta["targets"]) == len(rf.STACKS)
    fixes = [line for line in body.splitlines() if line.startswith("## FIX-")]
    checks = {c["id"]: c for c in rf.shipped_checks()}
    assert len(fixes) == sum(1 for c in checks.values() if c["severity"] != "INFO"), fixes
    for i, section in enumerate(body.split("\n## FIX-")[1:], start=1):
        assert section.startswith(f"{i}: "), section[:80]
        check = section.split("(check `", 1)[1].split("`", 1)[0]
        c = checks[check]
        assert section.split("\n", 1)[0].endswith(f"[{c['severity']}]")
        assert "**File to modify:**" in section and "**Change:**" in section
        if c.get("verify"):
            assert "**Verify:**\n\n```sh\n" in section, section
            assert "{url}" not in section and "{host}" not in section
        # The stack chosen is one the check has a fix for.
        chosen = section.split("(detected stack: ", 1)
        if len(chosen) == 2:
            assert chosen[1].split(")", 1)[0] in c.get("stacks", {}), section


if __name__ == "__main__":
    main([test_front_matter_parses_and_round_trips, test_body_has_fixes_in_severity_order,
          test_legacy_and_target_filter, test_every_shipped_check_renders])
