"""The API's error contract: unknown routes, wrong methods, oversized and malformed bodies, bad hosts,
the SSRF guard on by default, plan quotas (402), the per-key rate limit (429), and an OpenAPI
document that matches the router exactly."""
import http.client
import json
import os
import subprocess
import tempfile
import time
import urllib.request

import sstest
from sstest import BIN, FixtureServer, Service, free_port, main, run_cli, wait_for


# Tests that send many requests lift the per-key rate limit (its own test sets it low).
UNLIMITED = "[limits]\nrate = 0\n"


def site(handler):
    return (200, [("Content-Type", "text/html")], "<html><body>hello</body></html>")


def expect_error(svc, status_wanted, method, path, key=None, fragment=None, **kw):
    status, headers, body = svc.request(method, path, key=key, **kw)
    assert status == status_wanted, (method, path, status, body)
    assert headers["Content-Type"] == "application/json", headers
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    if fragment:
        assert fragment in body["error"], body
    return headers, body


def test_routes_methods_and_bodies():
    with Service(config=UNLIMITED) as svc:
        key = svc.admin_key
        expect_error(svc, 404, "GET", "/v1/nope", key=key, fragment="not found")
        expect_error(svc, 404, "GET", "/", key=key)
        expect_error(svc, 404, "GET", "/v1/scan/", key=key)
        expect_error(svc, 404, "GET", "/v1/scan/doesnotexist", key=key, fragment="not found")
        h, _ = expect_error(svc, 405, "DELETE", "/v1/scan", key=key)
        assert h["Allow"] == "POST"
        h, _ = expect_error(svc, 405, "GET", "/v1/scan/abc12345/abort", key=key)
        assert h["Allow"] == "POST"
        h, _ = expect_error(svc, 405, "PUT", "/v1/targets", key=key)
        assert h["Allow"] == "GET, POST"

        big = json.dumps({"host": "example.com", "pad": "x" * 100_000}).encode()
        expect_error(svc, 413, "POST", "/v1/scan", key=key, raw=big,
                     headers={"Content-Type": "application/json"}, fragment="too large")
        # A chunked body announces no length: it is cut at the cap while it is read.
        conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=30)
        conn.request("POST", "/v1/targets", body=iter([b'{"host": "', b"a" * 70_000, b'.com"}']),
                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                     encode_chunked=True)
        r = conn.getresponse()
        assert r.status == 413 and "too large" in json.loads(r.read())["error"]
        conn.close()

        for raw, fragment in ((b'{"host": ', "malformed JSON"),
                              (b'{"host": "a.com", "host": "b.com"}', "malformed JSON"),
                              (b"[1, 2]", "JSON object"),
                              (b"", "malformed JSON"),
                              (b'{"label": "x"}', "missing field: host"),
                              (b'{"host": 42}', "must be a string"),
                              (b'{"host": "a.com", "label": 7}', "must be a string"),
                              (b'{"host": "ftp://example.com"}', "invalid host"),
                              (b'{"host": "exa mple.com"}', "white space"),
                              (b'{"host": ""}', "empty"),
                              (b'{"host": "https://"}', "invalid host")):
            for path in ("/v1/scan", "/v1/targets"):
                expect_error(svc, 400, "POST", path, key=key, raw=raw,
                             headers={"Content-Type": "application/json"}, fragment=fragment)
        expect_error(svc, 400, "GET", "/v1/scan/abc12345?since=-1", key=key, fragment="since")
        expect_error(svc, 400, "GET", "/v1/scan/abc12345?since=x", key=key, fragment="since")
        # Nothing above was stored.
        assert svc.request("GET", "/v1/runs", key=key)[2] == {"runs": []}
        assert svc.request("GET", "/v1/targets", key=key)[2] == {"targets": []}

        status, h, body = svc.request("GET", "/healthz")
        assert status == 200 and body == {"status": "ok"} and h["Content-Type"] == "application/json"


