#!/usr/bin/env python3
"""TLS enumeration benchmark: secscan's tls module against sslscan and testssl.sh on one local
`openssl s_server` (every suite of Debian's OpenSSL, TLS 1.0-1.3, a certificate with problems).
Measures wall time and compares the verdicts: protocol versions, weak suites, certificate problems.

usage: bench/tls/run.py [--secscan build/secscan] [--runs 5] [--no-testssl]
Traffic goes to loopback only (127.0.0.2 and port 80 there), to the server this script starts.
"""
import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "lib"))
from tlsfix import CA, HOST, LegacyServer, SServer  # noqa: E402

VERSIONS = ["SSLv3", "TLS 1.0", "TLS 1.1", "TLS 1.3"]
WEAK = ["NULL", "EXPORT", "anonymous", "RC4", "DES", "3DES"]
CERT = ["expires within 30 days", "key < 2048 bits", "SHA-1 signature", "untrusted chain"]


def timed(cmd, runs):
    """Runs cmd runs times; returns (median seconds, stdout of the last run)."""
    times, out = [], ""
    for _ in range(runs):
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.monotonic() - t0)
        out = p.stdout
    return statistics.median(times), out


def classify(name):
    """Weak categories of a cipher name, OpenSSL style (EXP-RC4-MD5) or IANA style
    (TLS_RSA_EXPORT_WITH_RC4_40_MD5, as sslscan prints suites OpenSSL does not know)."""
    n = name.upper()
    cats = set()
    if "NULL" in n:
        cats.add("NULL")
    if n.startswith("EXP") or "EXPORT" in n:
        cats.add("EXPORT")
    if n.startswith("ADH") or n.startswith("AECDH") or "_ANON_" in n:
        cats.add("anonymous")
    if "RC4" in n:
        cats.add("RC4")
    if "DES-CBC3" in n or "3DES" in n:
        cats.add("3DES")
    elif "DES-CBC-" in n or n.startswith("DES-") or "_DES_" in n or "DES40" in n:
        cats.add("DES")
    return cats


def secscan_verdicts(out):
    found = {f["check"]: f for f in json.loads(out)["findings"]}
    v = {"SSLv3": "tls.sslv3-enabled" in found, "TLS 1.0": "tls.tls10-enabled" in found,
         "TLS 1.1": "tls.tls11-enabled" in found, "TLS 1.3": "tls.tls13-missing" not in found}
    checks = {"NULL": "tls.null-suites", "EXPORT": "tls.export-suites", "anonymous": "tls.anon-suites",
              "RC4": "tls.rc4-suites", "DES": "tls.des-suites", "3DES": "tls.3des-suites"}
    w = {k: c in found for k, c in checks.items()}
    # The anonymous suites by name, per version, from the evidence ("TLS 1.0: ADH-AES256-SHA, ...").
    anon = set()
    if "tls.anon-suites" in found:
        for part in found["tls.anon-suites"]["evidence"].split("; "):
            ver, names = part.split(": ", 1)
            anon |= {(ver, n) for n in names.split(", ")}
    c = {"expires within 30 days": "tls.cert-expiring-soon" in found,
         "key < 2048 bits": "tls.cert-weak-key" in found,
         "SHA-1 signature": "tls.cert-weak-signature" in found,
         "untrusted chain": bool({"tls.cert-untrusted", "tls.cert-self-signed"} & set(found))}
    return v, w, anon, c, "tls.client-cipher-order" in found


