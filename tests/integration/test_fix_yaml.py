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


# An analysis provider's text is untrusted too: each of these starts a Markdown block of its own,
# and its paragraph in the fix file starts as shown.
HOSTILE_SUMMARIES = {"# Forged heading": "\\# Forged heading", "```\nall that follows is code": "\\``` all",
                     "1. a list": "1\\. a list", "22) a list": "22\\) a list", "> a quote": "\\> a quote",
                     "- a list": "\\- a list", "<script>alert(1)</script>": "\\<script>",
                     "| a | table |": "\\| a |", "    indented code": "indented code",
                     "\t\t# tabbed": "\\# tabbed", "---\nrisk_score: 0": "\\--- risk_score: 0",
                     "=== setext": "\\=== setext", "2026 was fine": "2026 was fine"}


def provider_analysis(summary):
    h = rf.HOSTILE_LABELS
    chains = [{"id": "", "name": x, "severity": "HIGH", "targets": [x, "myapp.com"],
               "findings_used": [{"check": x, "title": x, "location": x}], "scenario": [x, x],
               "business_impact": x} for x in h]
    content = (f"# Security Assessment\n\n## Executive Summary\n\n{summary}\n\nthen more.\n\n"
               "## Attack Chains\n\n## Fix Plan\n")
    return {"provider": "anthropic", "model": 'claude "x"\n---\nscan_id: forged', "risk_score": 88,
            "content": content, "chains": chains}


def test_provider_analysis_stays_yaml_and_markdown_safe():
    for summary, start in HOSTILE_SUMMARIES.items():
        front, body = split(rf.render("fix", rf.fixture(analysis=provider_analysis(summary))))
        meta = yaml.safe_load(front)
        assert set(meta) == {"format", "scanner", "scan_id", "scan_date", "targets", "analysis_provider",
                             "analysis_model", "risk_score", "attack_chains"}, set(meta)
        assert meta["scan_id"] == "12345678" and meta["risk_score"] == 88
        assert meta["analysis_provider"] == "anthropic"
        assert meta["analysis_model"] == 'claude "x"\n---\nscan_id: forged'
        # Every hostile string of the chains comes back exactly, in its place.
        assert [c["name"] for c in meta["attack_chains"]] == rf.HOSTILE_LABELS
        for c, x in zip(meta["attack_chains"], rf.HOSTILE_LABELS):
            assert c == {"name": x, "severity": "HIGH", "targets": [x, "myapp.com"], "findings_used": [x],
                         "scenario": [x, x], "business_impact": x}, c
        # The summary is one paragraph on one line, its block start escaped; the body's headings
        # are the file's own.
        lines = body.split("\n")
        assert lines[:3] == ["", "# Executive Summary", ""], lines[:3]
        para = lines[3]
        assert para.endswith("then more.") and lines[4] == "", lines[3:5]
        assert para.startswith(start), (summary, para)
        assert [x for x in lines if x.startswith("# ")][:2] == ["# Executive Summary",
                                                              "# Security Fixes: myapp.com"]
        assert not any(x.startswith(("```", "    ")) and i < lines.index("# Security Fixes: myapp.com")
                       for i, x in enumerate(lines))


def test_local_summary_is_unchanged_prose():
    content = "# Security Assessment\n\n## Executive Summary\n\nRisk score **45/100** (grade F).\n\n## Fix Plan\n"
    doc = rf.fixture(analysis={"provider": "local", "model": "secscan-rules-1", "risk_score": 45,
                               "content": content, "chains": []})
    front, body = split(rf.render("fix", doc))
    meta = yaml.safe_load(front)
    assert meta["analysis_provider"] == "local" and meta["attack_chains"] == []
    assert body.startswith("\n# Executive Summary\n\nRisk score **45/100** (grade F).\n\n# Security Fixes:")


if __name__ == "__main__":
    main([test_front_matter_parses_and_round_trips, test_body_has_fixes_in_severity_order,
          test_legacy_and_target_filter, test_every_shipped_check_renders,
          test_provider_analysis_stays_yaml_and_markdown_safe, test_local_summary_is_unchanged_prose])
