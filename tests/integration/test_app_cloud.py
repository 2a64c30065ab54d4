"""The cloud module against stand-ins of S3, GCS and Azure Blob (`--resolve` points their host
names at a local TLS server): containers the site's code refers to and a bucket named after the
site, listable or locked; instance metadata reflected by the app. Every request must be a GET.
"""
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures_web as fw  # noqa: E402
import sstest  # noqa: E402

HOST = "cloudy.test"
TLS = fw.make_tls_context(tempfile.mkdtemp(prefix="secscan-appa-cloud-"))
# guessed bucket names have no port in any URL: their stand-in listens on 443 of a loopback address of its own
GUESS_ADDR = f"127.{random.randint(64, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
GUESSES = ["cloudy", "cloudy-assets", "cloudy-static", "cloudy-backup", "cloudy-uploads", "cloudy-media"]


def s3_listing(name, keys):
    items = "".join(f"<Contents><Key>{k}</Key><Size>10</Size></Contents>" for k in keys)
    return (200, [("Content-Type", "application/xml")],
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Name>{name}</Name><MaxKeys>100</MaxKeys><IsTruncated>false</IsTruncated>{items}</ListBucketResult>")


DENIED = (403, [("Content-Type", "application/xml")],
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>')
AZ_DENIED = (404, [("Content-Type", "application/xml")],
             '<?xml version="1.0" encoding="utf-8"?><Error><Code>ResourceNotFound</Code></Error>')


def storage(open_, requests):
    def app(h):
        host = h.headers.get("Host", "").split(":")[0]
        requests.append((h.command, host, h.path))
        path, _, query = h.path.partition("?")
        if not open_:
            return AZ_DENIED if "windows.net" in host else DENIED
        if host == "cloudy-uploads.s3.amazonaws.com" and path == "/" and "max-keys=100" in query:
            return s3_listing("cloudy-uploads", ["avatars/1.png", "exports/customers-2024.csv", "backup.sql.gz"])
        if host == "s3.eu-west-1.amazonaws.com" and path == "/cloudy-exports/":
            return s3_listing("cloudy-exports", ["a.csv"])
        if host == "storage.googleapis.com" and path == "/cloudy-gcs/":
            return s3_listing("cloudy-gcs", [])
        if host == "cloudyacct.blob.core.windows.net" and path == "/public" and "comp=list" in query and "restype=container" in query:
            return (200, [("Content-Type", "application/xml")],
                    '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="public"><Blobs>'
                    "<Blob><Name>invoice-17.pdf</Name></Blob><Blob><Name>invoice-18.pdf</Name></Blob></Blobs>"
                    "<NextMarker /></EnumerationResults>")
        if host == "cloudy-backup.s3.amazonaws.com":
            return s3_listing("cloudy-backup", ["db-2024-01-01.dump"])
        return DENIED
    return app


def site(port, locked):
    def ref(host, path):
        return f"https://{host}:{port}{path}"
    bundle = (f'const img = "{ref("cloudy-uploads.s3.amazonaws.com", "/img/a.png")}";'
              f'const rep = "{ref("s3.eu-west-1.amazonaws.com", "/cloudy-exports/r.csv")}";'
              f'const g = "{ref("storage.googleapis.com", "/cloudy-gcs/app.js")}";'
              f'const az = "{ref("cloudyacct.blob.core.windows.net", "/public/logo.png")}";'
              'const docs = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/";'
              'const fb = "https://firebasestorage.googleapis.com/v0/b/other.appspot.com/o";'
              'fetch("/debug/meta.json"); fetch("/debug/creds.json");')

    def app(h):
        path = h.path.split("?")[0]
        if path == "/":
            return 200, [("Content-Type", "text/html")], ('<!DOCTYPE html><html><head><script src="/app.js"></script>'
                                                          '</head><body>Where is the ami-id of my instance?</body></html>')
        if path == "/app.js":
            return 200, [("Content-Type", "application/javascript")], bundle
        if path == "/debug/meta.json" and not locked:
            return 200, [("Content-Type", "application/json")], json.dumps(
                {"instanceId": "i-0abc1234def567890", "accountId": "123456789012", "imageId": "ami-0abc12345",
                 "region": "eu-west-1"})
        if path == "/debug/creds.json" and not locked:
            return 200, [("Content-Type", "application/json")], json.dumps(
                {"Code": "Success", "AccessKeyId": "ASIAXXEXAMPLEFIXTURE", "SecretAccessKey": "wJalrXUtnFEMIfixtureKEY",
                 "Token": "IQoJb3JpZ2luX2VjEfixture", "Expiration": "2030-01-01T00:00:00Z"})
        return 404, [("Content-Type", "text/plain")], "Not Found"
    return app


def scan(locked):
    requests = []
    store = sstest.FixtureServer(storage(not locked, requests), ssl_context=TLS)
    guess = None
    try:
        guess = sstest.FixtureServer(storage(not locked, requests), port=443, ssl_context=TLS, host=GUESS_ADDR)
    except OSError as e:  # binding port 443 needs root (CI runs as root)
        print(f"note: no stand-in for guessed bucket names ({e})")
    with store:
        app = sstest.FixtureServer(site(store.port, locked))
        with app:
            if guess:
                guess.__enter__()
            try:
                args = ["scan", f"http://{HOST}:{app.port}/", "--json", "--allow-private", "--modules", "cloud",
                        "--timeout", "5000", "--resolve", f"{HOST}:{app.port}:127.0.0.1"]
                for h in ("cloudy-uploads.s3.amazonaws.com", "s3.eu-west-1.amazonaws.com", "storage.googleapis.com",
                          "cloudyacct.blob.core.windows.net"):
                    args += ["--resolve", f"{h}:{store.port}:127.0.0.1"]
                for g in GUESSES:
                    args += ["--resolve", f"{g}.s3.amazonaws.com:443:{GUESS_ADDR if guess else '127.0.0.1'}"]
                p = sstest.run_cli(*args)
            finally:
                if guess:
                    guess.__exit__(None, None, None)
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc
    assert all(m == "GET" for m, _, _ in requests), requests
    return doc, p.stdout, requests, guess is not None


def by_check(doc):
    out = {}
    for f in doc["findings"]:
        out.setdefault(f["check"], []).append(f)
    return out


def test_open_storage():
    doc, raw, requests, guessed = scan(False)
    c = by_check(doc)
    listed = sorted(f["title"] for f in c["cloud.bucket-listable"])
    assert listed == ["Azure container public lists its contents to anyone",
                      "GCS bucket cloudy-gcs lists its contents to anyone",
                      "S3 bucket cloudy-exports lists its contents to anyone",
                      "S3 bucket cloudy-uploads lists its contents to anyone"], listed
    assert all(f["severity"] == "HIGH" for f in c["cloud.bucket-listable"])
    up = [f for f in c["cloud.bucket-listable"] if "cloudy-uploads" in f["title"]][0]
    assert "lists 3 objects: avatars/1.png, exports/customers-2024.csv, backup.sql.gz" in up["evidence"], up
    az = [f for f in c["cloud.bucket-listable"] if "Azure" in f["title"]][0]
    assert "lists 2 objects: invoice-17.pdf, invoice-18.pdf" in az["evidence"], az
    if guessed:
        named = c["cloud.named-bucket-listable"]
        assert [f["title"] for f in named] == ["S3 bucket cloudy-backup, named after the site, lists its contents to anyone"]
        assert named[0]["severity"] == "MEDIUM"
        # a handful of guesses, one request each (cloudy-uploads was already referenced)
        hosts = [h for _, h, _ in requests if h.startswith("cloudy") and h.endswith(".s3.amazonaws.com")]
        assert sorted(hosts) == sorted(f"{g}.s3.amazonaws.com" for g in GUESSES), hosts
    meta = c["cloud.metadata-reflected"]
    assert len(meta) == 1 and meta[0]["title"] == "AWS instance identity document reflected in an answer of the app", meta
    cred = c["cloud.metadata-credentials"]
    assert len(cred) == 1 and cred[0]["severity"] == "CRITICAL", cred
    assert "wJalrXUtnFEMIfixtureKEY" not in raw and "IQoJb3JpZ2luX2VjEfixture" not in raw
    # firebasestorage and the AWS docs are no containers
    assert not [r for r in requests if "firebasestorage" in r[1] or "docs.aws" in r[1]]


def test_locked_storage():
    doc, _, requests, _ = scan(True)
    assert doc["findings"] == [], doc["findings"]
    hosts = {h for _, h, _ in requests}
    assert {"cloudy-uploads.s3.amazonaws.com", "storage.googleapis.com", "cloudyacct.blob.core.windows.net"} <= hosts


if __name__ == "__main__":
    sstest.main([test_open_storage, test_locked_storage])