def test_targets_create_conflict_and_delete():
    with Service(config=UNLIMITED) as svc:
        key = svc.admin_key
        status, _, t = svc.request("POST", "/v1/targets", body={"host": "https://Staging.Example.com/app", "label": "staging"}, key=key)
        assert status == 201, t
        assert t["host"] == "staging.example.com" and t["label"] == "staging"
        for same in ("staging.example.com", "https://staging.example.com", "https://staging.example.com:443/x"):
            status, _, body = svc.request("POST", "/v1/targets", body={"host": same}, key=key)
            assert status == 409 and body == {"error": "target exists", "target_id": t["id"]}, body
        assert svc.request("POST", "/v1/targets", body={"host": "staging.example.com:8443"}, key=key)[0] == 201
        listed = svc.request("GET", "/v1/targets", key=key)[2]["targets"]
        assert [x["host"] for x in listed] == ["staging.example.com", "staging.example.com:8443"]
        status, _, body = svc.request("DELETE", f"/api/targets/{t['id']}", key=key)
        assert status == 200, body
        assert svc.request("DELETE", f"/api/targets/{t['id']}", key=key)[0] == 404
        assert len(svc.request("GET", "/v1/targets", key=key)[2]["targets"]) == 1


def test_ssrf_guard_is_on_by_default():
    d = tempfile.mkdtemp(prefix="secscan-test-")
    port = free_port()
    proc = sstest.spawn([BIN, "serve", "--listen", f"127.0.0.1:{port}", "--db", os.path.join(d, "db")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        def healthy():
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).status == 200
            except OSError:
                return False
        wait_for(healthy, timeout=30, what="serve")
        key = run_cli("keys", "create", "--account", "x", "--plan", "pro", "--db", os.path.join(d, "db"),
                      check=True).stdout.strip()
        for host in ("127.0.0.1", "http://127.0.0.1:8080/", "10.1.2.3", "169.254.169.254", "localhost:3000",
                     "[::1]", "http://192.168.1.1"):
            body = json.dumps({"host": host}).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/scan", data=body, method="POST",
                                         headers={"Authorization": f"Bearer {key}"})
            try:
                urllib.request.urlopen(req, timeout=10)
                raise AssertionError(f"{host} was accepted")
            except urllib.error.HTTPError as e:
                assert e.code == 400, (host, e.code)
                assert "private" in json.loads(e.read())["error"]
    finally:
        sstest.stop(proc, timeout=20)


def test_plan_quotas_answer_402():
    with FixtureServer(site) as fx, FixtureServer(site) as fx2, \
            Service(extra_args=["--public-url", "https://scan.example.test/"]) as svc:
        free = run_cli("keys", "create", "--account", "fiona", "--db", svc.db, check=True).stdout.strip()
        status, _, t = svc.request("POST", "/v1/targets", body={"host": fx.url}, key=free)
        assert status == 201, t
        status, _, body = svc.request("POST", "/v1/targets", body={"host": fx2.url}, key=free)
        assert status == 402, body
        assert body["upgrade_url"] == "https://scan.example.test/billing"
        assert "target limit" in body["error"] and "free" in body["error"]
        # A scan of a second host would create a second target: refused too.
        status, _, body = svc.request("POST", "/v1/scan", body={"host": fx2.url}, key=free)
        assert status == 402 and "target limit" in body["error"], body
        status, _, started = svc.request("POST", "/v1/scan", body={"host": fx.url}, key=free)
        assert status == 201, started
        assert started["check_status_url"] == f"https://scan.example.test/v1/scan/{started['run_id']}"
        status, _, body = svc.request("POST", "/v1/scan", body={"host": fx.url}, key=free)
        assert status == 402 and "scan limit" in body["error"] and "1 scan" in body["error"], body
        assert body["upgrade_url"] == "https://scan.example.test/billing"
        runs = svc.request("GET", "/v1/runs", key=free)[2]["runs"]
        assert len(runs) == 1, "a refused scan leaves nothing behind"
        # The admin's unlimited plan is not limited.
        for _ in range(3):
            assert svc.request("POST", "/v1/scan", body={"host": fx.url}, key=svc.admin_key)[0] == 201


