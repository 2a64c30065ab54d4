"""The network module against real Redis and Memcached servers and small fake services, through
`secscan scan URL --json --allow-private --modules network --ports LIST`: unauthenticated data
stores are CRITICAL with their answer as evidence, every banner is identified, misbehaving servers
end in a clear error, and the probes change nothing on the servers."""
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_services as fake  # noqa: E402
import sstest  # noqa: E402


def page(handler):
    return 200, [("Content-Type", "text/html")], "<html><body>app</body></html>"


@contextlib.contextmanager
def process(args, port):
    p = sstest.spawn(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        sstest.wait_for(lambda: _connects(port) or p.poll() is not None, timeout=10, what=args[0])
        if p.poll() is not None:
            raise AssertionError(f"{args[0]} exited: {p.stderr.read().decode(errors='replace')}")
        yield p
    finally:
        sstest.stop(p)


def _connects(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def redis_ask(port, command):
    """One inline command; returns the reply (a status line or a bulk string) as text."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(command.encode() + b"\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n" not in data:
                continue
            head = data[:data.index(b"\r\n")]
            if not head.startswith(b"$"):
                break
            if int(head[1:]) < 0 or len(data) >= len(head) + 2 + int(head[1:]) + 2:
                break
        return data.decode(errors="replace")


def scan(http, ports):
    p = sstest.run_cli("scan", f"http://svc.example:{http.port}", "--json", "--allow-private",
                       "--modules", "network", "--resolve", f"svc.example:{http.port}:127.0.0.1",
                       "--ports", ",".join(str(x) for x in ports), timeout=120)
    assert p.returncode in (0, 1), f"secscan exited {p.returncode}: {p.stderr}"
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc
    return doc


def one(doc, check, port, severity):
    """The single finding of check whose title names svc.example:port."""
    found = [f for f in doc["findings"] if f["check"] == check and f"svc.example:{port}" in f["title"]]
    assert len(found) == 1, f"{check} on {port}: {found} in {[x['title'] for x in doc['findings']]}"
    assert found[0]["severity"] == severity, found[0]
    assert found[0]["category"] == "network" and found[0]["tool"] == "network", found[0]
    return found[0]


def expect_all(doc, expected):
    """expected: (check, port, severity, a piece of the evidence or title) for each finding."""
    for check, port, severity, piece in expected:
        f = one(doc, check, port, severity)
        assert piece in f["evidence"] + f["title"], f


def test_more_services():
    with sstest.FixtureServer(page) as http, fake.couchdb() as couch, fake.etcd() as etcd, \
            fake.kubernetes() as k8s, fake.rabbitmq_with_auth() as rabbit, fake.postgres_trust() as pg, \
            fake.mysql() as my, fake.telnet() as tel:
        doc = scan(http, [couch.port, etcd.port, k8s.port, rabbit.port, pg.port, my.port, tel.port])
        expected = [
            ("network.couchdb-unauth", couch.port, "CRITICAL", "orders"),
            ("network.etcd-unauth", etcd.port, "CRITICAL", "/config"),
            ("network.kubernetes-unauth", k8s.port, "CRITICAL", "web-1"),
            ("network.service-exposed", rabbit.port, "MEDIUM", "RabbitMQ management (credentials required)"),
            ("network.postgres-trust", pg.port, "CRITICAL", "PostgreSQL 15.6"),
            ("network.service-exposed", my.port, "MEDIUM", "MySQL 8.0.36"),
            ("network.telnet-exposed", tel.port, "MEDIUM", "Telnet"),
        ]
        expect_all(doc, expected)
        # PostgreSQL got a startup message and a Terminate, nothing else
        assert pg.received[-1] == b"X\0\0\0\4", pg.received


def test_guard_and_allowed_address():
    with sstest.FixtureServer(page) as http:
        base = ["scan", f"http://svc.example:{http.port}", "--json", "--modules", "network",
                "--resolve", f"svc.example:{http.port}:127.0.0.1", "--ports", str(http.port)]
        # the guard on: loopback is refused, nothing is scanned
        p = sstest.run_cli(*base, timeout=60)
        assert p.returncode == 2 and "network.open-ports" not in p.stdout, (p.returncode, p.stdout)
        # the one address the self-hoster lets through is scanned like with --allow-private
        p = sstest.run_cli(*base, "--allow-addr", "127.0.0.1", timeout=60)
        doc = json.loads(p.stdout)
        opened = [f for f in doc["findings"] if f["check"] == "network.open-ports"]
        assert len(opened) == 1 and f"{http.port}/http" in opened[0]["evidence"], doc["findings"]


def test_exposed_services():
    redis_port, mc_port = sstest.free_port(), sstest.free_port()
    memcached = ["memcached", "-p", str(mc_port), "-l", "127.0.0.1", "-U", "0"]
    if os.geteuid() == 0:
        memcached += ["-u", "root"]
    with sstest.FixtureServer(page) as http, \
            process(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no"], redis_port), \
            process(memcached, mc_port), \
            fake.mongo() as mongo, fake.elasticsearch() as es, fake.docker_api() as docker, \
            fake.vnc_no_auth() as vnc, fake.ftp_anonymous() as ftp, fake.old_ssh() as ssh, \
            fake.endless_banner() as endless, fake.truncated_vnc() as badvnc:
        redis_ask(redis_port, "SET canary untouched")
        closed = sstest.free_port()
        ports = [redis_port, mc_port, mongo.port, es.port, docker.port, vnc.port, ftp.port, ssh.port,
                 endless.port, badvnc.port, http.port, closed]
        started = time.time()
        doc = scan(http, ports)
        elapsed = time.time() - started

        expected = [  # check, port, severity, a piece of the evidence (or title)
            ("network.redis-unauth", redis_port, "CRITICAL", "redis_version:"),
            ("network.memcached-unauth", mc_port, "CRITICAL", "version 1."),
            ("network.mongodb-unauth", mongo.port, "CRITICAL", "shop"),
            ("network.elasticsearch-unauth", es.port, "CRITICAL", "prod-search"),
            ("network.docker-api-unauth", docker.port, "CRITICAL", "1.43"),
            ("network.vnc-no-auth", vnc.port, "CRITICAL", "None"),
            ("network.ftp-anonymous", ftp.port, "HIGH", "230"),
            ("network.ssh-outdated", ssh.port, "MEDIUM", "OpenSSH_5.3"),
        ]
        expect_all(doc, expected)

        # misbehaving servers: a clear error for that port, and the scan still ends promptly
        end = one(doc, "network.probe-failed", endless.port, "INFO")
        assert "exceeded" in end["evidence"], end
        bad = one(doc, "network.probe-failed", badvnc.port, "INFO")
        assert "cut short" in bad["evidence"], bad
        assert elapsed < 60, elapsed

        opened = [x for x in doc["findings"] if x["check"] == "network.open-ports"]
        assert len(opened) == 1, opened
        listed = {int(p.split("/")[0]) for p in opened[0]["evidence"].split(", ")}
        assert listed == set(ports) - {closed}, (listed, ports)
        named = opened[0]["evidence"].split(", ")
        assert f"{redis_port}/redis" in named and f"{http.port}/http" in named and f"{ssh.port}/ssh" in named, named

        # read-only: Redis saw INFO and nothing else from the scanner, the key is as it was
        stats = redis_ask(redis_port, "INFO commandstats")
        commands = {line.split(":")[0] for line in stats.splitlines() if line.startswith("cmdstat_")}
        assert commands <= {"cmdstat_info", "cmdstat_set"}, commands
        assert "untouched" in redis_ask(redis_port, "GET canary")
        # the FTP conversation was login and QUIT only
        sent = b"".join(ftp.received)
        assert sent.count(b"\r\n") == 3 and sent.startswith(b"USER anonymous"), sent


if __name__ == "__main__":
    for tool in ("redis-server", "memcached"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} missing: run scripts/install-deps.sh")
    sstest.main([test_exposed_services, test_more_services, test_guard_and_allowed_address])