def sslscan_verdicts(out):
    root = ET.fromstring(out)
    test = root.find("ssltest")
    names = {("ssl", "3"): "SSLv3", ("tls", "1.0"): "TLS 1.0", ("tls", "1.1"): "TLS 1.1",
             ("tls", "1.3"): "TLS 1.3"}
    v = {n: False for n in VERSIONS}
    for p in test.findall("protocol"):
        key = (p.get("type"), p.get("version"))
        if key in names:
            v[names[key]] = p.get("enabled") == "1"
    w = {k: False for k in WEAK}
    anon = set()
    ver_names = {"SSLv3": "SSLv3", "TLSv1.0": "TLS 1.0", "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2",
                 "TLSv1.3": "TLS 1.3"}
    for ciph in test.findall("cipher"):
        cats = classify(ciph.get("cipher"))
        for k in cats:
            w[k] = True
        if "anonymous" in cats:
            anon.add((ver_names.get(ciph.get("sslversion"), "?"), ciph.get("cipher")))
    cert = test.find("certificates/certificate")
    if cert is None or cert.find("pk") is None:
        return v, w, anon, None, None
    bits = int(cert.find("pk").get("bits"))
    sig = cert.findtext("signature-algorithm", "")
    after = time.strptime(cert.findtext("not-valid-after").replace("GMT", "").strip(), "%b %d %H:%M:%S %Y")
    c = {"expires within 30 days": time.mktime(after) - time.time() < 30 * 86400,
         "key < 2048 bits": bits < 2048, "SHA-1 signature": "sha1" in sig.lower(),
         "untrusted chain": None}  # sslscan does not verify the chain
    return v, w, anon, c, None


def testssl_verdicts(path):
    items = {}
    for x in json.load(open(path)):
        items.setdefault(x["id"], x)
    offered = lambda i: i in items and items[i]["finding"].startswith("offered")  # noqa: E731
    v = {"SSLv3": offered("SSLv3"), "TLS 1.0": offered("TLS1"), "TLS 1.1": offered("TLS1_1"),
         "TLS 1.3": offered("TLS1_3")}
    w = {"NULL": offered("cipherlist_NULL"), "EXPORT": offered("cipherlist_EXPORT"),
         "anonymous": offered("cipherlist_aNULL"), "DES": offered("cipherlist_LOW"),
         "3DES": offered("cipherlist_3DES_IDEA"),
         "RC4": "RC4" in items and "not vulnerable" not in items["RC4"]["finding"].lower()}
    c = {"expires within 30 days": "expires < 30 days" in items["cert_expirationStatus"]["finding"],
         "key < 2048 bits": items["cert_keySize"]["severity"] not in ("OK", "INFO"),
         "SHA-1 signature": "sha1" in items["cert_signatureAlgorithm"]["finding"].lower(),
         "untrusted chain": not items["cert_chain_of_trust"]["finding"].startswith("passed")}
    order = "NOT a cipher order" in items["cipher_order"]["finding"]
    return v, w, None, c, order


