"""Comparison between runs: a fixture site changed between two scans (its .env is fixed, its .git
is newly exposed) compared through the API (?compare=previous|RUN_ID) and in the CLI (--baseline)."""
import json
import os
import re
import tempfile

from sstest import FixtureServer, Service, main, run_cli, wait_for

CONFIG = "[limits]\nrate = 0\n"
PAGE = "<html><head><title>Shop</title></head><body><h1>Welcome</h1></body></html>"


class ChangingSite:
    """Version 1 exposes /.env; version 2 has fixed that but exposes /.git."""

    def __init__(self):
        self.version = 1

    def __call__(self, h):
        base = [("Content-Type", "text/plain"), ("Server", "Apache/2.4.49 (Unix)")]
        if h.path == "/":
            return 200, [("Content-Type", "text/html")], PAGE
        if h.path == "/.env" and self.version == 1:
            return 200, base, "APP_ENV=production\nDB_HOST=db.internal\nDB_PASSWORD=s3cr3t-Passw0rd\n"
        if h.path == "/.git/HEAD" and self.version == 2:
            return 200, base, "ref: refs/heads/main\n"
        if h.path == "/.git/config" and self.version == 2:
            return 200, base, "[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
        return 404, [("Content-Type", "text/html")], "<html><body>Not Found</body></html>"


def checks(findings, change=None):
    return {f["check"] for f in findings if change is None or f["change"] == change}


def scan_via_api(svc, key, url):
    status, _, body = svc.request("POST", "/v1/scan", body={"host": url}, key=key)
    assert status == 201, body
    run_id = body["run_id"]
    done = wait_for(lambda: (lambda s: s if s["status"] != "running" else None)(
        svc.request("GET", f"/v1/scan/{run_id}", key=key)[2]), timeout=120, interval=0.3, what="scan")
    assert done["status"] == "completed", done
    return run_id, done


def test_api_compare_previous_and_by_id():
    site = ChangingSite()
    with FixtureServer(site) as fx, Service(config=CONFIG) as svc:
        key = svc.admin_key
        first, one = scan_via_api(svc, key, fx.url)
        assert "exposure.env-credentials" in checks(one["findings"]) and "exposure.vcs" not in checks(one["findings"])
        for f in one["findings"]:
            assert re.fullmatch(r"[0-9a-f]{64}", f["fingerprint"]), f
        site.version = 2
        second, two = scan_via_api(svc, key, fx.url)

        # The first run of a target has nothing to compare with: everything is new.
        status, _, body = svc.request("GET", f"/v1/scan/{first}?compare=previous", key=key)
        assert status == 200 and body["compared_to"] is None and body["fixed"] == [], body
        assert checks(body["findings"], "unchanged") == set()

        for compare in ("previous", first):
            status, _, body = svc.request("GET", f"/v1/scan/{second}?compare={compare}", key=key)
            assert status == 200, body
            assert body["compared_to"] == first
            assert "exposure.vcs" in checks(body["findings"], "new"), body["findings"]
            assert "exposure.env-credentials" not in checks(body["findings"])
            assert "exposure.env-credentials" in checks(body["fixed"]), body["fixed"]
            assert "exposure.vcs" not in checks(body["fixed"])
            unchanged = checks(body["findings"], "unchanged")
            assert unchanged and "exposure.vcs" not in unchanged, body["findings"]
            # The same fingerprints as the plain answers: nothing is recomputed.
            old = {f["fingerprint"] for f in one["findings"]}
            for f in body["findings"]:
                assert (f["change"] == "unchanged") == (f["fingerprint"] in old), f
            assert body["changes"] == {"new": sum(f["change"] == "new" for f in body["findings"]),
                                       "unchanged": sum(f["change"] == "unchanged" for f in body["findings"]),
                                       "fixed": len(body["fixed"])}
            assert body["summary"]["total"] == len(two["findings"])

        # ?since shows the tail, still marked; fixed stays the whole comparison.
        last = two["findings"][-1]["seq"]
        status, _, tail = svc.request("GET", f"/v1/scan/{second}?compare=previous&since={last - 1}", key=key)
        assert status == 200 and [f["seq"] for f in tail["findings"]] == [last]
        assert "exposure.env-credentials" in checks(tail["fixed"])

        # Unknown runs and another account's runs are not found, whichever side they are on.
        assert svc.request("GET", f"/v1/scan/{second}?compare=zzzzzzzz", key=key)[0] == 404
        other = run_cli("keys", "create", "--account", "mallory", "--db", svc.db, check=True)
        okey = re.search(r"sk-sec-[A-Za-z0-9]{40}", other.stdout).group(0)
        assert svc.request("GET", f"/v1/scan/{second}?compare=previous", key=okey)[0] == 404
        oid, _ = scan_via_api(svc, okey, fx.url)
        assert svc.request("GET", f"/v1/scan/{oid}?compare={first}", key=okey)[0] == 404
        status, _, mine = svc.request("GET", f"/v1/scan/{oid}?compare=previous", key=okey)
        assert status == 200 and mine["compared_to"] is None, "another account's runs are never a base"


def test_cli_baseline():
    site = ChangingSite()
    tmp = tempfile.mkdtemp(prefix="secscan-baseline-")
    args = ["--allow-private", "--modules", "headers,exposure", "--budget", "60"]
    with FixtureServer(site) as fx:
        first = run_cli("scan", fx.url, "--json", *args)
        assert first.returncode in (0, 1), first.stderr
        base1 = os.path.join(tmp, "base1.json")
        with open(base1, "w") as f:
            f.write(first.stdout)
        site.version = 2

        out = run_cli("scan", fx.url, "--json", "--baseline", base1, *args)
        assert out.returncode == 1, out.stderr  # the newly exposed .git is HIGH
        doc = json.loads(out.stdout)
        assert doc["compared_to"] == json.loads(first.stdout)["run_id"]
        assert "exposure.vcs" in checks(doc["findings"], "new")
        assert "exposure.env-credentials" in checks(doc["fixed"])
        assert checks(doc["findings"], "unchanged"), doc["findings"]
        base2 = os.path.join(tmp, "base2.json")
        with open(base2, "w") as f:
            f.write(out.stdout)

        # Text: only what is new is listed; the known findings are counted, not shown.
        text = run_cli("scan", fx.url, "--baseline", base1, *args)
        assert text.returncode == 1
        assert "exposure.vcs" in text.stdout and re.search(r"baseline .*: \d+ unchanged findings? not shown, 1 fixed", text.stdout), text.stdout
        unchanged_title = next(f["title"] for f in doc["findings"] if f["change"] == "unchanged")
        assert unchanged_title not in text.stdout

        # Against a baseline that already has everything, nothing new: exit 0 despite HIGH findings.
        again = run_cli("scan", fx.url, "--baseline", base2, *args)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "0 findings" in again.stdout

        # Bad baselines are refused before scanning.
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"findings": [{"check": "x"}]}')
        p = run_cli("scan", fx.url, "--baseline", bad, *args)
        assert p.returncode == 2 and "fingerprint" in p.stderr, p.stderr
        p = run_cli("scan", fx.url, "--baseline", os.path.join(tmp, "missing.json"), *args)
        assert p.returncode == 2 and "cannot read baseline" in p.stderr, p.stderr


if __name__ == "__main__":
    main([test_api_compare_previous_and_by_id, test_cli_baseline])
