"""Small fake network services on loopback for the network module's tests: each speaks just enough
of its protocol (MongoDB, Elasticsearch, Docker API, VNC, FTP, old SSH) or misbehaves (endless
banner, truncated VNC answer). Every server is a context manager with .port."""
import json
import socket
import struct
import threading


class TcpFake:
    """Accepts connections on 127.0.0.1 and runs handler(conn) for each on its own thread."""

    def __init__(self, handler):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        self.received = []
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        conn.settimeout(5)
        try:
            self.handler(self, conn)
        except OSError:
            pass
        finally:
            conn.close()

    def recv(self, conn, n=4096):
        data = conn.recv(n)
        self.received.append(data)
        return data

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped = True
        self.sock.close()


# --- MongoDB: OP_MSG hello and listDatabases, no authorization ---

def _bson(doc):
    out = b""
    for k, v in doc.items():
        key = k.encode() + b"\0"
        if isinstance(v, bool):
            out += b"\x08" + key + (b"\1" if v else b"\0")
        elif isinstance(v, int):
            out += b"\x10" + key + struct.pack("<i", v)
        elif isinstance(v, float):
            out += b"\x01" + key + struct.pack("<d", v)
        elif isinstance(v, str):
            s = v.encode() + b"\0"
            out += b"\x02" + key + struct.pack("<i", len(s)) + s
        elif isinstance(v, list):
            out += b"\x04" + key + _bson({str(i): x for i, x in enumerate(v)})
        elif isinstance(v, dict):
            out += b"\x03" + key + _bson(v)
    return struct.pack("<i", len(out) + 5) + out + b"\0"


def _mongo(self, conn):
    while True:
        head = conn.recv(16)
        if len(head) < 16:
            return
        length, req_id, _, opcode = struct.unpack("<iiii", head)
        if opcode != 2013 or not 21 <= length <= 65536:
            return  # not MongoDB: hang up as mongod does
        body = b""
        while len(body) < length - 16:
            chunk = conn.recv(length - 16 - len(body))
            if not chunk:
                return
            body += chunk
        self.received.append(body)
        if b"listDatabases" in body:
            reply = {"databases": [{"name": "admin", "sizeOnDisk": 4096.0, "empty": False},
                                   {"name": "shop", "sizeOnDisk": 8192.0, "empty": False}],
                     "totalSize": 12288.0, "ok": 1.0}
        else:
            reply = {"isWritablePrimary": True, "maxWireVersion": 17, "minWireVersion": 0, "ok": 1.0}
        doc = _bson(reply)
        msg = struct.pack("<iiiiI", 16 + 4 + 1 + len(doc), 99, req_id, 2013, 0) + b"\0" + doc
        conn.sendall(msg)


def mongo():
    return TcpFake(_mongo)


# --- HTTP APIs ---

def _http(routes):
    def handler(self, conn):
        req = self.recv(conn)
        line = req.split(b"\r\n", 1)[0].decode(errors="replace").split(" ")
        path = line[1] if len(line) > 1 else "/"
        status, body = routes.get(path, (404, {"message": "page not found"}))
        data = json.dumps(body).encode()
        conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                     "Connection: close\r\n\r\n".encode() + data)
    return TcpFake(handler)


def elasticsearch():
    return _http({"/": (200, {"name": "node-1", "cluster_name": "prod-search",
                              "version": {"number": "8.11.1"}, "tagline": "You Know, for Search"})})


def docker_api():
    return _http({"/version": (200, {"Version": "24.0.7", "ApiVersion": "1.43", "Os": "linux",
                                     "GoVersion": "go1.20.10"})})


# --- server-first greetings ---

def _vnc(self, conn):
    conn.sendall(b"RFB 003.008\n")
    self.recv(conn, 12)
    conn.sendall(b"\x01\x01")  # one security type: None
    self.recv(conn)


def vnc_no_auth():
    return TcpFake(_vnc)


def _ftp(self, conn):
    conn.sendall(b"220 fake FTP ready\r\n")
    while True:
        cmd = self.recv(conn)
        if not cmd:
            return
        if cmd.startswith(b"USER"):
            conn.sendall(b"331 Please specify the password.\r\n")
        elif cmd.startswith(b"PASS"):
            conn.sendall(b"230 Login successful.\r\n")
        elif cmd.startswith(b"QUIT"):
            conn.sendall(b"221 Goodbye.\r\n")
            return
        else:
            conn.sendall(b"500 Unknown command.\r\n")


def ftp_anonymous():
    return TcpFake(_ftp)


def old_ssh():
    def handler(self, conn):
        conn.sendall(b"SSH-2.0-OpenSSH_5.3\r\n")
        self.recv(conn)
    return TcpFake(handler)


# --- misbehaving servers ---

def endless_banner():
    def handler(self, conn):
        chunk = b"A" * 4096
        for _ in range(2000):  # 8 MB without a line end, or until the client gives up
            conn.sendall(chunk)
    return TcpFake(handler)


def truncated_vnc():
    def handler(self, conn):
        conn.sendall(b"RFB 003.008\n")
        self.recv(conn, 12)
        conn.sendall(b"\x05\x01")  # announces 5 security types, sends 1, hangs up
    return TcpFake(handler)


# --- more data stores and admin APIs ---

def couchdb():
    return _http({"/": (200, {"couchdb": "Welcome", "version": "3.3.3"}),
                  "/_all_dbs": (200, ["_users", "orders"])})


def etcd():
    return _http({"/version": (200, {"etcdserver": "3.5.9", "etcdcluster": "3.5.0"}),
                  "/v2/keys": (200, {"action": "get", "node": {"dir": True, "nodes": [{"key": "/config"}]}})})


def kubernetes():
    return _http({"/version": (200, {"major": "1", "minor": "29", "gitVersion": "v1.29.0"}),
                  "/api/v1/pods?limit=5": (200, {"kind": "PodList", "items": [{"metadata": {"name": "web-1"}}]})})


def rabbitmq_with_auth():
    return _http({"/": (200, "<html><title>RabbitMQ Management</title></html>"),
                  "/api/overview": (401, {"error": "not_authorised", "reason": "Login failed"})})


def _postgres(self, conn):
    head = conn.recv(8)
    if len(head) < 8:
        return
    length, version = struct.unpack(">ii", head)
    if version != 196608 or not 8 < length < 10000:
        return  # not a startup message: hang up
    self.received.append(head + conn.recv(length - 8))
    conn.sendall(b"R" + struct.pack(">ii", 8, 0)  # AuthenticationOk: trust
                 + b"S" + struct.pack(">i", 4 + 15 + 5) + b"server_version\x0015.6\x00"
                 + b"Z" + struct.pack(">i", 5) + b"I")
    self.received.append(conn.recv(16))  # Terminate


def postgres_trust():
    return TcpFake(_postgres)


def mysql():
    def handler(self, conn):
        payload = b"\x0a" + b"8.0.36\x00" + b"\x01\x02\x03\x04" + b"abcdefgh\x00" + b"\xff\xf7"
        conn.sendall(struct.pack("<I", len(payload))[:3] + b"\x00" + payload)
        self.recv(conn)
    return TcpFake(handler)


def telnet():
    def handler(self, conn):
        conn.sendall(b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23")
        self.recv(conn)
    return TcpFake(handler)