def fmt(x):
    return "n/a" if x is None else ("yes" if x else "no")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secscan", default=os.path.join(ROOT, "build", "secscan"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-testssl", action="store_true")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="secscan-bench-tls-")
    atexit.register(shutil.rmtree, work, True)
    ca = CA(directory=work)
    # One certificate with three problems: RSA 1024, SHA-1 signed, 10 days left.
    cert, key = ca.issue("bench", bits=1024, md="sha1", days=(-300, 10))
    results = {}
    # On 127.0.0.2 (tlsfix's default): the scan's recon also asks http://HOST:80/, and whatever
    # another program runs on 127.0.0.1:80 must not weigh on the measurement.
    with SServer(cert, key, "-cipher", "ALL:@SECLEVEL=0") as s:
        hostport = f"{s.host}:{s.port}"
        t, out = timed([args.secscan, "scan", s.url, "--json", "--allow-private", "--modules", "tls",
                        "--ca-file", ca.cert], args.runs)
        results["secscan (tls module)"] = (t, secscan_verdicts(out))
        t, out = timed(["sslscan", "--no-colour", "--xml=-", hostport], max(1, args.runs // 2))
        results["sslscan 2 (default)"] = (t, sslscan_verdicts(out))
        t, out = timed(["sslscan", "--no-colour", "--xml=-", "--no-heartbleed", "--no-renegotiation",
                        "--no-compression", "--no-groups", "--no-fallback", hostport],
                       max(1, args.runs // 2))
        results["sslscan 2 (suites + cert only)"] = (t, sslscan_verdicts(out))
        if not args.no_testssl:
            jf = os.path.join(work, "testssl.json")
            t, _ = timed(["testssl", "--quiet", "--color", "0", "--warnings", "off", "--jsonfile", jf,
                          "--add-ca", ca.cert, hostport], 1)
            results["testssl.sh"] = (t, testssl_verdicts(jf))

    print("### 1. openssl s_server, every suite of Debian's OpenSSL\n")
    base = results["secscan (tls module)"][0]
    print("| tool | wall time (median) | vs secscan |")
    print("|---|---|---|")
    for name, (t, _) in results.items():
        print(f"| {name} | {t:.2f} s | {t / base:.1f}x |")
    print()
    names = list(results)
    print("| verdict | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    disagree = 0
    rows = [(f"{v} accepted", lambda r, v=v: r[0][v]) for v in VERSIONS] + \
           [(f"{w} suites", lambda r, w=w: r[1][w]) for w in WEAK] + \
           [(c, lambda r, c=c: r[3][c]) for c in CERT] + \
           [("client chooses the suite order", lambda r: r[4])]
    for label, get in rows:
        vals = [get(results[n][1]) for n in names]
        known = {x for x in vals if x is not None}
        disagree += len(known) > 1
        print(f"| {label} | " + " | ".join(fmt(x) for x in vals) + " |")
    ours, theirs = results[names[0]][1][2], results[names[1]][1][2]
    print(f"\nanonymous suites by version and name: secscan {len(ours)}, sslscan {len(theirs)}, "
          f"identical: {ours == theirs}")
    print(f"verdict rows where tools that report them disagree: {disagree}")
    legacy_scenario(args)


# What the fake legacy server accepts: version -> suites in its order (RC4-SHA, EXP-RC4-MD5,
# RC4-MD5, DES-CBC3-SHA, DES-CBC-SHA, ADH-RC4-MD5, NULL-SHA, AES128-SHA).
LEGACY = {0x0300: [0x0005, 0x0003], 0x0301: [0x0005, 0x0004, 0x0003, 0x000A, 0x0009, 0x0018, 0x0002],
          0x0303: [0x002F, 0x0005]}
LEGACY_TRUTH = ({"SSLv3": True, "TLS 1.0": True, "TLS 1.1": False, "TLS 1.3": False},
                {"NULL": True, "EXPORT": True, "anonymous": True, "RC4": True, "DES": True, "3DES": True})


def legacy_scenario(args):
    """Suites no OpenSSL 3 can negotiate, served by the fake server of the integration tests."""
    with LegacyServer(LEGACY) as s:
        t1, out = timed([args.secscan, "scan", s.url, "--json", "--allow-private", "--modules", "tls"],
                        args.runs)
        ours = secscan_verdicts(out)
        t2, out = timed(["sslscan", "--no-colour", "--xml=-", f"{HOST}:{s.port}"], max(1, args.runs // 2))
        theirs = sslscan_verdicts(out)
    print("\n### 2. fake legacy server (SSLv3, RC4, EXPORT, DES, 3DES, NULL, anonymous)\n")
    print(f"secscan {t1:.2f} s, sslscan {t2:.2f} s\n")
    print("| verdict | configured | secscan | sslscan 2 |")
    print("|---|---|---|---|")
    for v in VERSIONS:
        print(f"| {v} accepted | {fmt(LEGACY_TRUTH[0][v])} | {fmt(ours[0][v])} | {fmt(theirs[0][v])} |")
    for w in WEAK:
        print(f"| {w} suites | {fmt(LEGACY_TRUTH[1][w])} | {fmt(ours[1][w])} | {fmt(theirs[1][w])} |")


if __name__ == "__main__":
    main()
