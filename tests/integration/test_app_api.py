"""The api module against stand-ins: `secscan scan http://shop.test:PORT --resolve ... --modules api`.

An open API (OpenAPI document, Spring Boot env and heap dumps, raw and gzip-compressed, GraphQL with introspection and
suggestions, CORS that reflects any origin with credentials, a look-alike origin check, the null
origin, a wildcard on an authenticated endpoint, an endpoint listing customers) and a locked one
(the same routes answered by an SPA fallback, exact-origin CORS, GraphQL without introspection,
JSON without people in it, gzip files at heap dump paths that hold no heap dump). Every request must be a read: GET, or the GraphQL POST queries.
"""
import gzip
import json
import re
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sstest  # noqa: E402

HOST = "shop.test"
SPA = ('<!DOCTYPE html><html><head><title>Shop</title><script src="/app.js"></script></head>'
       '<body><div id="root"></div><!-- SwaggerUIBundle( "openapi": "3.0.1" --></body></html>')
BUNDLE = ('fetch("/api/users");fetch("/api/orders",{credentials:"include"});fetch(\'/api/profile\');'
          'const q = "/graphql"; const tpl = `/api/items/${id}`;')
CUSTOMERS = [{"id": i, "name": f"Customer {i}", "email": f"customer{i}@mailbox.org", "phone": f"+44 20 7946 09{i:02d}"}
             for i in range(1, 13)]
PRODUCTS = [{"id": i, "name": f"Product {i}", "price": 10 + i} for i in range(1, 6)]
# A heap dump served gzip-compressed as a file (Spring Boot 1): far longer than the 4 KiB asked
# for, which the fixture ignores (no Range support), so the scanner reads and inflates a cut file.
_rng = random.Random(7)
HPROF_GZ = gzip.compress(b"JAVA PROFILE 1.0.2\x00\x00\x00\x00\x08" + bytes(_rng.randrange(64) for _ in range(200000)))
# Near misses: a gzip log that names the format on its second line, a gzip of not-found HTML, and a
# file that starts like gzip but is not.
LOG_GZ = gzip.compress(b"2024-05-01 heap dump requested\nJAVA PROFILE 1.0.2 written to /tmp/x.hprof\n" * 50)
HTML_GZ = gzip.compress(b"<!DOCTYPE html><html><body>JAVA PROFILE 1.0.2 not found</body></html>")


def js(status, body, extra=()):
    return status, [("Content-Type", "application/json")] + list(extra), json.dumps(body)


def make_app(open_, requests):
    def app(h):
        requests.append((h.command, h.path, dict(h.headers), h.request_body))
        path = h.path.split("?")[0]
        origin = h.headers.get("Origin", "")
        if path == "/":
            extra = [("Access-Control-Allow-Origin", "null"), ("Access-Control-Allow-Credentials", "true")] \
                if open_ and origin == "null" else []
            return 200, [("Content-Type", "text/html")] + extra, SPA
        if path == "/app.js":
            return 200, [("Content-Type", "application/javascript")], BUNDLE
        if path == "/graphql" and h.command == "POST":
            q = json.loads(h.request_body or b"{}").get("query", "")
            if "__schema" in q:
                if open_:
                    return js(200, {"data": {"__schema": {"queryType": {"name": "Query"}}}})
                return js(400, {"errors": [{"message": "GraphQL introspection is not allowed"}]})
            msg = 'Cannot query field "__typenam" on type "Query".'
            return js(400, {"errors": [{"message": msg + (' Did you mean "__typename"?' if open_ else "")}]})
        if not open_:
            if path == "/heapdump.hprof.gz":
                return 200, [("Content-Type", "application/gzip")], LOG_GZ
            if path == "/heapdump":
                return 200, [("Content-Type", "application/octet-stream")], HTML_GZ
            if path == "/heapdump.hprof":
                return 200, [("Content-Type", "application/octet-stream")], b"\x1f\x8b\x08\x00JAVA PROFILE 1.0.2" + b"\x00" * 64
            if path == "/api/users":
                cors = [("Access-Control-Allow-Origin", "https://shop.test")] if origin == "https://shop.test" else []
                return js(200, {"products": PRODUCTS, "contact": "support@shop.test"}, cors)
            if path == "/api/profile":
                return js(401, {"error": "login required"})
            return 200, [("Content-Type", "text/html")], SPA  # the SPA fallback answers everything else
        if path == "/openapi.json":
            return js(200, {"openapi": "3.0.1", "info": {"title": "Shop"}, "paths": {"/api/users": {}}})
        if path == "/actuator/env":
            return js(200, {"activeProfiles": ["prod"], "propertySources": [{"name": "systemEnvironment",
                            "properties": {"DB_PASSWORD": {"value": "hunter2hunter2"}}}]})
        if path == "/actuator/heapdump":
            return 200, [("Content-Type", "application/octet-stream")], b"JAVA PROFILE 1.0.2\x00" + b"\x00" * 4000
        if path == "/heapdump.hprof.gz":
            return 200, [("Content-Type", "application/octet-stream")], HPROF_GZ
        if path == "/api/users":
            extra = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")] if origin else []
            return js(200, {"data": CUSTOMERS}, extra)
        if path == "/api/orders":
            ok = origin.endswith(HOST) or origin.endswith(f"{HOST}:{h.server.server_address[1]}")
            extra = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")] if ok else []
            return js(200, [], extra)
        if path == "/api/profile":
            return js(401, {"error": "login required"}, [("Access-Control-Allow-Origin", "*")])
        return 404, [("Content-Type", "text/plain")], "Not Found"
    return app