def test_plans_come_from_the_config_file():
    config = "[plan.free]\ntargets = 2\nscans = 0\n"
    with FixtureServer(site) as fx, Service(config=config) as svc:
        key = run_cli("keys", "create", "--account", "gus", "--db", svc.db, "--config", svc.config_path,
                      check=True).stdout.strip()
        assert svc.request("POST", "/v1/targets", body={"host": "a.example.com"}, key=key)[0] == 201
        assert svc.request("POST", "/v1/targets", body={"host": "b.example.com"}, key=key)[0] == 201
        assert svc.request("POST", "/v1/targets", body={"host": "c.example.com"}, key=key)[0] == 402
        assert svc.request("POST", "/v1/scan", body={"host": fx.url}, key=key)[0] == 402


def test_rate_limit_answers_429_with_retry_after():
    with Service(config="[limits]\nrate = 0.5\nburst = 3\n") as svc:
        key = svc.admin_key
        statuses = [svc.request("GET", "/v1/runs", key=key)[0] for _ in range(3)]
        assert statuses == [200, 200, 200], statuses
        status, headers, body = svc.request("GET", "/v1/runs", key=key)
        assert status == 429, body
        assert body["error"] == "rate limit" and body["retry_after"] >= 1
        assert headers["Retry-After"] == str(body["retry_after"])
        # The bucket is per key: another key is not affected.
        other = run_cli("keys", "create", "--account", "hal", "--db", svc.db, check=True).stdout.strip()
        assert svc.request("GET", "/v1/runs", key=other)[0] == 200
        time.sleep(body["retry_after"])
        assert svc.request("GET", "/v1/runs", key=key)[0] == 200


def test_openapi_documents_exactly_the_router():
    with Service(config=UNLIMITED) as svc:
        status, headers, doc = svc.request("GET", "/v1/openapi.json")
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert doc["openapi"].startswith("3.1")
        assert doc["servers"][0]["url"] == svc.url
        documented = set()
        op_ids = set()
        for path, item in doc["paths"].items():
            for method, op in item.items():
                documented.add((method.upper(), path))
                assert op["operationId"] and op["summary"], (method, path)
                assert op["operationId"] not in op_ids
                op_ids.add(op["operationId"])
                for p in [p for p in op.get("parameters", []) if p["in"] == "path"]:
                    assert "{" + p["name"] + "}" in path
        routes = run_cli("serve", "--print-routes", check=True).stdout.split("\n")
        router = {tuple(line.split()[:2]) for line in routes if line}
        assert router == documented, router ^ documented
        # The spec's endpoints are all there.
        for want in [("POST", "/v1/scan"), ("GET", "/v1/scan/{run_id}"), ("POST", "/v1/scan/{run_id}/abort"),
                     ("GET", "/v1/scan/{run_id}/fix"), ("GET", "/v1/targets"), ("POST", "/v1/targets"),
                     ("DELETE", "/api/targets/{id}"), ("GET", "/v1/runs"), ("GET", "/v1/keys"),
                     ("POST", "/v1/keys"), ("DELETE", "/v1/keys/{id}"), ("GET", "/v1/openapi.json"),
                     ("GET", "/healthz")]:
            assert want in documented, want
        # Every documented operation is served: without a key, secured ones say 401 (not 404).
        for method, path in documented:
            op = doc["paths"][path][method.lower()]
            concrete = path.replace("{run_id}", "abc12345").replace("{id}", "1")
            status, _, body = svc.request(method, concrete)
            if op.get("security"):
                assert status == 401, (method, path, status, body)
            else:
                assert status == 200, (method, path, status)


if __name__ == "__main__":
    main([test_routes_methods_and_bodies,
          test_targets_create_conflict_and_delete,
          test_ssrf_guard_is_on_by_default,
          test_plan_quotas_answer_402,
          test_plans_come_from_the_config_file,
          test_rate_limit_answers_429_with_retry_after,
          test_openapi_documents_exactly_the_router])
