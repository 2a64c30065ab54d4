"""The dns module against a real authoritative server (Knot DNS, started here on a loopback port)
holding one zone per case, through `secscan scan URL --json --allow-private --modules dns
--resolver 127.0.0.1:PORT`: missing or permissive mail policies, open zone transfers, wildcards,
dangling CNAMEs to cloud providers, a well-configured zone with nothing above INFO, DNSSEC
validated from a private trust anchor (--trust-anchor, DS and DNSKEY records of keys made here):
a good chain, a stale anchor, expired signatures and stripped signatures, and a server answering
garbage that ends in a clear error."""
import base64
import calendar
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sstest  # noqa: E402

SOA = "@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\n"
ZONES = {
    # no SPF, no DMARC, no CAA, transfer open to anyone, a wildcard, dangling CNAMEs
    "bad.example": (True, SOA + """@ IN A 127.0.0.1
@ IN TXT "google-site-verification=abc123"
* IN A 127.0.0.1
www IN CNAME gone-app.herokuapp.com.
old IN CNAME missing.nowhere.example.
assets IN CNAME my-bucket.s3.amazonaws.com.
"""),
    # SPF +all, DMARC p=none
    "perm.example": (False, SOA + """@ IN A 127.0.0.1
@ IN TXT "v=spf1 +all"
_dmarc IN TXT "v=DMARC1; p=none; rua=mailto:d@perm.example"
@ IN CAA 0 issue "letsencrypt.org"
"""),
    # 13 DNS-querying terms through includes: over the limit of 10
    "spf.example": (False, SOA + """@ IN A 127.0.0.1
@ IN TXT "v=spf1 include:_s1.spf.example include:_s2.spf.example -all"
_s1 IN TXT "v=spf1 a mx ptr exists:x.spf.example include:_s3.spf.example -all"
_s2 IN TXT "v=spf1 a mx a:b.spf.example mx:c.spf.example -all"
_s3 IN TXT "v=spf1 a mx -all"
_dmarc IN TXT "v=DMARC1; p=reject"
@ IN CAA 0 issue "letsencrypt.org"
"""),
    # well configured
    "good.example": (False, SOA + """@ IN A 127.0.0.1
www IN A 127.0.0.1
@ IN MX 10 mail
mail IN A 127.0.0.1
@ IN TXT "v=spf1 mx -all"
_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:d@good.example"
@ IN CAA 0 issue "letsencrypt.org"
@ IN CAA 0 iodef "mailto:security@good.example"
"""),
    # well configured and signed (Knot signs it at start)
    "signed.example": (False, SOA + """@ IN A 127.0.0.1
@ IN TXT "v=spf1 -all"
_dmarc IN TXT "v=DMARC1; p=reject"
@ IN CAA 0 issue "letsencrypt.org"
"""),
    # signed, validated from the test's own trust anchors (ANCHORED below)
    "anchored.example": (False, SOA + """@ IN A 127.0.0.1
@ IN TXT "v=spf1 -all"
_dmarc IN TXT "v=DMARC1; p=reject"
@ IN CAA 0 issue "letsencrypt.org"
"""),
    # signed, but the anchor the scan is given is not its key (a stale DS after a key rollover)
    "stale.example": (False, SOA + "@ IN A 127.0.0.1\n"),
    # unsigned, although an anchor says it is signed (signatures stripped on the way)
    "stripped.example": (False, SOA + "@ IN A 127.0.0.1\n"),
    # the providers' side of the dangling names
    "herokuapp.com": (False, SOA),
    "nowhere.example": (False, SOA),
    "s3.amazonaws.com": (False, SOA + "* IN A 127.0.0.1\n"),
}
SIGNED = ("signed.example", "anchored.example", "stale.example")


def name_wire(name):
    return b"".join(bytes([len(x)]) + x.lower().encode() for x in name.rstrip(".").split(".")) + b"\0"


