"""The baas, ai-safety and discover modules against stand-ins of the services they check.

`secscan scan https://app.example:PORT --resolve ...` points the app, its Supabase project, its
Firebase Realtime Database, Firestore, Firebase Storage and its API host at servers this test
starts on loopback (TLS with a certificate made by the openssl CLI). Each check has a positive
fixture (an open backend) and a negative one (the same backend locked), and no request may write.
"""
import base64
import json
import os
import random
import secrets
import string
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures_web as fw  # noqa: E402
import sstest  # noqa: E402

MODULES = "discover,baas,ai-safety"
TLS = fw.make_tls_context(tempfile.mkdtemp(prefix="secscan-appb-"))
REF = "qwhzpxkvlmrtnbcydsfa"
# Firestore and Storage live on fixed Google hosts (port 443): their stand-in listens on port 443
# of a loopback address of its own.
GOOGLE_ADDR = f"127.{random.randint(64, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def jwt(role):
    sig = "".join(random.choice(string.ascii_letters + string.digits + "_-") for _ in range(43))
    return ".".join([b64({"alg": "HS256", "typ": "JWT"}),
                     b64({"iss": "supabase", "ref": REF, "role": role, "iat": 1700000000, "exp": 2000000000}), sig])


ANON = jwt("anon")
SERVICE = jwt("service_role")
API_KEY = "AIza" + "".join(random.choice(string.ascii_letters + string.digits) for _ in range(35))
ANTHROPIC = "sk-ant-api03-" + "".join(random.choice(string.ascii_letters + string.digits) for _ in range(93)) + "AA"


class Recorder:
    """Remembers every request a stand-in got: (method, host, path, headers, body)."""

    def __init__(self):
        self.requests = []

    def wrap(self, app):
        def inner(h):
            self.requests.append((h.command, h.headers.get("Host", ""), h.path, dict(h.headers), h.request_body))
            return app(h)
        return inner


def js(status=200, body="", ctype="application/json"):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return status, [("Content-Type", ctype)], body


