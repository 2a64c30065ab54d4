"""CI outputs: SARIF valid against the SARIF 2.1.0 schema and in GitHub's shape; JUnit XML well-formed."""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import yaml

import fixtures_web
import report_fixture as rf
import sstest
from sstest import Service, main, wait_for

sys.path.insert(0, os.path.join(rf.SRC, "tests", "fixtures", "secrets"))
import samples  # noqa: E402  (synthetic keys of every secret rule's shape)

VALIDATOR = os.path.join(rf.SRC, "tests", "tools", "validate-sarif.js")


def validate(log):
    """Runs the schema validator (installed by scripts/install-deps.sh); returns (ok, messages)."""
    assert os.path.isdir(os.path.join(rf.SRC, "tests", "tools", "node_modules", "ajv")), \
        "tests/tools/node_modules missing: run scripts/install-deps.sh"
    with tempfile.NamedTemporaryFile("w", suffix=".sarif", delete=False) as f:
        json.dump(log, f)
        path = f.name
    try:
        out = subprocess.run(["node", VALIDATOR, path], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(path)
    return out.returncode == 0, out.stderr


def test_sarif_is_valid_against_the_schema():
    log = json.loads(rf.render("sarif", rf.fixture()))
    ok, errors = validate(log)
    assert ok, errors
    # The validator does reject what the schema forbids.
    del log["runs"][0]["tool"]["driver"]["name"]
    log["runs"][0]["results"][0]["level"] = "critical"
    ok, errors = validate(log)
    assert not ok and "name" in errors and "level" in errors, errors


def test_sarif_of_every_shipped_check_is_valid():
    log = json.loads(rf.render("sarif", rf.catalogue_fixture()))
    ok, errors = validate(log)
    assert ok, errors
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == {c["id"] for c in rf.shipped_checks()}
    for r in rules:
        assert r["help"]["text"] and r["help"]["markdown"], r["id"]


def test_secrets_cli_sarif_is_valid():
    """The real `secscan secrets --sarif` on files whose paths need URI escaping."""
    rng = random.Random(11)
    root = tempfile.mkdtemp(prefix="secscan-sarif-")
    try:
        os.makedirs(os.path.join(root, "src", "my dir"))
        with open(os.path.join(root, "src", "my dir", "conf ü #1.js"), "w") as f:
            f.write(f'const a = "{samples.positive("anthropic-api-key", rng)[1]}";\n')
        with open(os.path.join(root, "src", "app.py"), "w") as f:
            f.write(f'\n\nSLACK = "{samples.positive("slack-bot-token", rng)[1]}"\n')
        out = sstest.run_cli("secrets", root, "--sarif", "--no-gitignore")
        assert out.returncode == 1, out.stderr
        log = json.loads(out.stdout)
        ok, errors = validate(log)
        assert ok, errors
        uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                      for r in log["runs"][0]["results"])
        assert uris == [f"file://{root}/src/app.py", f"file://{root}/src/my%20dir/conf%20%C3%BC%20%231.js"], uris
        # Run from the repository root, the paths stay relative, as code scanning wants them.
        rel = subprocess.run([sstest.BIN, "secrets", "src", "--sarif", "--no-gitignore"], cwd=root,
                             capture_output=True, text=True, timeout=120)
        log = json.loads(rel.stdout)
        assert validate(log)[0]
        uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                      for r in log["runs"][0]["results"])
        assert uris == ["src/app.py", "src/my%20dir/conf%20%C3%BC%20%231.js"], uris
    finally:
        shutil.rmtree(root)


def test_api_serves_sarif_and_junit():
    """GET /v1/scan/{id}?format=sarif|junit on a real run of a leaky fixture site."""
    with fixtures_web.leaky_site() as site, Service() as svc:
        key = svc.admin_key
        status, _, body = svc.request("POST", "/v1/scan", {"host": f"http://127.0.0.1:{site.port}/"}, key=key)
        assert status == 201, body
        run_id = body["run_id"]
        done = wait_for(lambda: svc.request("GET", f"/v1/scan/{run_id}", key=key)[2]["status"] != "running",
                        timeout=120, what="scan completed")
        assert done
        scan = svc.request("GET", f"/v1/scan/{run_id}", key=key)[2]
        status, headers, text = svc.request("GET", f"/v1/scan/{run_id}?format=sarif", key=key)
        assert status == 200 and headers["Content-Type"].startswith("application/sarif+json"), (status, text)
        log = text  # sstest decodes any JSON media type
        ok, errors = validate(log)
        assert ok, errors
        results = log["runs"][0]["results"]
        assert len(results) == scan["summary"]["total"] > 0
        assert any(r["ruleId"] == "exposure.env-credentials" and r["level"] == "error" for r in results)
        status, headers, text = svc.request("GET", f"/v1/scan/{run_id}?format=junit&fail_on=critical", key=key)
        assert status == 200 and headers["Content-Type"].startswith("application/xml"), (status, text)
        root = ET.fromstring(text.encode())
        failed = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None}
        assert "exposure.env-credentials" in failed
        assert all(c.find("failure") is None for c in root.iter("testcase")
                   if c.get("name").startswith("headers."))  # MEDIUM and LOW pass at CRITICAL
        assert svc.request("GET", f"/v1/scan/{run_id}?format=pdf", key=key)[0] == 400
        assert svc.request("GET", f"/v1/scan/{run_id}?format=junit&fail_on=severe", key=key)[0] == 400
        assert svc.request("GET", "/v1/scan/nosuchid?format=sarif", key=key)[0] == 404
        assert svc.request("GET", f"/v1/scan/{run_id}?format=sarif")[0] == 401