def ecdsa_raw(der):
    """ECDSA-Sig-Value (DER: SEQUENCE of INTEGER r, s) as DNSSEC wants it: r || s, 32 bytes each."""
    out, i = b"", 2
    for _ in range(2):
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\0").rjust(32, b"\0")
        i += 2 + n
    return out


def presigned(zone, inception, expiration, ttl=300):
    """The text of a small zone signed here (Knot cannot sign in the past) with a new ECDSA P-256
    key, every RRSIG valid from inception to expiration ("YYYYMMDDHHMMSS" UTC), and the key as a
    DNSKEY trust anchor."""
    ns = f"ns1.{zone}"
    soa = name_wire(ns) + name_wire(f"hostmaster.{zone}") + struct.pack(">IIIII", 1, 3600, 600, 86400, 300)
    times = [calendar.timegm(time.strptime(t, "%Y%m%d%H%M%S")) for t in (expiration, inception)]
    lines = []
    with tempfile.TemporaryDirectory(prefix="secscan-key-") as d:
        key = os.path.join(d, "k.pem")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], check=True)
        pub = subprocess.run(["openssl", "ec", "-in", key, "-pubout", "-outform", "DER"], capture_output=True,
                             check=True).stdout[-64:]
        dnskey = struct.pack(">HBB", 257, 3, 13) + pub
        tag = sum(b << 8 if i % 2 == 0 else b for i, b in enumerate(dnskey))
        tag = (tag + (tag >> 16)) & 0xFFFF
        anchor = f"{zone}. DNSKEY 257 3 13 {base64.b64encode(pub).decode()}"
        for owner, tname, tcode, text, wire in [
                (zone, "SOA", 6, f"{ns}. hostmaster.{zone}. 1 3600 600 86400 300", soa),
                (zone, "NS", 2, f"{ns}.", name_wire(ns)),
                (zone, "A", 1, "127.0.0.1", bytes([127, 0, 0, 1])),
                (ns, "A", 1, "127.0.0.1", bytes([127, 0, 0, 1])),
                (zone, "DNSKEY", 48, anchor.split(" DNSKEY ")[1], dnskey)]:
            labels = len(owner.split("."))
            # RFC 4034 3.1.8.1: the RRSIG fields, then the set in canonical form (one record each here)
            data = struct.pack(">HBBIIIH", tcode, 13, labels, ttl, *times, tag) + name_wire(zone) \
                + name_wire(owner) + struct.pack(">HHIH", tcode, 1, ttl, len(wire)) + wire
            der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=data, capture_output=True,
                                 check=True).stdout
            lines += [f"{owner}. {ttl} IN {tname} {text}",
                      f"{owner}. {ttl} IN RRSIG {tname} 13 {labels} {ttl} {expiration} {inception} {tag} {zone}. "
                      + base64.b64encode(ecdsa_raw(der)).decode()]
    return "\n".join(lines) + "\n", anchor