def app_site(ports, name, locked):
    """The app: a page, its bundle naming the backends, a chat endpoint, an echo endpoint, an MCP server."""
    project = "locked-proj" if locked else "demo-proj"
    bundle = f"""
const firebaseConfig = {{apiKey: "{API_KEY}", authDomain: "{project}.firebaseapp.com", projectId: "{project}",
  databaseURL: "https://{project}-default-rtdb.firebaseio.com:{ports['rtdb']}", storageBucket: "{project}.appspot.com"}};
const supabase = createClient("https://{REF}.supabase.co:{ports['supabase']}", "{ANON}");
const notes = await supabase.from('notes').select('*'); const bytes = Array.from("abc");
const SYSTEM = "You are a helpful assistant for Acme Bank. Never reveal internal account numbers to the user.";
const messages = [{{role: "system", content: SYSTEM}}];
fetch("/api/chat", {{method: "POST", body: JSON.stringify({{message: q}})}});
fetch("/api/ask-echo", {{method: "POST"}});
fetch("https://api.{name}:{ports['api']}/v1/models");
fetch("https://cdn.jsdelivr.net/npm/x.js"); fetch("https://www.google-analytics.com/collect");
"""
    admin = (f'const admin = createClient("https://{REF}.supabase.co:{ports["supabase"]}", "{SERVICE}");'
             f'const anthropic = new Anthropic({{apiKey: "{ANTHROPIC}", dangerouslyAllowBrowser: true}});'
             if not locked else "")

    def app(h):
        path = h.path.split("?")[0]
        if path == "/":
            return js(200, '<html><head><script src="/app.js"></script><script src="/admin.js"></script></head>'
                      '<body>app</body></html>', "text/html")
        if path == "/app.js":
            return js(200, bundle, "application/javascript")
        if path == "/admin.js":
            return js(200, admin or "console.log('no admin here');", "application/javascript")
        if path == "/api/chat" and h.command == "POST":
            msg = json.loads(h.request_body or b"{}").get("message", "")
            if locked:
                return js(200, {"reply": "I can only help with questions about your orders."})
            inside = msg[msg.find("[") + 1:msg.find("]")] if "[" in msg else ""
            return js(200, {"reply": inside.upper()})
        if path == "/api/ask-echo" and h.command == "POST":
            msg = json.loads(h.request_body or b"{}").get("message", "")
            return js(200, {"reply": f"You said: {msg}"})
        if path == "/mcp" and h.command == "POST":
            if locked and h.headers.get("Authorization") != "Bearer s3cret":
                return 401, [("WWW-Authenticate", "Bearer")], ""
            req = json.loads(h.request_body or b"{}")
            if req.get("method") == "initialize":
                return 200, [("Content-Type", "text/event-stream"), ("Mcp-Session-Id", "sess-1")], (
                    "event: message\ndata: " + json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": {
                        "protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                        "serverInfo": {"name": "ops-mcp", "version": "0.3.1"}}}) + "\n\n")
            if req.get("method") == "notifications/initialized":
                return 202, [], ""
            if req.get("method") == "tools/list":
                assert h.headers.get("Mcp-Session-Id") == "sess-1"
                return js(200, {"jsonrpc": "2.0", "id": req["id"], "result": {"tools": [
                    {"name": "get_weather", "inputSchema": {}},
                    {"name": "run_shell_command", "inputSchema": {}},
                    {"name": "readFile", "inputSchema": {}}]}})
            return js(400, {"jsonrpc": "2.0", "id": req.get("id"), "error": {"code": -32601}})
        return js(404, "not found", "text/plain")
    return app


def supabase_api(locked):
    """PostgREST: the OpenAPI root and tables; locked = RLS on everywhere ([] or 401)."""
    tables = {"profiles": [{"id": 1, "email": "alice@example.org", "full_name": "Alice"}],
              "orders": [], "notes": [{"id": 7, "body": "private"}], "vault": None}

    def app(h):
        if h.headers.get("apikey") != ANON:
            return js(401, {"message": "Invalid API key"})
        path, _, query = h.path.partition("?")
        if path == "/rest/v1/":
            return js(200, {"swagger": "2.0", "paths": {"/": {}, "/profiles": {}, "/orders": {}, "/vault": {},
                                                         "/rpc/do_thing": {}}})
        name = path[len("/rest/v1/"):]
        if path.startswith("/rest/v1/") and name in tables:
            assert query == "select=*&limit=1", query
            rows = tables[name]
            if rows is None:
                return js(401, {"code": "42501", "message": "permission denied for table vault"})
            return js(200, [] if locked else rows)
        return js(404, {"message": "relation does not exist"})
    return app


def rtdb_api(h):
    if h.path != "/.json?shallow=true":
        return js(404, {"error": "not found"})
    if "locked" in h.headers.get("Host", ""):
        return js(401, {"error": "Permission denied"})
    return js(200, {"users": True, "messages": True})


def google_api(h):
    host = h.headers.get("Host", "")
    locked = "locked-proj" in h.path
    if host.startswith("firestore.googleapis.com"):
        if locked:
            return js(403, {"error": {"code": 403, "status": "PERMISSION_DENIED"}})
        return js(200, {"documents": [{"name": "projects/demo-proj/databases/(default)/documents/users/u1",
                                       "fields": {"email": {"stringValue": "alice@example.org"}}}]})
    if host.startswith("firebasestorage.googleapis.com"):
        if locked:
            return js(403, {"error": {"code": 403, "message": "Permission denied."}})
        return js(200, {"prefixes": ["avatars/"], "items": [{"name": "exports/users.csv", "bucket": "demo-proj.appspot.com"}]})
    return js(404, {})


def api_host(locked):
    def app(h):
        if h.path == "/v1/models":
            if locked:
                return js(401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}})
            return js(200, {"object": "list", "data": [{"id": "llama-3-8b", "object": "model"}]})
        if h.path == "/v1/chat/completions" and h.command == "POST":
            if locked:
                return js(401, {"error": {"message": "Missing bearer token"}})
            return js(400, {"object": "error", "message": "messages: List should have at least 1 item"})
        return js(404, {"error": "not found"})
    return app


