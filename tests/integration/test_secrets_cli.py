"""`secscan secrets PATH...`: files and directories, excludes, binary files, chunking, outputs, baseline."""
import json
import os
import random
import shutil
import sys
import tempfile

import sstest

sys.path.insert(0, os.path.join(sstest.SRC, "tests", "fixtures", "secrets"))
import samples  # noqa: E402  (synthetic keys of every rule's shape)

RNG = random.Random(7)
ANTHROPIC = samples.positive("anthropic-api-key", RNG)[1]
GITHUB = samples.positive("github-pat-classic", RNG)[1]
STRIPE = samples.positive("stripe-secret-key", RNG)[1]
SLACK = samples.positive("slack-bot-token", RNG)[1]
ALL_KEYS = [ANTHROPIC, GITHUB, STRIPE, SLACK]


def write(root, rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def make_tree():
    root = tempfile.mkdtemp(prefix="secscan-secrets-")
    write(root, "src/app.js", f'import x from "y";\nconst client = new Anthropic({{ apiKey: "{ANTHROPIC}" }});\n')
    write(root, "src/ok.js", f'const t = "{GITHUB}"; // secscan:ignore\n')
    write(root, "node_modules/lib/index.js", f'const t = "{GITHUB}"; // secscan:ignore\n')
    write(root, ".gitignore", "ignored/\n*.bak\n")
    write(root, "ignored/keys.js", f'const k = "{STRIPE}";\n')
    write(root, "old.bak", f'const k = "{STRIPE}";\n')
    write(root, "image.png", b"\x89PNG\r\n\x1a\n\0\0" + SLACK.encode() + b"\0")
    write(root, "docs/README.md", "Use AKIAIOSFODNN7EXAMPLE and sk-ant-api03-xxxxxxxx as placeholders.\n")
    return root


def keys_leaked(text):
    return [k for k in ALL_KEYS if k in text]


def test_directory_scan_finds_reports_and_redacts():
    root = make_tree()
    try:
        p = sstest.run_cli("secrets", root)
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert "anthropic-api-key" in p.stdout and "src/app.js:2:" in p.stdout, p.stdout
        # vendored file: the suppression comment does not count
        assert "node_modules/lib/index.js:1:" in p.stdout, p.stdout
        # first-party suppression, .gitignore, binary files
        assert "src/ok.js" not in p.stdout and "ignored/" not in p.stdout and "old.bak" not in p.stdout, p.stdout
        assert "image.png" not in p.stdout and "README.md" not in p.stdout, p.stdout
        assert "1 binary" in p.stdout and "2 ignored" in p.stdout, p.stdout
        assert not keys_leaked(p.stdout + p.stderr), "a secret was printed whole"
    finally:
        shutil.rmtree(root)


def test_json_output_baseline_and_exit_codes():
    root = make_tree()
    try:
        p = sstest.run_cli("secrets", root, "--json", "--no-gitignore", "--binary")
        assert p.returncode == 1, p.stderr
        doc = json.loads(p.stdout)
        rules = sorted(f["rule"] for f in doc["findings"])
        assert rules == ["anthropic-api-key", "github-pat-classic", "slack-bot-token", "stripe-secret-key",
                         "stripe-secret-key"], rules
        for f in doc["findings"]:
            assert f["category"] == "secrets" and len(f["fingerprint"]) == 64
            assert f["evidence"].startswith("Found: ") and "chars)" in f["evidence"]
        assert not keys_leaked(p.stdout), "a secret was printed whole"
        sarif = sstest.run_cli("secrets", root, "--sarif", "--no-gitignore", "--binary")
        assert sarif.returncode == 1 and not keys_leaked(sarif.stdout), "a secret was printed whole"
        results = json.loads(sarif.stdout)["runs"][0]["results"]
        assert len(results) == 5, results
        regions = [r["locations"][0]["physicalLocation"].get("region") for r in results]
        assert {"startLine": 2, "startColumn": 41} in regions, regions
        base = write(root, "baseline.json", p.stdout)
        q = sstest.run_cli("secrets", root, "--json", "--no-gitignore", "--binary", "--baseline", base)
        assert q.returncode == 0, q.stdout
        assert json.loads(q.stdout)["findings"] == [] and json.loads(q.stdout)["baseline_suppressed"] == 5
        # a new key is still reported with the old baseline
        write(root, "src/new.js", f'k = "{SLACK}"\n')
        q = sstest.run_cli("secrets", root, "--json", "--no-gitignore", "--binary", "--baseline", base)
        assert [f["rule"] for f in json.loads(q.stdout)["findings"]] == ["slack-bot-token"], q.stdout
        # --fail-on above the worst finding exits 0 (a Stripe test key is LOW); excludes skip paths
        test_key = samples.positive("stripe-test-secret-key", RNG)[0]
        write(root, "test/stripe.js", test_key)
        q = sstest.run_cli("secrets", os.path.join(root, "test", "stripe.js"), "--fail-on", "MEDIUM")
        assert q.returncode == 0 and "stripe-test-secret-key" in q.stdout, q.stdout
        q = sstest.run_cli("secrets", os.path.join(root, "test", "stripe.js"))
        assert q.returncode == 1, q.stdout
        q = sstest.run_cli("secrets", root, "--exclude", "src/", "--exclude", "node_modules", "--exclude", "/test",
                           "--json")
        assert json.loads(q.stdout)["findings"] == [], q.stdout
        assert sstest.run_cli("secrets", os.path.join(root, "missing")).returncode == 2
        assert sstest.run_cli("secrets").returncode == 2
        assert sstest.run_cli("secrets", root, "--fail-on", "nope").returncode == 2
    finally:
        shutil.rmtree(root)


def test_keys_across_chunk_boundaries_and_size_limit():
    root = tempfile.mkdtemp(prefix="secscan-secrets-")
    try:
        filler = "var a = b + c; // filler line\n" * 1000
        write(root, "big.js", filler + f'const k = "{ANTHROPIC}";\n' + filler)
        for chunk in ("7", "4096", "100000"):
            p = sstest.run_cli("secrets", root, "--chunk", chunk, "--json")
            doc = json.loads(p.stdout)
            found = [f["location"] for f in doc["findings"]]
            assert found == [os.path.join(root, "big.js") + ":1001:12"], (chunk, found)
            # what was scanned and how long the scan took (start-up excluded)
            assert doc["stats"]["files"] == 1 and doc["stats"]["bytes"] == len(filler) * 2 + len(
                f'const k = "{ANTHROPIC}";\n'), doc["stats"]
            assert isinstance(doc["stats"]["scan_ms"], int) and doc["stats"]["scan_ms"] >= 0, doc["stats"]
        p = sstest.run_cli("secrets", root, "--max-size", "1000", "--json")
        doc = json.loads(p.stdout)
        assert doc["findings"] == [] and doc["stats"]["skipped_size"] == 1, p.stdout
    finally:
        shutil.rmtree(root)


def test_links_in_a_tree_are_not_followed_but_a_link_given_is():
    root = tempfile.mkdtemp(prefix="secscan-secrets-")
    outside = tempfile.mkdtemp(prefix="secscan-outside-")
    try:
        secret = write(outside, "keys/prod.env", f"ANTHROPIC_API_KEY={ANTHROPIC}\n")
        write(root, "src/a.js", f'const s = "{STRIPE}";\n')
        os.symlink(secret, os.path.join(root, "src", "linked.env"))
        os.symlink(os.path.join(outside, "keys"), os.path.join(root, "keysdir"))
        # small files (read) and one larger than the chunk (mapped), in one walk
        big = write(root, "dist/big.js", "x = 1;\n" * 40000 + f'k = "{SLACK}";\n')
        doc = json.loads(sstest.run_cli("secrets", root, "--chunk", "65536", "--json").stdout)
        locations = sorted(f["location"] for f in doc["findings"])
        assert locations == [big + ":40001:6", os.path.join(root, "src", "a.js") + ":1:12"], locations
        assert doc["stats"]["files"] == 2, doc["stats"]
        # the same link named on the command line is the user's choice: scanned
        doc = json.loads(sstest.run_cli("secrets", os.path.join(root, "src", "linked.env"), "--json").stdout)
        assert [f["rule"] for f in doc["findings"]] == ["anthropic-api-key"], doc
    finally:
        shutil.rmtree(root)
        shutil.rmtree(outside)


def test_an_empty_directory_is_scanned_cleanly():
    root = tempfile.mkdtemp(prefix="secscan-secrets-")
    try:
        os.mkdir(os.path.join(root, "empty"))
        p = sstest.run_cli("secrets", root, "--json")
        assert p.returncode == 0 and p.stderr == "", (p.returncode, p.stderr)
        doc = json.loads(p.stdout)
        assert doc["findings"] == [] and doc["stats"]["files"] == 0, doc
    finally:
        shutil.rmtree(root)


def test_tests_docs_examples_and_vendored_code_keep_only_provider_keys():
    # The scanned project lives under a directory called tests: what is above PATH does not count.
    parent = tempfile.mkdtemp(prefix="secscan-secrets-")
    root = os.path.join(parent, "tests", "project")
    password = 'db_password = "Kx8#qLm2vR9wT4zP"\n'
    try:
        write(root, "src/config.py", password)
        for rel in ("tests/test_db.py", "docs/setup.md", "README.md", ".env.example", "src/db.test.ts",
                    "examples/app.py", "node_modules/pg/lib/defaults.js", "vendor/lib/conf.php"):
            write(root, rel, password + f'stripe_key = "{STRIPE}"\n')
        doc = json.loads(sstest.run_cli("secrets", root, "--json").stdout)
        found = sorted((f["location"][len(root) + 1:].split(":")[0], f["rule"]) for f in doc["findings"])
        generic = [where for where, rule in found if rule == "generic-password"]
        assert generic == ["src/config.py"], found
        # a provider's key of its own shape is reported wherever it is
        assert len([1 for _, rule in found if rule == "stripe-secret-key"]) == 8, found
        # --everywhere reports the generic rule in every file
        doc = json.loads(sstest.run_cli("secrets", root, "--json", "--everywhere").stdout)
        assert sum(f["rule"] == "generic-password" for f in doc["findings"]) == 9, doc["findings"]
        # a file named on the command line is judged by its name alone
        doc = json.loads(sstest.run_cli("secrets", os.path.join(root, "src", "config.py"), "--json").stdout)
        assert [f["rule"] for f in doc["findings"]] == ["generic-password"], doc
    finally:
        shutil.rmtree(parent)


if __name__ == "__main__":
    sstest.main([test_directory_scan_finds_reports_and_redacts, test_json_output_baseline_and_exit_codes,
                 test_keys_across_chunk_boundaries_and_size_limit,
                 test_links_in_a_tree_are_not_followed_but_a_link_given_is,
                 test_tests_docs_examples_and_vendored_code_keep_only_provider_keys,
                 test_an_empty_directory_is_scanned_cleanly])
