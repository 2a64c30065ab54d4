"""The cloud module's public objects in containers that refuse a listing, against stand-ins of S3,
GCS and Azure Blob (`--resolve` points their host names at a local TLS server).

The site refers to five containers, all refusing to list. Only the first four (the per-run cap)
are asked for the short list of sensitive keys: a public .env with credentials (reported
CRITICAL, values redacted), a private key in an Azure container (answered 404 to the listing, as
Azure hides containers whose blobs alone are public), a compressed SQL dump in GCS. Near misses
are not reported: a container that answers every key with the same image, an .env.example-like
file served as backup.sql, a JPEG served as backup.zip, and a backup archive that the site itself
links to (meant to be public). Buckets named after the site (guesses) are never asked for objects.
"""
import gzip
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures_web as fw  # noqa: E402
import sstest  # noqa: E402

HOST = "objy.test"
TLS = fw.make_tls_context(tempfile.mkdtemp(prefix="secscan-cloud-objects-"))
GUESS_ADDR = f"127.{random.randint(64, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
GUESSES = ["objy", "objy-assets", "objy-static", "objy-backup", "objy-uploads", "objy-media"]
# what guessing from a discovered bucket host's own name would give: the provider's names, never asked
NOT_GUESSES = [f"{site}{suffix}" for site in ("amazonaws", "windows")
               for suffix in ("", "-assets", "-static", "-backup", "-uploads", "-media")]

SECRET = "Sup3rS3cretBucketPassw0rd"
ENV = f"APP_ENV=production\nDB_HOST=db.internal\nDB_PASSWORD={SECRET}\n"
EXAMPLE = "# copy to .env and fill in\nAPP_ENV=\nDB_PASSWORD=\n"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" \
      "-----END OPENSSH PRIVATE KEY-----\n"
DUMP = gzip.compress(b"-- MySQL dump 10.13\nCREATE TABLE `users` (\n  `id` int NOT NULL\n);\n")
TARBALL = gzip.compress(b"press-kit/logo.svg" + bytes(512))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)