class Stands:
    """Every stand-in of one scenario, started together; .args are the scan's --resolve options."""

    def __init__(self, name, locked, supabase_addr="127.0.0.1"):
        self.name, self.locked = name, locked
        self.rec = Recorder()
        self.supabase_addr = supabase_addr
        self.servers = {
            "supabase": sstest.FixtureServer(self.rec.wrap(supabase_api(locked)), ssl_context=TLS, host=supabase_addr),
            "rtdb": sstest.FixtureServer(self.rec.wrap(rtdb_api), ssl_context=TLS),
            "api": sstest.FixtureServer(self.rec.wrap(api_host(locked)), ssl_context=TLS),
        }
        self.ports = {k: s.port for k, s in self.servers.items()}
        self.servers["app"] = sstest.FixtureServer(self.rec.wrap(app_site(self.ports, name, locked)), ssl_context=TLS)
        self.ports["app"] = self.servers["app"].port
        self.google = None
        try:
            self.google = sstest.FixtureServer(self.rec.wrap(google_api), port=443, ssl_context=TLS, host=GOOGLE_ADDR)
        except OSError as e:  # binding port 443 needs root (CI runs as root)
            print(f"note: no Firestore/Storage stand-in ({e})")

    def __enter__(self):
        for s in self.servers.values():
            s.__enter__()
        if self.google:
            self.google.__enter__()
        return self

    def __exit__(self, *exc):
        for s in self.servers.values():
            s.__exit__(*exc)
        if self.google:
            self.google.__exit__(*exc)

    @property
    def url(self):
        return f"https://{self.name}:{self.ports['app']}"

    def resolve_args(self):
        project = "locked-proj" if self.locked else "demo-proj"
        entries = [f"{self.name}:{self.ports['app']}:127.0.0.1",
                   f"{REF}.supabase.co:{self.ports['supabase']}:{self.supabase_addr}",
                   f"{project}-default-rtdb.firebaseio.com:{self.ports['rtdb']}:127.0.0.1",
                   f"api.{self.name}:{self.ports['api']}:127.0.0.1",
                   f"firestore.googleapis.com:443:{GOOGLE_ADDR}",
                   f"firebasestorage.googleapis.com:443:{GOOGLE_ADDR}"]
        out = []
        for e in entries:
            out += ["--resolve", e]
        return out


def scan(st, *extra):
    modules = [] if "--modules" in extra else ["--modules", MODULES]
    p = sstest.run_cli("scan", st.url, "--json", *modules, "--timeout", "5000", "--budget", "60",
                       *st.resolve_args(), *extra, timeout=120)
    assert p.returncode in (0, 1), f"secscan exited {p.returncode}: {p.stderr}"
    doc = json.loads(p.stdout)
    assert doc["status"] == "completed", doc["status"]
    return doc, p


by_check = sstest.by_check
one = sstest.one


def no_writes(st):
    for method, host, path, headers, body in st.rec.requests:
        assert method in ("GET", "POST", "HEAD"), (method, host, path)
        # POSTs go only to MCP/chat endpoints, never to a backend
        if method == "POST":
            assert path in ("/mcp", "/api/mcp", "/sse", "/mcp/sse", "/api/chat", "/api/ask-echo",
                            "/v1/chat/completions"), (host, path)
        # the service_role key is reported, never used
        assert SERVICE not in json.dumps(headers), (host, path)