def dns_query(port, name, qtype=6, tcp=False):
    q = struct.pack(">HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0" + struct.pack(">HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        s.sendto(q, ("127.0.0.1", port))
        return s.recv(4096)


class Knot:
    """knotd on 127.0.0.1:port serving zones ({name: (open to transfers, text)}) from a temporary
    directory; it signs those of SIGNED."""

    def __init__(self, zones):
        self.dir = tempfile.mkdtemp(prefix="secscan-knot-")
        # free on both UDP and TCP: a port free on TCP alone may be some resolver's UDP source port
        udp, tcp = sstest.bind_udp_tcp()
        self.port = udp.getsockname()[1]
        udp.close()
        tcp.close()
        conf = [f"server:\n    listen: 127.0.0.1@{self.port}\n    rundir: {self.dir}\n",
                "log:\n  - target: stderr\n    any: warning\n",
                f"database:\n    storage: {self.dir}\n",
                f"template:\n  - id: default\n    storage: {self.dir}\n",
                "acl:\n  - id: anyone\n    address: 0.0.0.0/0\n    action: transfer\n",
                "zone:\n"]
        for zone, (open_xfr, text) in zones.items():
            with open(os.path.join(self.dir, zone + ".zone"), "w") as f:
                f.write(f"$ORIGIN {zone}.\n$TTL 300\n{text}")
            conf.append(f"  - domain: {zone}\n    file: {zone}.zone\n" + ("    acl: anyone\n" if open_xfr else "")
                        + ("    dnssec-signing: on\n" if zone in SIGNED else ""))
        self.conf = os.path.join(self.dir, "knot.conf")
        with open(self.conf, "w") as f:
            f.write("".join(conf))

    def __enter__(self):
        self.log = open(os.path.join(self.dir, "knot.log"), "wb")
        self.proc = sstest.spawn(["knotd", "-c", self.conf], stdout=self.log, stderr=self.log)
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self):

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("knotd exited: " + open(os.path.join(self.dir, "knot.log")).read())
            try:
                # ready once the signed zones have their keys
                return all(len(dns_query(self.port, z, qtype=48)) > 100 for z in SIGNED)
            except OSError:
                return False
        sstest.wait_for(ready, timeout=15, what="knotd")

    def keys(self, zone, what):
        """The zone's key signing key as keymgr prints it: what is "ds" or "dnskey"."""
        p = subprocess.run(["keymgr", "-c", self.conf, zone, what], capture_output=True, text=True, timeout=10,
                           check=True)
        return [line for line in p.stdout.splitlines() if line.startswith(zone + ".")]

    def __exit__(self, *exc):
        sstest.stop(self.proc)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def site(handler):
    host = handler.headers.get("Host", "").split(":")[0]
    port = handler.server.server_address[1]
    if host == "assets.bad.example":
        return 404, [("Content-Type", "application/xml")], \
            "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>"
    body = "<html><body>shop</body></html>"
    if host == "bad.example":
        body = (f'<html><script src="http://assets.bad.example:{port}/app.js"></script>'
                '<img src="https://old.bad.example/logo.png"><a href="https://github.com/x">x</a></html>')
    return 200, [("Content-Type", "text/html")], body


def scan(resolver_port, http, domain, budget="60", extra=()):
    args = ["scan", f"http://{domain}:{http.port}", "--json", "--allow-private", "--modules", "dns",
            "--resolver", f"127.0.0.1:{resolver_port}", "--budget", budget,
            "--resolve", f"{domain}:{http.port}:127.0.0.1",
            "--resolve", f"assets.{domain}:{http.port}:127.0.0.1", *extra]
    p = sstest.run_cli(*args, timeout=120)
    assert p.returncode in (0, 1), f"secscan exited {p.returncode}: {p.stderr}"
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc
    for f in doc["findings"]:
        assert f["tool"] == "dns" and f["category"] == "dns", f
    return doc


def checks(doc):
    return sorted((f["check"], f["severity"]) for f in doc["findings"])


def find(doc, check):
    return [f for f in doc["findings"] if f["check"] == check]


def test_zones():
    knot, http = ENV["knot"], ENV["http"]
    bad = scan(knot.port, http, "bad.example")
    assert ("dns.spf-missing", "MEDIUM") in checks(bad), checks(bad)
    assert ("dns.dmarc-missing", "MEDIUM") in checks(bad)
    assert ("dns.caa-missing", "LOW") in checks(bad)
    assert ("dns.wildcard", "LOW") in checks(bad)
    axfr = find(bad, "dns.zone-transfer")
    assert len(axfr) == 1 and axfr[0]["severity"] == "HIGH", axfr
    assert "returned" in axfr[0]["evidence"] and "old.bad.example" in axfr[0]["evidence"], axfr
    takeovers = {f["title"]: f for f in find(bad, "dns.subdomain-takeover")}
    assert sorted(takeovers) == [
        "Subdomain takeover: assets.bad.example points to an unclaimed AWS S3 resource",
        "Subdomain takeover: www.bad.example points to an unclaimed Heroku resource"], sorted(takeovers)
    assert all(f["severity"] == "HIGH" for f in takeovers.values())
    assert "NXDOMAIN" in takeovers["Subdomain takeover: www.bad.example points to an unclaimed Heroku resource"][
        "evidence"]
    assert "NoSuchBucket" in takeovers[
        "Subdomain takeover: assets.bad.example points to an unclaimed AWS S3 resource"]["evidence"]
    dangling = find(bad, "dns.dangling-cname")
    assert len(dangling) == 1 and "old.bad.example" in dangling[0]["title"], dangling
    assert not find(bad, "dns.check-failed"), find(bad, "dns.check-failed")

    perm = scan(knot.port, http, "perm.example")
    assert checks(perm) == [("dns.dmarc-none", "LOW"), ("dns.dnssec-absent", "INFO"),
                            ("dns.spf-permissive", "HIGH")], checks(perm)
    assert find(perm, "dns.spf-permissive")[0]["evidence"] == "v=spf1 +all"

    spf = scan(knot.port, http, "spf.example")
    assert checks(spf) == [("dns.dnssec-absent", "INFO"), ("dns.spf-too-many-lookups", "MEDIUM")], checks(spf)
    assert "13 DNS-querying terms" in find(spf, "dns.spf-too-many-lookups")[0]["evidence"]

    good = scan(knot.port, http, "good.example")
    assert checks(good) == [("dns.dnssec-absent", "INFO")], checks(good)
    # a host below the apex: the zone is found by walking up, CAA is inherited from the apex
    www = scan(knot.port, http, "www.good.example")
    assert checks(www) == [("dns.dnssec-absent", "INFO")], checks(www)
    assert "good.example" in www["findings"][0]["title"], www["findings"]

    # signed: DNSSEC is present (the test server holds no root keys, so it is not validated)
    signed = scan(knot.port, http, "signed.example")
    assert checks(signed) == [], checks(signed)


def test_trust_anchor():
    knot, http = ENV["knot"], ENV["http"]
    ds = knot.keys("anchored.example", "ds")
    assert len(ds) >= 1 and all(" DS " in line for line in ds), ds
    other = [line.split(" ", 1)[1] for line in ds]
    anchors = os.path.join(knot.dir, "anchors.ds")
    with open(anchors, "w") as f:
        # as an administrator would keep them: comments, and the DS of each private zone
        f.write("; private DNSSEC trust anchors\n" + "\n".join(ds) + "\n"
                + "".join(f"stale.example. {rr}\n" for rr in other)
                + "".join(f"stripped.example. {rr}  ; signed, says the anchor\n" for rr in other)
                + ENV["expired_anchor"] + "\n")
    given = ["--trust-anchor", anchors]

    # (a) a good chain from the anchor: validated, nothing to say
    started = time.time()
    good = scan(knot.port, http, "anchored.example", extra=given)
    assert checks(good) == [], good["findings"]
    # the same with the key itself (DNSKEY) as the anchor
    keyfile = os.path.join(knot.dir, "anchors.key")
    with open(keyfile, "w") as f:
        f.write("\n".join(knot.keys("anchored.example", "dnskey")) + "\n")
    assert checks(scan(knot.port, http, "anchored.example", extra=["--trust-anchor", keyfile])) == []

    # (b) the anchor does not match the zone's key: bogus, with the validator's reason
    stale = scan(knot.port, http, "stale.example", extra=given)
    bogus = find(stale, "dns.dnssec-bogus")
    assert len(bogus) == 1 and bogus[0]["severity"] == "HIGH", stale["findings"]
    assert "validation failure <stale.example. SOA IN>" in bogus[0]["evidence"], bogus
    assert "DS" in bogus[0]["evidence"] and "trust anchor stale.example." in bogus[0]["evidence"], bogus
    assert not find(stale, "dns.dnssec-absent") and not find(stale, "dns.check-failed"), stale["findings"]
    # signatures that expired (in 2020): bogus (unbound checks the dates after the signature itself,
    # so this also says the signatures made here are right)
    expired = scan(knot.port, http, "expired.example", extra=given)
    bogus = find(expired, "dns.dnssec-bogus")
    assert len(bogus) == 1 and "validation failure <expired.example. SOA IN>: signature expired" in bogus[0][
        "evidence"], expired["findings"]
    assert not find(expired, "dns.dnssec-absent"), expired["findings"]
    # an unsigned zone under an anchor: its answers are bogus, not merely unsigned
    stripped = scan(knot.port, http, "stripped.example", extra=given)
    bogus = find(stripped, "dns.dnssec-bogus")
    assert len(bogus) == 1 and "validation failure <stripped.example. SOA IN>" in bogus[0]["evidence"], bogus
    assert not find(stripped, "dns.dnssec-absent"), stripped["findings"]

    # (c) an unsigned zone no anchor covers: absent, as without anchors
    plain = scan(knot.port, http, "good.example", extra=given)
    assert checks(plain) == [("dns.dnssec-absent", "INFO")], checks(plain)
    # a signed zone no anchor covers, on a server without the root's keys: not judged
    assert checks(scan(knot.port, http, "signed.example", extra=given)) == []
    elapsed = time.time() - started
    assert elapsed < 20, elapsed

    # a file that is no anchor file is refused before the scan starts
    bad = os.path.join(knot.dir, "anchors.bad")
    for text, why in (("; nothing here\n", "no DS or DNSKEY record"),
                      ("x.example. DS 1 13 2 zz\n", "hex encoding expected")):
        with open(bad, "w") as f:
            f.write(text)
        p = sstest.run_cli("scan", "x.example", "--modules", "dns", "--trust-anchor", bad)
        assert p.returncode == 2 and f"--trust-anchor {bad}: " in p.stderr and why in p.stderr, p.stderr
    p = sstest.run_cli("scan", "x.example", "--trust-anchor", bad + ".missing")
    assert p.returncode == 2 and "cannot be read" in p.stderr, p.stderr


class GarbageDns:
    """Answers every DNS query, over UDP and TCP, with random bytes."""

    def __init__(self):
        self.udp, self.tcp = sstest.bind_udp_tcp()
        self.port = self.udp.getsockname()[1]
        self.stop = False

    def _udp(self):
        while not self.stop:
            try:
                data, peer = self.udp.recvfrom(4096)
                # keep the query id so that the answer is read, then nonsense
                self.udp.sendto(data[:2] + bytes([0x81, 0x80, 0, 1, 0, 9]) + os.urandom(40), peer)
            except OSError:
                return

    def _tcp(self):
        while not self.stop:
            try:
                c, _ = self.tcp.accept()
                c.sendall(b"\x00\x30" + os.urandom(48))
                c.close()
            except OSError:
                return

    def __enter__(self):
        for fn in (self._udp, self._tcp):
            threading.Thread(target=fn, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.stop = True
        self.udp.close()
        self.tcp.close()


def test_garbage_server():
    http = ENV["http"]
    with GarbageDns() as g:
        started = time.time()
        doc = scan(g.port, http, "junk.example", budget="30")
        elapsed = time.time() - started
    failed = find(doc, "dns.check-failed")
    assert len(failed) == 1 and failed[0]["severity"] == "INFO", doc["findings"]
    assert "finding the DNS zone" in failed[0]["title"], failed[0]
    assert len(doc["findings"]) == 1, checks(doc)
    assert elapsed < 30, elapsed


ENV = {}


def main():
    if not shutil.which("knotd"):
        raise SystemExit("knotd missing: run scripts/install-deps.sh")
    # signed here with signatures that expired in 2020
    expired, expired_anchor = presigned("expired.example", "20190101000000", "20200101000000")
    with Knot(dict(ZONES, **{"expired.example": (False, expired)})) as knot, sstest.FixtureServer(site) as http:
        ENV.update(knot=knot, http=http, expired_anchor=expired_anchor)
        sstest.main([test_zones, test_trust_anchor, test_garbage_server])


if __name__ == "__main__":
    main()