def test_scan_cli_writes_fix_sarif_and_junit():
    """`secscan scan URL --fix F --sarif S --junit J` on a leaky fixture site."""
    out_dir = tempfile.mkdtemp(prefix="secscan-outputs-")
    fix, sarif, junit = (os.path.join(out_dir, n) for n in ("SECURITY-FIX.md", "scan.sarif", "junit.xml"))
    try:
        with fixtures_web.leaky_site() as site:
            host = f"127.0.0.1:{site.port}"
            p = sstest.run_cli("scan", f"http://{host}/", "--allow-private", "--modules",
                               "headers,exposure,disclosure", "--fail-on", "critical",
                               "--fix", fix, "--sarif", sarif, "--junit", junit)
            # An output that cannot be written is an error (exit 2), not a silent success.
            bad = sstest.run_cli("scan", f"http://{host}/", "--allow-private", "--modules", "headers",
                                 "--fail-on", "critical", "--fix", os.path.join(out_dir, "no", "dir", "F.md"))
            assert bad.returncode == 2 and "cannot write" in bad.stderr, (bad.returncode, bad.stderr)
        assert p.returncode == 1, p.stderr  # the exposed .env with credentials is CRITICAL
        with open(fix) as f:
            md = f.read()
        front = yaml.safe_load(md.split("\n---\n", 1)[0][4:])
        assert front["format"] == "security-fix/v1" and len(front["scan_id"]) == 8
        target = front["targets"][0]
        assert target["host"] == host and target["risk_grade"] == "F", target
        assert target["severity_counts"]["critical"] >= 1
        assert target["tech_stack"]["server"] == "nginx", target
        assert f"# Security Fixes: {host}\n" in md and "## FIX-1: " in md and "[CRITICAL]" in md
        with open(sarif) as f:
            log = json.load(f)
        ok, errors = validate(log)
        assert ok, errors
        assert len(log["runs"][0]["results"]) == sum(target["severity_counts"].values())
        suites = ET.parse(junit).getroot().findall("testsuite")
        assert [s.get("name") for s in suites] == [host]
        failed = [c.get("name") for c in suites[0].iter("testcase") if c.find("failure") is not None]
        assert "exposure.env-credentials" in failed and not any(n.startswith("headers.") for n in failed)
    finally:
        shutil.rmtree(out_dir)


def test_sarif_has_the_shape_github_reads():
    log = json.loads(rf.render("sarif", rf.fixture()))
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) == 5
    for r in rules:
        assert float(r["properties"]["security-severity"]) >= 0
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
    results = run["results"]
    assert len(results) == 7
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert len(res["partialFingerprints"]["secscanFingerprint/v1"]) == 64
    by_rule = {r["id"]: r for r in rules}
    assert by_rule["t.secret"]["properties"]["security-severity"] == "9.5"
    assert by_rule["t.hsts"]["properties"]["security-severity"] == "5.5"
    assert "Send HSTS" in by_rule["t.hsts"]["help"]["text"]
    file_result = next(r for r in results if r["properties"]["target"] == "t2.example")
    loc = file_result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "src/app.js"
    assert loc["region"] == {"startLine": 42, "startColumn": 7}


def test_junit_is_well_formed_and_counts_failures():
    root = ET.fromstring(rf.render("junit", rf.fixture(threshold="MEDIUM")).encode())
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert len(suites) == len(rf.HOSTILE_LABELS) + 1  # one per target, findings or not
    app = suites["myapp.com"]
    cases = {c.get("name"): c for c in app.findall("testcase")}
    assert set(cases) == {"t.secret", "t.hsts", "t.sourcemap", "t.server"}
    assert cases["t.secret"].find("failure") is not None
    assert cases["t.hsts"].find("failure") is not None  # MEDIUM is at the threshold
    assert cases["t.sourcemap"].find("failure") is None
    assert app.get("tests") == "4" and app.get("failures") == "2"
    hostile = suites["t2.example"].find("testcase/failure")
    assert hostile.get("message") == "Key in source <&\"'>"
    assert "]]>" in hostile.text and "\x1b" not in hostile.text
    assert root.get("failures") == "4"  # secret, hsts, redis, the file secret
    strict = ET.fromstring(rf.render("junit", rf.fixture(threshold="CRITICAL")).encode())
    assert strict.get("failures") == "2"


if __name__ == "__main__":
    main([test_sarif_is_valid_against_the_schema, test_sarif_of_every_shipped_check_is_valid,
          test_secrets_cli_sarif_is_valid, test_api_serves_sarif_and_junit,
          test_scan_cli_writes_fix_sarif_and_junit,
          test_sarif_has_the_shape_github_reads,
          test_junit_is_well_formed_and_counts_failures])