def scan(open_):
    requests = []
    with sstest.FixtureServer(make_app(open_, requests)) as srv:
        p = sstest.run_cli("scan", f"http://{HOST}:{srv.port}/", "--json", "--allow-private", "--modules", "api",
                           "--resolve", f"{HOST}:{srv.port}:127.0.0.1", "--timeout", "5000")
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc
    for method, path, _, _ in requests:
        assert method == "GET" or (method == "POST" and "graphql" in path), (method, path)
    return doc, p.stdout, requests


def checks(doc):
    out = {}
    for f in doc["findings"]:
        out.setdefault(f["check"], []).append(f)
    return out


def test_open_api():
    doc, raw, requests = scan(True)
    c = checks(doc)
    sev = {k: sorted({f["severity"] for f in v}) for k, v in c.items()}
    assert sev == {
        "api.openapi-exposed": ["LOW"], "api.actuator-env": ["HIGH"], "api.heapdump-exposed": ["CRITICAL"],
        "api.graphql-introspection": ["MEDIUM"], "api.graphql-suggestions": ["LOW"],
        "api.cors-credentials-reflected": ["HIGH"], "api.cors-origin-bypass": ["HIGH"],
        "api.cors-null-origin": ["HIGH"], "api.cors-wildcard-authenticated": ["LOW"],
        "api.pii-unauthenticated": ["HIGH"]}, sev
    base = f"http://{HOST}:{requests[0][2]['Host'].split(':')[1]}"
    assert c["api.openapi-exposed"][0]["title"] == "API description /openapi.json publicly readable"
    assert '"openapi": "3.0.1"' in c["api.openapi-exposed"][0]["evidence"]
    env = c["api.actuator-env"][0]
    assert '"activeProfiles": ["prod"]' in env["evidence"] and "hunter2hunter2" not in raw, env
    heaps = {f["title"]: f for f in c["api.heapdump-exposed"]}
    assert sorted(heaps) == ["JVM heap dump /actuator/heapdump downloadable",
                             "JVM heap dump /heapdump.hprof.gz downloadable"], sorted(heaps)
    raw_heap = heaps["JVM heap dump /actuator/heapdump downloadable"]
    assert "starts with 4a 41 56 41" in raw_heap["evidence"] and "gzip" not in raw_heap["evidence"], raw_heap
    gz_heap = heaps["JVM heap dump /heapdump.hprof.gz downloadable"]
    # read cut at 4 KiB (the fixture ignores Range), inflated, recognised by the decompressed magic
    assert "HTTP 200, 4096 bytes" in gz_heap["evidence"], gz_heap
    assert "gzip, decompressed starts with 4a 41 56 41" in gz_heap["evidence"], gz_heap
    # the heap dumps were asked for their first bytes only
    ranges = [hd.get("Range") for m, p, hd, _ in requests if p in ("/actuator/heapdump", "/heapdump.hprof.gz")]
    assert ranges == ["bytes=0-4095"] * 2, ranges
    cred = c["api.cors-credentials-reflected"][0]
    assert cred["title"] == f"CORS allows any origin with credentials on {base}/api/users", cred
    assert "Access-Control-Allow-Credentials: true" in cred["evidence"]
    bypass = c["api.cors-origin-bypass"][0]
    assert bypass["title"].endswith(f"{base}/api/orders passes a look-alike domain"), bypass
    assert "secscanevilshop.test" in bypass["evidence"], bypass
    assert c["api.cors-null-origin"][0]["title"] == f"CORS allows the null origin on {base}/"
    assert c["api.cors-wildcard-authenticated"][0]["title"].endswith(f"{base}/api/profile")
    pii = c["api.pii-unauthenticated"][0]
    assert pii["title"] == f"{base}/api/users returns personal data without authentication (name, email, phone)", pii
    assert "12 records" in pii["evidence"], pii
    # redacted: neither an address nor a number leaves whole
    # (the phone's digits as a number, not as part of a random port such as :37946)
    assert "customer1@mailbox.org" not in raw and not re.search(r"20 ?7946|7946 ?09", raw)
    assert c["api.graphql-introspection"][0]["title"] == f"GraphQL introspection enabled on {base}/graphql"
    # the template literal `/api/items/${id}` was not requested
    assert not [p for _, p, _, _ in requests if "items" in p]


def test_locked_api():
    doc, _, requests = scan(False)
    assert doc["findings"] == [], doc["findings"]
    # it did look: probes, CORS on the crawled endpoints, GraphQL
    paths = {p for _, p, _, _ in requests}
    for p in ("/openapi.json", "/actuator/env", "/api/users", "/api/profile", "/graphql", "/heapdump.hprof.gz",
              "/heapdump", "/heapdump.hprof"):
        assert p in paths, p


if __name__ == "__main__":
    sstest.main([test_open_api, test_locked_api])