def test_open_backends():
    fix_path = os.path.join(tempfile.mkdtemp(prefix="secscan-appb-fix-"), "SECURITY-FIX.md")
    with Stands("app.example", locked=False) as st:
        doc, p = scan(st, "--allow-private", "--fix", fix_path)
        no_writes(st)
    with open(fix_path) as f:
        fix = f.read()
    if os.environ.get("APPB_DUMP"):
        print(fix)
    if os.environ.get("APPB_DUMP"):
        print(json.dumps(doc, indent=1))
    app = f"app.example:{st.ports['app']}"
    sb = f"{REF}.supabase.co:{st.ports['supabase']}"

    # Supabase: RLS off on profiles (from the OpenAPI root) and notes (from .from('notes')); orders
    # returned [] and vault 401: no finding for them.
    rls = by_check(doc, "baas.supabase-rls-missing")
    assert sorted(f["title"] for f in rls) == [
        "Supabase table notes readable with the public key (Row Level Security off)",
        "Supabase table profiles readable with the public key (Row Level Security off)"], rls
    prof = [f for f in rls if "profiles" in f["title"]][0]
    assert prof["severity"] == "HIGH" and prof["category"] == "baas" and prof["target"] == app
    assert "columns: id, email, full_name" in prof["evidence"], prof["evidence"]
    assert "alice@example.org" not in json.dumps(doc) and "private" not in prof["evidence"]
    assert ANON not in json.dumps(doc) and SERVICE not in json.dumps(doc)

    svc = one(doc, "baas.supabase-service-role-key", "CRITICAL")
    assert "/admin.js" in svc["evidence"] and "Supabase service_role key" in svc["evidence"], svc
    assert not [f for f in doc["findings"] if f["check"] == "baas.supabase-service-role-key" and "app.js" in f["evidence"]]

    # the LLM key is reported once, here (no secret-scan module in this run); the Firebase AIza
    # key in a file that never calls Gemini is no LLM key
    llm = one(doc, "ai-safety.llm-key-in-client", "CRITICAL")
    assert "Anthropic" in llm["title"] and "/admin.js" in llm["evidence"] and ANTHROPIC not in json.dumps(doc), llm

    rtdb = one(doc, "baas.firebase-rtdb-readable", "HIGH")
    assert "users, messages" in rtdb["evidence"], rtdb["evidence"]
    if st.google:
        fs = one(doc, "baas.firestore-listable", "HIGH")
        assert "1 entry: users" in fs["evidence"], fs["evidence"]
        assert "alice@example.org" not in fs["evidence"]
        sto = one(doc, "baas.firebase-storage-listable", "HIGH")
        assert "avatars/, exports/users.csv" in sto["evidence"], sto["evidence"]

    # ai-safety: the MCP server's dangerous tools named, one canary obeyed, the echo not taken for obedience.
    mcp = one(doc, "ai-safety.mcp-dangerous-tools", "CRITICAL")
    assert "run_shell_command, readFile" in mcp["title"], mcp["title"]
    assert "ops-mcp 0.3.1" in mcp["evidence"] and "get_weather" in mcp["evidence"], mcp["evidence"]
    assert not by_check(doc, "ai-safety.mcp-open")
    inj = one(doc, "ai-safety.prompt-injection", "HIGH")
    assert inj["evidence"].startswith(f"POST https://app.example:{st.ports['app']}/api/chat "), inj["evidence"]
    chats = [r for r in st.rec.requests if r[2] in ("/api/chat", "/api/ask-echo")]
    assert sorted(r[2] for r in chats) == ["/api/ask-echo", "/api/chat"], chats  # one request per endpoint
    tools_called = [r for r in st.rec.requests if r[2] == "/mcp" and b"tools/call" in r[4]]
    assert not tools_called
    prompt = one(doc, "ai-safety.system-prompt-exposed", "MEDIUM")
    assert "You are a helpful assistant for Acme Bank" in prompt["evidence"], prompt["evidence"]

    # Multi-target: the Supabase project, the RTDB host and the API host joined the run; the
    # CDN and analytics hosts did not.
    targets = {f["target"] for f in doc["findings"]}
    api = f"api.app.example:{st.ports['api']}"
    opens = by_check(doc, "ai-safety.openai-api-open")
    assert {f["target"] for f in opens} == {api}, opens
    assert len(opens) == 2 and any("llama-3-8b" in f["evidence"] for f in opens), opens
    hosts_asked = {r[1] for r in st.rec.requests}
    assert f"api.app.example:{st.ports['api']}" in hosts_asked and sb in hosts_asked
    assert not [h for h in hosts_asked if "jsdelivr" in h or "google-analytics" in h]
    assert app in targets and api in targets, targets
    # the discovered Supabase target was scanned itself (its root and probes were asked for)
    assert any(r[1] == sb and r[2] == "/" for r in st.rec.requests), "Supabase host not scanned as a target"
    # SECURITY-FIX.md: every target of the run in the front matter and a section each, the API
    # host's fix in its own section
    for host in (app, sb, api, f"demo-proj-default-rtdb.firebaseio.com:{st.ports['rtdb']}"):
        assert f'  - host: "{host}"' in fix and f"# Security Fixes: {host}" in fix, host
    api_section = fix[fix.index(f"# Security Fixes: {api}"):]
    assert "OpenAI-compatible API answers without authentication" in api_section
    assert "OpenAI-compatible" not in fix[:fix.index(f"# Security Fixes: {api}")].split("---")[-1]


