"""API keys and authentication: the first start's admin key, keys create/list/revoke (CLI and API),
401 on missing, wrong and revoked keys, keys stored hashed, and tenant isolation between accounts."""
import glob
import re

from sstest import FixtureServer, Service, main, run_cli, wait_for

KEY_RE = re.compile(r"^sk-sec-[A-Za-z0-9]{40}$")


def new_key(svc, account, *extra):
    p = run_cli("keys", "create", "--account", account, "--db", svc.db, *extra, check=True)
    key = p.stdout.strip()
    assert KEY_RE.match(key), p.stdout
    assert p.stdout == key + "\n", "the key must be printed alone on stdout"
    return key


def site(handler):
    return (200, [("Content-Type", "text/html")], "<html><body>hello</body></html>")


def test_first_start_prints_the_admin_key_once_with_the_quickstart():
    with Service() as svc:
        assert svc.admin_key and KEY_RE.match(svc.admin_key), svc.stdout_text
        out = svc.stdout_text
        assert f"curl -X POST {svc.url}/v1/scan" in out
        assert f"Bearer {svc.admin_key}" in out
        assert f"{svc.url}/v1/scan/RUN_ID/fix" in out
        status, _, body = svc.request("GET", "/v1/runs", key=svc.admin_key)
        assert status == 200 and body == {"runs": []}, body
        svc.stop()
        again = Service(db_dir=svc.dir).start()
        try:
            assert again.admin_key is None, "a later start must not print a key"
            status, _, _ = again.request("GET", "/v1/runs", key=svc.admin_key)
            assert status == 200
        finally:
            again.stop()


def test_missing_wrong_and_malformed_keys_are_401():
    with Service() as svc:
        fake = "sk-sec-" + "A" * 40
        for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer wrong"},
                        {"Authorization": f"Bearer {fake}"},
                        {"Authorization": f"Basic {svc.admin_key}"},
                        {"Authorization": f"Bearer {svc.admin_key}x"}):
            for method, path in (("GET", "/v1/runs"), ("POST", "/v1/scan"), ("GET", "/v1/keys")):
                status, h, body = svc.request(method, path, headers=headers,
                                              body={"host": "example.com"} if method == "POST" else None)
                assert status == 401, (headers, path, status)
                assert body == {"error": "unauthorized"}, body
                assert h["Content-Type"] == "application/json"
        status, _, _ = svc.request("GET", "/v1/runs", headers={"Authorization": f"bearer  {svc.admin_key} "})
        assert status == 200, "the scheme is case-insensitive and spaces around the key are ignored"


def test_keys_created_by_api_work_are_listed_without_secrets_and_revoke_at_once():
    with Service() as svc:
        status, _, created = svc.request("POST", "/v1/keys", body={"label": "ci"}, key=svc.admin_key)
        assert status == 201, created
        key = created["key"]
        assert KEY_RE.match(key) and created["label"] == "ci"
        assert key.startswith(created["prefix"]) and len(created["prefix"]) < 20
        assert svc.request("GET", "/v1/runs", key=key)[0] == 200

        status, _, listed = svc.request("GET", "/v1/keys", key=svc.admin_key)
        assert status == 200
        assert len(listed["keys"]) == 2
        text = repr(listed)
        assert key not in text and svc.admin_key not in text, "secrets must never be listed"
        mine = [k for k in listed["keys"] if k["id"] == created["id"]][0]
        assert mine["prefix"] == created["prefix"] and mine["revoked"] is False
        assert mine["last_used_at"], "use of a key is recorded"

        status, _, body = svc.request("DELETE", f"/v1/keys/{created['id']}", key=svc.admin_key)
        assert status == 200, body
        status, _, body = svc.request("GET", "/v1/runs", key=key)
        assert status == 401 and body == {"error": "unauthorized"}, "a revoked key fails at once"
        status, _, listed = svc.request("GET", "/v1/keys", key=svc.admin_key)
        assert [k["revoked"] for k in listed["keys"] if k["id"] == created["id"]] == [True]
        assert svc.request("DELETE", "/v1/keys/999999", key=svc.admin_key)[0] == 404
        assert svc.request("DELETE", "/v1/keys/abc", key=svc.admin_key)[0] == 404


