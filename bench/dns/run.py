"""The dns module on local zones: Knot DNS (started here on a loopback port, the zones of
tests/integration/test_dns.py) and `secscan scan --modules dns --resolver`, timed with hyperfine.
Loopback only. usage: python3 bench/dns/run.py [RUNS]"""
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "lib"))
import sstest  # noqa: E402
import test_dns  # noqa: E402

runs = sys.argv[1] if len(sys.argv) > 1 else "30"
binary = os.path.join(ROOT, "build", "secscan")
with test_dns.Knot() as knot, sstest.FixtureServer(test_dns.site) as http:
    commands = []
    for domain in ("good.example", "bad.example"):
        commands.append(f"{binary} scan http://{domain}:{http.port} --allow-private --modules dns "
                        f"--resolver 127.0.0.1:{knot.port} --resolve {domain}:{http.port}:127.0.0.1 "
                        f"--resolve assets.{domain}:{http.port}:127.0.0.1 --fail-on CRITICAL")
    # the same command without the dns module: what the CLI costs by itself (start, recon)
    commands.append(commands[0].replace("--modules dns", "--modules network --ports 1"))
    print(subprocess.run(commands[1].split(), capture_output=True, text=True).stdout)
    subprocess.run(["hyperfine", "--warmup", "3", "--runs", runs, "-N", *commands], check=True)
