"""The tls module against servers that are hard to probe: size-intolerant ones that close, reset or
say nothing when a ClientHello is 256 bytes or more (a fake legacy server, and a relay in front of
a real Python ssl server), an SSLv2 server (DROWN), near misses that answer the SSLv2 hello with
garbage, an SSLv2 ERROR or a TLS alert, and a modern server whose probe connections are counted.
Everything runs through `secscan scan --modules tls --json` on loopback."""
import atexit
import json
import re
import shutil
import ssl
from concurrent.futures import ThreadPoolExecutor

from sstest import main, run_cli
from tlsfix import CA, HOST, HTTPSServer, LegacyServer, Relay

ca = CA()
atexit.register(shutil.rmtree, ca.dir, True)

# The fake legacy server's configuration (as in test_tls.py): version -> suites, its order.
ACCEPTS = {
    0x0300: [0x0005, 0x0003],                                          # SSLv3: RC4-SHA, EXP-RC4-MD5
    0x0301: [0x0005, 0x0004, 0x0003, 0x000A, 0x0009, 0x0018, 0x0002],  # + 3DES, DES, ADH-RC4, NULL
    0x0303: [0x002F, 0x0005],                                          # TLS 1.2: AES128-SHA, RC4
}
PROTOCOL_CHECKS = {"tls.sslv2-enabled", "tls.sslv3-enabled", "tls.tls10-enabled", "tls.tls11-enabled",
                   "tls.tls13-missing", "tls.null-suites", "tls.export-suites", "tls.anon-suites",
                   "tls.rc4-suites", "tls.des-suites", "tls.3des-suites", "tls.no-forward-secrecy",
                   "tls.cbc-only", "tls.client-cipher-order"}
SUITE_CHECKS = {"tls.null-suites", "tls.export-suites", "tls.anon-suites", "tls.rc4-suites",
                "tls.des-suites", "tls.3des-suites", "tls.no-forward-secrecy"}
SUMMARY = re.compile(r"tls: \S+: (\d+) probes, (\d+) answered, (\d+) versions retried with compact hellos")


def scan(url, *extra):
    """(findings by check, the probe summary (probes, answered, retried), stderr)."""
    p = run_cli("scan", url, "--json", "--allow-private", "--modules", "tls", "--ca-file", ca.cert,
                *extra, timeout=150)
    assert p.returncode in (0, 1), f"exit {p.returncode}: {p.stderr}"
    out = json.loads(p.stdout)
    assert out["status"] == "completed", out
    m = SUMMARY.search(p.stderr)
    return {f["check"]: f for f in out["findings"]}, tuple(map(int, m.groups())) if m else None, p.stderr


def suites_of(evidence):
    """{(version, suite)} of an evidence like "TLS 1.0: RC4-SHA, RC4-MD5; TLS 1.2: ..." (the order
    of suites within a version depends on which parallel probe answered first)."""
    out = set()
    for part in evidence.split("; "):
        version, names = part.split(": ", 1)
        out |= {(version, n) for n in names.split(", ")}
    return out


def protocol_verdicts(found):
    """What the enumeration concluded: the protocol/suite checks, the suites behind each suite
    check, and the suite count of each version finding."""
    v = {}
    for check in PROTOCOL_CHECKS & set(found):
        ev = found[check]["evidence"]
        if check in SUITE_CHECKS:
            v[check] = suites_of(ev)
        elif check != "tls.tls13-missing":
            v[check] = re.sub(r"; the server picked [^)]*", "", re.sub(r" on \S+", "", ev))
        else:
            v[check] = ev.split("best version: ")[1]
    return v


def test_size_intolerant_fake_server():
    """Closing, resetting or staying silent on hellos of 256 bytes or more: the versions and
    suites found are those of the same server without the bug."""
    with LegacyServer(ACCEPTS) as s:
        baseline, (probes, _, retried), _ = scan(s.url)
    assert retried == 0 and s.large == 0
    want = protocol_verdicts(baseline)
    assert {"tls.sslv3-enabled", "tls.tls10-enabled", "tls.rc4-suites", "tls.export-suites",
            "tls.null-suites"} <= set(want), sorted(want)

    def intolerant(how):
        with LegacyServer(ACCEPTS, max_hello=256, on_large=how) as s:
            found, summary, stderr = scan(s.url, "--timeout", "1500")
        return found, summary, stderr, s.large, s.probes

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(("close", "reset", "silent"), pool.map(intolerant, ("close", "reset", "silent"))))
    for how, (found, summary, stderr, large, seen) in results.items():
        assert protocol_verdicts(found) == want, f"{how}: {protocol_verdicts(found)}\nwant {want}"
        # SSLv3, TLS 1.0, 1.1, 1.2 had large first hellos (TLS 1.3 without SNI: 252 bytes).
        assert summary[2] == 4, f"{how}: {summary} {stderr[-1500:]}"
        assert large >= 4, f"{how}: {large} large hellos"
        assert seen == summary[0], f"{how}: the server saw {seen} probes, secscan reports {summary}"
        assert "the full ClientHello went unanswered" in stderr
    assert found["tls.sslv3-enabled"]["severity"] == "HIGH"