def test_cli_keys_create_list_revoke():
    with Service() as svc:
        key = new_key(svc, "carol", "--plan", "pro", "--label", "laptop")
        assert svc.request("GET", "/v1/runs", key=key)[0] == 200
        listing = run_cli("keys", "list", "--db", svc.db, check=True).stdout
        assert "carol" in listing and "laptop" in listing and "admin" in listing
        assert key not in listing and key[:11] in listing
        row = [line for line in listing.splitlines() if "carol" in line][0]
        key_id = row.split()[0]
        run_cli("keys", "revoke", key_id, "--db", svc.db, check=True)
        # Another process revoked it: the service notices within its one-second key cache.
        wait_for(lambda: svc.request("GET", "/v1/runs", key=key)[0] == 401, timeout=5,
                 what="revoked key refused")
        assert "revoked" in run_cli("keys", "list", "--account", "carol", "--db", svc.db).stdout
        bad = run_cli("keys", "create", "--account", "dave", "--plan", "gold", "--db", svc.db)
        assert bad.returncode == 2 and "unknown plan" in bad.stderr
        assert run_cli("keys", "revoke", "424242", "--db", svc.db).returncode == 1
        for args in (("keys", "--help"), ("serve", "--help")):
            p = run_cli(*args)
            assert p.returncode == 0 and "usage: secscan" in p.stdout


def test_keys_are_stored_hashed():
    with Service() as svc:
        key = new_key(svc, "erin")
        assert svc.request("GET", "/v1/runs", key=key)[0] == 200
        for path in glob.glob(svc.db + "*"):
            with open(path, "rb") as f:
                data = f.read()
            assert key.encode() not in data and svc.admin_key.encode() not in data, path
            assert key[7:].encode() not in data, path


def test_accounts_never_see_each_others_objects():
    with FixtureServer(site) as fx, Service() as svc:
        admin = svc.admin_key
        bob = new_key(svc, "bob", "--plan", "pro")
        status, _, started = svc.request("POST", "/v1/scan", body={"host": fx.url}, key=admin)
        assert status == 201, started
        run_id = started["run_id"]
        status, _, targets = svc.request("GET", "/v1/targets", key=admin)
        target_id = targets["targets"][0]["id"]
        status, _, keys = svc.request("GET", "/v1/keys", key=admin)
        admin_key_id = keys["keys"][0]["id"]

        for method, path in (("GET", f"/v1/scan/{run_id}"), ("POST", f"/v1/scan/{run_id}/abort"),
                             ("GET", f"/v1/scan/{run_id}/fix"), ("DELETE", f"/api/targets/{target_id}"),
                             ("DELETE", f"/v1/keys/{admin_key_id}")):
            status, _, body = svc.request(method, path, key=bob)
            assert status == 404 and body == {"error": "not found"}, (path, status, body)
        assert svc.request("GET", "/v1/runs", key=bob)[2] == {"runs": []}
        assert svc.request("GET", "/v1/targets", key=bob)[2] == {"targets": []}
        assert len(svc.request("GET", "/v1/keys", key=bob)[2]["keys"]) == 1
        # Bob may add the same host: targets are per account.
        status, _, body = svc.request("POST", "/v1/targets", body={"host": fx.url}, key=bob)
        assert status == 201, body
        # The admin's objects are untouched by bob's attempts.
        assert svc.request("GET", f"/v1/scan/{run_id}", key=admin)[0] == 200
        assert svc.request("GET", "/v1/runs", key=admin)[0] == 200


if __name__ == "__main__":
    main([test_first_start_prints_the_admin_key_once_with_the_quickstart,
          test_missing_wrong_and_malformed_keys_are_401,
          test_keys_created_by_api_work_are_listed_without_secrets_and_revoke_at_once,
          test_cli_keys_create_list_revoke,
          test_keys_are_stored_hashed,
          test_accounts_never_see_each_others_objects])
