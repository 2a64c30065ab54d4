"""TLS fixtures for integration tests and benchmarks: a test CA and certificates made with the
`openssl` CLI at test time, TLS servers on loopback (Python ssl, `openssl s_server`), a fake
legacy server that answers ClientHellos for suites no current OpenSSL can offer (and SSLv2
CLIENT-HELLOs), and a relay in front of a real server that drops large ClientHellos.

The servers listen on 127.0.0.2 by default: a scan of an https target also asks
http://HOST:80/, and a busy or stuck listener on 127.0.0.1:80 (another test's, another program's)
must not cost every scan its connect timeout.
"""
import os
import select
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import sstest
from sstest import FixtureServer, free_port

OPENSSL = "openssl"
HOST = "127.0.0.2"


def _run(*args, cwd=None):
    subprocess.run([OPENSSL, *args], check=True, cwd=cwd, capture_output=True)


class CA:
    """A certificate authority in a temporary directory, able to issue certificates with any
    validity window (via `openssl ca -startdate/-enddate`), key size and digest."""

    def __init__(self, name="secscan test root", parent=None, directory=None):
        self.dir = directory or tempfile.mkdtemp(prefix="secscan-tls-")
        self.name = name
        tag = name.replace(" ", "_")
        self.key = os.path.join(self.dir, f"{tag}.key")
        self.cert = os.path.join(self.dir, f"{tag}.pem")
        self.db = os.path.join(self.dir, f"{tag}.db")
        self.serial = os.path.join(self.dir, f"{tag}.serial")
        open(self.db, "w").close()
        with open(self.serial, "w") as f:
            f.write("1000\n")
        # CA keys are P-256: RSA key generation costs up to a second on a busy machine.
        _run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", self.key)
        if parent is None:
            _run("req", "-x509", "-new", "-key", self.key, "-out", self.cert, "-days", "3650",
                 "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        else:
            csr = os.path.join(self.dir, f"{tag}.csr")
            _run("req", "-new", "-key", self.key, "-out", csr, "-subj", f"/CN={name}")
            parent._sign(csr, self.cert, days=(-1, 3650), ext="basicConstraints=critical,CA:TRUE\n"
                         "keyUsage=critical,keyCertSign,cRLSign\n")

    def _sign(self, csr, out, days, ext, md="sha256"):
        conf = os.path.join(self.dir, "ca.cnf")
        extfile = os.path.join(self.dir, "ext.cnf")
        with open(extfile, "w") as f:
            f.write("[ext]\n" + ext)
        with open(conf, "w") as f:
            f.write(f"""[ca]
default_ca = ca_section
[ca_section]
database = {self.db}
serial = {self.serial}
new_certs_dir = {self.dir}
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
""")
        start = time.gmtime(time.time() + days[0] * 86400)
        end = time.gmtime(time.time() + days[1] * 86400)
        fmt = "%Y%m%d%H%M%SZ"
        args = ["ca", "-batch", "-config", conf, "-in", csr, "-out", out, "-notext",
                "-md", md, "-startdate", time.strftime(fmt, start), "-enddate", time.strftime(fmt, end),
                "-extfile", extfile, "-extensions", "ext", "-keyfile", self.key, "-cert", self.cert]
        _run(*args)

    def issue(self, name, sans=(f"IP:{HOST}", "DNS:localhost"), days=(-1, 365), bits=2048,
              md="sha256", key_type="rsa", aia=False, self_signed=False):
        """Issues a leaf certificate; returns (cert_path, key_path). days is (start, end) relative
        to now; key_type "rsa" or an EC curve name."""
        tag = name.replace(" ", "_").replace("*", "star")
        cert = os.path.join(self.dir, f"{tag}.pem")
        csr = os.path.join(self.dir, f"{tag}.csr")
        # Leaves of one kind share a key (made once per directory): only the certificates differ.
        key = os.path.join(self.dir, f"leaf-{key_type}-{bits}.key")
        if not os.path.exists(key):
            if key_type == "rsa":
                _run("genrsa", "-out", key, str(bits))
            else:
                _run("ecparam", "-name", key_type, "-genkey", "-noout", "-out", key)
        _run("req", "-new", "-key", key, "-out", csr, "-subj", f"/CN={name}")
        ext = "basicConstraints=CA:FALSE\nsubjectAltName=" + ",".join(sans) + "\n"
        if aia:
            ext += "authorityInfoAccess=caIssuers;URI:http://127.0.0.1/intermediate.crt\n"
        if self_signed:
            # A self-signed leaf: signed by its own key.
            _run("req", "-x509", "-key", key, "-in", csr, "-out", cert, "-days", str(days[1]),
                 "-" + md, "-addext", "subjectAltName=" + ",".join(sans))
        else:
            self._sign(csr, cert, days, ext, md=md)
        return cert, key


def chain_file(directory, name, *certs):
    """Concatenates PEM files into directory/name; returns its path."""
    path = os.path.join(directory, name)
    with open(path, "w") as out:
        for c in certs:
            with open(c) as f:
                out.write(f.read())
    return path


def HTTPSServer(certfile, keyfile, min_version=ssl.TLSVersion.TLSv1_2,
                max_version=ssl.TLSVersion.MAXIMUM_SUPPORTED, ciphers="DEFAULT:@SECLEVEL=0", host=HOST):
    """A FixtureServer over TLS with the given chain file and key, answering every GET with a page.
    Weak keys and SHA-1 certificates load because the context runs at security level 0."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers(ciphers)
    ctx.minimum_version = min_version
    ctx.maximum_version = max_version
    ctx.load_cert_chain(certfile, keyfile)
    page = (200, [("Content-Type", "text/html")], "<html><body>tls fixture</body></html>")
    return FixtureServer(lambda handler: page, ssl_context=ctx, host=host)


class SServer:
    """`openssl s_server` on a free loopback port (-www answers GETs); extra args pass through.
    """

    def __init__(self, certfile, keyfile, *args, host=HOST):
        self.port = free_port()
        self.host = host
        self.url = f"https://{host}:{self.port}"
        self.cmd = [OPENSSL, "s_server", "-accept", f"{host}:{self.port}", "-cert", certfile,
                    "-key", keyfile, "-www", "-quiet", *args]
        self.proc = None

    def __enter__(self):
        self.proc = sstest.spawn(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
        try:
            return self._wait_accepting()
        except BaseException:
            sstest.stop(self.proc)
            raise

    def _wait_accepting(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"s_server exited: {self.proc.stderr.read().decode()}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("s_server did not start")

    def __exit__(self, *exc):
        sstest.stop(self.proc, timeout=5)


def _read_record(conn):
    """The first record a client sends: TLS (5-byte header) or SSLv2 (2-byte header, high bit set).
    None if the client hangs up first."""
    data = b""
    while True:
        if len(data) >= 2 and data[0] & 0x80:
            need = 2 + ((data[0] & 0x7F) << 8 | data[1])
        elif len(data) >= 5:
            need = 5 + int.from_bytes(data[3:5], "big")
        else:
            need = 5
        if len(data) >= need:
            return data
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk


def _is_ssl2_hello(data):
    return len(data) >= 5 and data[0] & 0x80 and data[2] == 1 and data[3:5] == b"\x00\x02"


def _ssl2_kinds(data):
    """The cipher kinds of an SSLv2 CLIENT-HELLO."""
    slen = int.from_bytes(data[5:7], "big")
    return [int.from_bytes(data[11 + i:14 + i], "big") for i in range(0, slen - slen % 3, 3)]


def _ssl2_server_hello(kinds):
    """An SSLv2 SERVER-HELLO listing kinds, with a made-up certificate and a 16-byte connection id."""
    cert = b"\x30\x82\x01\x00" + os.urandom(256)
    specs = b"".join(k.to_bytes(3, "big") for k in kinds)
    body = (bytes([4, 0, 1, 0, 2]) + len(cert).to_bytes(2, "big") + len(specs).to_bytes(2, "big")
            + (16).to_bytes(2, "big") + cert + specs + os.urandom(16))
    return bytes([0x80 | len(body) >> 8, len(body) & 0xFF]) + body


def _hang_up(conn, how):
    """Ends a connection the way a size-intolerant server does: "close" (FIN), "reset" (RST) or
    "silent" (say nothing until the client gives up)."""
    if how == "reset":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    elif how == "silent":
        conn.settimeout(15)
        try:
            while conn.recv(4096):
                pass
        except OSError:
            pass


def _probe_hello(data):
    """Whether a first record is one of secscan's hand-built probes: an SSLv2 CLIENT-HELLO, or a
    ClientHello with neither ALPN (curl sends it) nor status_request (the certificate check's
    OpenSSL handshake sends it)."""
    if _is_ssl2_hello(data):
        return True
    parsed = _client_hello(data)
    return parsed is not None and not {5, 16} & parsed[2]


def _client_hello(data):
    """(version, suites, extension types) of a ClientHello record, or None. Only what the fake
    server needs."""
    if len(data) < 5 or data[0] != 22:
        return None
    rlen = int.from_bytes(data[3:5], "big")
    hs = data[5:5 + rlen]
    if len(hs) < 4 + 2 + 32 + 1 or hs[0] != 1:
        return None
    version = int.from_bytes(hs[4:6], "big")
    off = 4 + 2 + 32
    off += 1 + hs[off]
    slen = int.from_bytes(hs[off:off + 2], "big")
    suites = [int.from_bytes(hs[off + 2 + i:off + 4 + i], "big") for i in range(0, slen, 2)]
    off += 2 + slen
    off += 1 + (hs[off] if off < len(hs) else 0)  # compression methods
    end = off + 2 + int.from_bytes(hs[off:off + 2], "big")
    extensions, off = set(), off + 2
    while off + 4 <= min(end, len(hs)):
        extensions.add(int.from_bytes(hs[off:off + 2], "big"))
        off += 4 + int.from_bytes(hs[off + 2:off + 4], "big")
    return version, suites, extensions


class _Listener:
    """A listening socket on loopback whose connections are served each in a thread by
    self._serve(conn); a context manager."""

    def __init__(self, host):
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(128)
        self.sock.settimeout(0.1)  # so that the accept loop sees `stopping`
        self.port = self.sock.getsockname()[1]
        self.url = f"https://{host}:{self.port}"
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()

    def _loop(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()


class LegacyServer(_Listener):
    """A fake TLS server: reads a ClientHello and, if it offers one of accepts[version], answers
    with a ServerHello choosing the first such suite in the server's own order (then closes);
    otherwise a handshake_failure alert. mode "garbage", "truncated" or "silent" misbehaves instead.
    No crypto: it exists to prove detection of suites that OpenSSL cannot negotiate at all.

    max_hello (bytes, record header included): a larger ClientHello is met by on_large ("close",
    "reset" or "silent", see _hang_up), as size-intolerant servers do; .large counts them.
    ssl2 says how an SSLv2 CLIENT-HELLO is answered: "hello" (a SERVER-HELLO: an SSLv2 server),
    "garbage" (a SERVER-HELLO whose lengths do not add up), "error" (SSLv2 NO-CIPHER-ERROR) or
    "alert" (a TLS protocol_version alert, as TLS servers do); None: unexpected_message alert.
    .probes counts the hand-built hellos received (see _probe_hello).

    mode "stall-ocsp" hangs up on every hello except one asking for a stapled OCSP answer
    (status_request): only the tls module's certificate handshake asks for it, and that one it
    holds, silent, until the server stops (.held counts them). The handshake then waits out its own
    --timeout, not the scan's budget: a module that overruns the budget. curl's hello (recon) and
    the hand-built hellos of the version probes get a hang-up, so a scan gets there at once."""

    def __init__(self, accepts=None, mode="hello", host=HOST, max_hello=None, on_large="close", ssl2=None):
        self.accepts = accepts or {}
        self.mode = mode
        self.max_hello = max_hello
        self.on_large = on_large
        self.ssl2 = ssl2
        self.large = 0
        self.probes = 0
        self.held = 0
        super().__init__(host)

    def _answer(self, data):
        if _is_ssl2_hello(data) and self.ssl2:
            offered = _ssl2_kinds(data)
            return {"hello": _ssl2_server_hello([k for k in (0x010080, 0x020080, 0x0700C0) if k in offered]),
                    "garbage": bytes([0x80, 11, 4, 0, 1, 0, 2, 0xFF, 0xFF, 0, 3, 0, 16]),
                    "error": bytes([0x80, 3, 0, 0, 1]),
                    "alert": bytes([21, 3, 1, 0, 2, 2, 70])}[self.ssl2]
        parsed = _client_hello(data)
        if parsed is None:
            return bytes([21, 3, 1, 0, 2, 2, 10])  # unexpected_message
        version, offered, _ = parsed
        for suite in self.accepts.get(version, []):
            if suite in offered:
                body = version.to_bytes(2, "big") + os.urandom(32) + b"\x00" + suite.to_bytes(2, "big") + b"\x00"
                hs = b"\x02" + len(body).to_bytes(3, "big") + body
                return bytes([22]) + version.to_bytes(2, "big") + len(hs).to_bytes(2, "big") + hs
        return bytes([21, 3, 1, 0, 2, 2, 40])  # handshake_failure

    def _serve(self, conn):
        try:
            conn.settimeout(5)
            data = _read_record(conn)
            if data is None:
                return
            with self.lock:
                self.probes += _probe_hello(data)
            if self.max_hello and len(data) >= self.max_hello:
                with self.lock:
                    self.large += 1
                _hang_up(conn, self.on_large)
            elif self.mode == "garbage":
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            elif self.mode == "truncated":
                conn.sendall(self._answer(data)[:12])
            elif self.mode == "silent":
                time.sleep(8)
            elif self.mode == "stall-ocsp":
                parsed = _client_hello(data)
                if parsed and 5 in parsed[2]:
                    self.held += 1
                    while not self.stopping:
                        time.sleep(0.1)
            else:
                conn.sendall(self._answer(data))
        except OSError:
            pass
        finally:
            conn.close()


class Relay(_Listener):
    """A TCP relay on loopback in front of a real TLS server (backend (host, port)): a first record
    of max_hello bytes or more is met by on_large (see _hang_up), any other connection is relayed
    both ways. Counts connections (.connections), large hellos (.large) and secscan's hand-built
    probe hellos (.probes, see _probe_hello)."""

    def __init__(self, backend, max_hello=None, on_large="close", host=HOST):
        self.backend = backend
        self.max_hello = max_hello
        self.on_large = on_large
        self.connections = self.large = self.probes = 0
        super().__init__(host)

    def _serve(self, conn):
        up = None
        try:
            conn.settimeout(10)
            data = _read_record(conn)
            with self.lock:
                self.connections += 1
                self.probes += bool(data) and _probe_hello(data)
            if data is None:
                return
            if self.max_hello and len(data) >= self.max_hello:
                with self.lock:
                    self.large += 1
                _hang_up(conn, self.on_large)
                return
            up = socket.create_connection(self.backend, timeout=10)
            up.sendall(data)
            pair = {conn: up, up: conn}
            while not self.stopping:
                ready, _, _ = select.select(list(pair), [], [], 0.2)
                for s in ready:
                    chunk = s.recv(65536)
                    if not chunk:
                        return
                    pair[s].sendall(chunk)
        except OSError:
            pass
        finally:
            conn.close()
            if up:
                up.close()