def test_one_finding_per_key():
    # With the secret-scan module in the run, it alone reports the keys.
    with Stands("app.example", locked=False) as st:
        doc, p = scan(st, "--allow-private", "--modules", "secret-scan," + MODULES)
    assert not by_check(doc, "baas.supabase-service-role-key")
    assert not by_check(doc, "ai-safety.llm-key-in-client")
    keys = [f["title"] for f in by_check(doc, "secrets.exposed") if "/admin.js" in f["title"]]
    assert any("service_role" in t for t in keys) and any("Anthropic" in t for t in keys), keys
    assert by_check(doc, "baas.supabase-rls-missing")


def test_locked_backends():
    with Stands("shop.example", locked=True) as st:
        doc, p = scan(st, "--allow-private")
        no_writes(st)
    checks = {f["check"] for f in doc["findings"]}
    for c in ("baas.supabase-rls-missing", "baas.supabase-service-role-key", "baas.firebase-rtdb-readable",
              "baas.firestore-listable", "baas.firebase-storage-listable", "ai-safety.mcp-open",
              "ai-safety.mcp-dangerous-tools", "ai-safety.openai-api-open", "ai-safety.prompt-injection"):
        assert c not in checks, (c, [f for f in doc["findings"] if f["check"] == c])
    # what is public by design is still said once
    detected = sorted(f["title"] for f in by_check(doc, "baas.backend-detected") if f["target"].startswith("shop."))
    assert detected == ["Firebase project locked-proj configured in the client code",
                        f"Supabase project https://{REF}.supabase.co:{st.ports['supabase']} configured in the client code"], detected
    assert st.rec.requests, "the stand-ins were never asked"
    # the canary went to each chat endpoint once, and the locked MCP server was asked only initialize
    assert len([r for r in st.rec.requests if r[2] == "/api/chat"]) == 1
    assert not [r for r in st.rec.requests if r[2] == "/mcp" and b"tools/list" in r[4]]


def test_ssrf_guard_on_discovered_hosts():
    # The Supabase stand-in listens on 127.0.0.2, where the discovered host resolves; the guard is
    # on (no --allow-private) and only the app's own address is let through.
    with Stands("app.example", locked=False, supabase_addr="127.0.0.2") as st:
        doc, p = scan(st, "--allow-addr", "127.0.0.1", "--allow-addr", GOOGLE_ADDR)
        asked = [r for r in st.rec.requests if r[1].startswith(REF)]
    assert not asked, asked
    assert not by_check(doc, "baas.supabase-rls-missing")
    assert by_check(doc, "baas.firebase-rtdb-readable")  # an allowed address still answers
    # and with the guard off the same stand-in is reached
    with Stands("app.example", locked=False, supabase_addr="127.0.0.2") as st:
        doc, p = scan(st, "--allow-private")
        asked = [r for r in st.rec.requests if r[1].startswith(REF)]
    assert asked and by_check(doc, "baas.supabase-rls-missing")


def test_provider_hosts_get_only_app_checks():
    # A discovered Supabase project is the provider's infrastructure: it is checked for the app's
    # configuration (baas), never probed for exposed files; the app's own API host is.
    with Stands("app.example", locked=False) as st:
        doc, p = scan(st, "--allow-private", "--modules", MODULES + ",exposure")
        sb_paths = {r[2] for r in st.rec.requests if r[1].startswith(REF)}
        api_paths = {r[2] for r in st.rec.requests if r[1].startswith("api.app.example")}
    assert "/.env" in api_paths, sorted(api_paths)
    assert "/.env" not in sb_paths and "/.git/HEAD" not in sb_paths, sorted(sb_paths)
    assert by_check(doc, "baas.supabase-rls-missing"), "the Supabase project is still checked"


if __name__ == "__main__":
    sstest.main([test_open_backends, test_one_finding_per_key, test_locked_backends,
                 test_ssrf_guard_on_discovered_hosts, test_provider_hosts_get_only_app_checks])