DENIED = (403, [("Content-Type", "application/xml")],
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>')
GCS_DENIED = (401, [("Content-Type", "application/xml")],
              "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code></Error>")
AZ_HIDDEN = (404, [("Content-Type", "application/xml")],
             '<?xml version="1.0" encoding="utf-8"?><Error><Code>ResourceNotFound</Code></Error>')
NO_KEY = (404, [("Content-Type", "application/xml")],
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code></Error>')


def storage(requests):
    objects = {
        ("objy-private.s3.amazonaws.com", "/.env"): ("text/plain", ENV),
        ("objy-private.s3.amazonaws.com", "/backup.tar.gz"): ("application/gzip", TARBALL),
        ("objy-private.s3.amazonaws.com", "/backup.sql"): ("text/plain", EXAMPLE),
        ("objy-private.s3.amazonaws.com", "/backup.zip"): ("image/jpeg", JPEG),
        ("storage.googleapis.com", "/objy-gcs/dump.sql.gz"): ("application/gzip", DUMP),
        ("objyacct.blob.core.windows.net", "/public/id_rsa"): ("application/octet-stream", KEY),
        ("objyacct.blob.core.windows.net", "/archive/.env"): ("text/plain", ENV),
    }
    for g in GUESSES:
        objects[(f"{g}.s3.amazonaws.com", "/.env")] = ("text/plain", ENV)

    def app(h):
        host = h.headers.get("Host", "").split(":")[0]
        path, _, query = h.path.partition("?")
        requests.append((h.command, host, path, query))
        if "max-keys" in query or "comp=list" in query or (path == "/" and "windows.net" not in host):
            return {"storage.googleapis.com": GCS_DENIED,
                    "objyacct.blob.core.windows.net": AZ_HIDDEN}.get(host, DENIED)
        if host == "objy-cdn.s3.amazonaws.com":  # every key is the same public image
            return 200, [("Content-Type", "image/jpeg")], JPEG
        if (host, path) in objects:
            ct, body = objects[(host, path)]
            return 200, [("Content-Type", ct)], body
        if "windows.net" in host:
            return AZ_HIDDEN
        return NO_KEY if host != "storage.googleapis.com" else DENIED
    return app


def site(port):
    def ref(host, path):
        return f"https://{host}:{port}{path}"
    page = ('<!DOCTYPE html><html><head><script src="/app.js"></script></head><body>'
            f'<a href="{ref("objy-private.s3.amazonaws.com", "/backup.tar.gz")}">press kit</a></body></html>')
    bundle = (f'const a = "{ref("objy-private.s3.amazonaws.com", "/img/a.png")}";'
              f'const c = "{ref("objy-cdn.s3.amazonaws.com", "/hero.jpg")}";'
              f'const g = "{ref("storage.googleapis.com", "/objy-gcs/app.css")}";'
              f'const z = "{ref("objyacct.blob.core.windows.net", "/public/logo.png")}";'
              f'const y = "{ref("objyacct.blob.core.windows.net", "/archive/old.png")}";')

    def app(h):
        path = h.path.split("?")[0]
        if path == "/":
            return 200, [("Content-Type", "text/html")], page
        if path == "/app.js":
            return 200, [("Content-Type", "application/javascript")], bundle
        return 404, [("Content-Type", "text/plain")], "Not Found"
    return app


def scan(modules):
    requests = []
    store = sstest.FixtureServer(storage(requests), ssl_context=TLS)
    guess = None
    try:
        guess = sstest.FixtureServer(storage(requests), port=443, ssl_context=TLS, host=GUESS_ADDR)
    except OSError as e:  # binding port 443 needs root (CI runs as root)
        print(f"note: no stand-in for guessed bucket names ({e})")
    with store, sstest.FixtureServer(site(store.port)) as app:
        if guess:
            guess.__enter__()
        try:
            args = ["scan", f"http://{HOST}:{app.port}/", "--json", "--allow-private", "--modules", modules,
                    "--timeout", "5000", "--resolve", f"{HOST}:{app.port}:127.0.0.1"]
            for h in ("objy-private.s3.amazonaws.com", "objy-cdn.s3.amazonaws.com",
                      "storage.googleapis.com", "objyacct.blob.core.windows.net"):
                args += ["--resolve", f"{h}:{store.port}:127.0.0.1"]
            for g in GUESSES + NOT_GUESSES:
                args += ["--resolve", f"{g}.s3.amazonaws.com:443:{GUESS_ADDR if guess else '127.0.0.1'}"]
            p = sstest.run_cli(*args)
        finally:
            if guess:
                guess.__exit__(None, None, None)
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc
    assert all(m == "GET" for m, _, _, _ in requests), requests
    return doc, p.stdout, requests, store.port


def test_public_objects():
    doc, out, requests, port = scan("cloud")
    found = sorted((f["check"], f["severity"], f["title"]) for f in doc["findings"])
    assert found == [
        ("cloud.bucket-object-public", "CRITICAL", "Compressed SQL dump /dump.sql.gz in GCS bucket objy-gcs is readable by anyone"),
        ("cloud.bucket-object-public", "CRITICAL", "Environment file /.env in S3 bucket objy-private is readable by anyone"),
        ("cloud.bucket-object-public", "CRITICAL", "Private key /id_rsa in Azure container public is readable by anyone"),
    ], found
    env = [f for f in doc["findings"] if "/.env" in f["title"]][0]
    assert env["location"] == f"https://objy-private.s3.amazonaws.com:{port}/.env", env
    assert "DB_PASSWORD=<redacted, 25 chars>" in env["evidence"], env
    assert "exposure.env-credentials" in env["evidence"], env
    assert SECRET not in out
    # four containers per run: the fifth (archive, referenced last) is asked for its listing only
    asked = {(h, path.split("/")[1] if "blob" in h or "googleapis" in h else "") for _, h, path, q in requests if not q}
    assert asked == {("objy-private.s3.amazonaws.com", ""), ("objy-cdn.s3.amazonaws.com", ""),
                     ("storage.googleapis.com", "objy-gcs"), ("objyacct.blob.core.windows.net", "public")}, asked
    # guessed names: one listing request each, never an object
    for _, h, path, q in requests:
        if h.split(".")[0] in GUESSES:
            assert path == "/" and "max-keys" in q, (h, path, q)
    # bounded: a dozen keys and one random one per container
    objects = [r for r in requests if not r[3]]
    assert len(objects) <= 4 * 13, len(objects)


def test_discovered_buckets():
    """With discover, bucket hosts are targets of their own (the cloud module only, which judges
    their listing there); the objects are still asked for once, by the app's target that refers
    to them, so nothing is reported twice; no name is guessed from a bucket host's own name."""
    doc, _, requests, _ = scan("cloud,discover")
    found = sorted((f["target"].split(":")[0], f["title"]) for f in doc["findings"])
    assert found == [
        ("objy.test", "Compressed SQL dump /dump.sql.gz in GCS bucket objy-gcs is readable by anyone"),
        ("objy.test", "Environment file /.env in S3 bucket objy-private is readable by anyone"),
        ("objy.test", "Private key /id_rsa in Azure container public is readable by anyone"),
    ], found
    # the bucket hosts were targets: their own main answer was asked for
    roots = {h for _, h, path, q in requests if path == "/" and not q}
    assert {"objy-private.s3.amazonaws.com", "objy-cdn.s3.amazonaws.com"} <= roots, roots
    env = [r for r in requests if r[1] == "objy-private.s3.amazonaws.com" and r[2] == "/.env"]
    assert len(env) == 1, env
    hosts = {h for _, h, _, _ in requests}
    assert not hosts & {f"{g}.s3.amazonaws.com" for g in NOT_GUESSES}, hosts


if __name__ == "__main__":
    sstest.main([test_public_objects, test_discovered_buckets])