def test_size_intolerant_relay_to_a_real_server():
    """A real server (Python ssl, TLS 1.0 to 1.3, every suite of the local OpenSSL) behind a relay
    that closes on hellos of 256 bytes or more, and answers smaller ones with the real ServerHello:
    same versions and suites as a direct scan."""
    cert = ca.issue("intolerant")
    with HTTPSServer(*cert, min_version=ssl.TLSVersion.TLSv1, ciphers="ALL:@SECLEVEL=0") as backend:
        direct, (_, _, retried), _ = scan(backend.url)
        with Relay((HOST, backend.port), max_hello=256) as relay:
            relayed, summary, stderr = scan(relay.url)
    assert retried == 0
    want = protocol_verdicts(direct)
    assert {"tls.tls10-enabled", "tls.tls11-enabled", "tls.anon-suites"} <= set(want), sorted(want)
    assert "tls.tls13-missing" not in want
    assert protocol_verdicts(relayed) == want, f"{protocol_verdicts(relayed)}\nwant {want}"
    assert summary[2] >= 3 and relay.large >= 3, f"{summary} {relay.large}"
    assert relay.probes == summary[0], f"relay saw {relay.probes} probes, secscan reports {summary}"
    # The OpenSSL handshake of the certificate check has a large hello too: it is named.
    assert "certificate not read" in stderr


def test_sslv2_server_is_critical():
    with LegacyServer({0x0301: [0x0005]}, ssl2="hello") as s:
        found, _, _ = scan(s.url)
    v2 = found.get("tls.sslv2-enabled")
    assert v2, sorted(found)
    assert v2["severity"] == "CRITICAL"
    assert "DROWN" in v2["description"]
    for part in ("SSLv2 SERVER-HELLO", "RC4-MD5", "EXP-RC4-MD5", "DES-CBC3-MD5"):
        assert part in v2["evidence"], v2["evidence"]
    assert "tls.tls10-enabled" in found

    # A server that speaks nothing but SSLv2 is still found (and not taken for a non-TLS port).
    with LegacyServer({}, ssl2="hello") as s:
        found, _, _ = scan(s.url)
    assert "tls.sslv2-enabled" in found, sorted(found)
    assert "best version: SSLv2" in found["tls.tls13-missing"]["evidence"]


def test_sslv2_near_misses():
    """Garbage, an SSLv2 ERROR or a TLS alert to the SSLv2 hello: no SSLv2 finding, the rest as usual."""
    def run(mode):
        with LegacyServer({0x0301: [0x0005]}, ssl2=mode) as s:
            return scan(s.url)[0]

    modes = ("garbage", "error", "alert")
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(modes, pool.map(run, modes)))
    for mode, found in results.items():
        assert "tls.sslv2-enabled" not in found, f"{mode}: {found['tls.sslv2-enabled']}"
        assert {"tls.tls10-enabled", "tls.rc4-suites"} <= set(found), f"{mode}: {sorted(found)}"


def test_modern_server_costs_no_retry():
    """A modern server (TLS 1.2 and 1.3) answers every probe: no SSLv2 finding, no retry, and the
    probe connections it receives are exactly those secscan counts (one per accepted suite and
    per refusal, plus the SSLv2 hello)."""
    cert = ca.issue("modern")
    with HTTPSServer(*cert) as backend, Relay((HOST, backend.port)) as relay:
        found, summary, _ = scan(relay.url)
    assert "tls.sslv2-enabled" not in found and "tls.tls13-missing" not in found, sorted(found)
    assert not {"tls.tls10-enabled", "tls.tls11-enabled"} & set(found), sorted(found)
    probes, answered, retried = summary
    assert retried == 0 and relay.large == 0
    assert relay.probes == probes, f"relay saw {relay.probes} probes, secscan reports {summary}"
    assert answered == probes
    # TLS 1.3: 5 suites at most; TLS 1.2: Python's DEFAULT list; each chain ends in one refusal.
    assert probes < 60, summary


if __name__ == "__main__":
    main([test_size_intolerant_fake_server, test_size_intolerant_relay_to_a_real_server,
          test_sslv2_server_is_critical, test_sslv2_near_misses, test_modern_server_costs_no_retry])
