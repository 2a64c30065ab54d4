#!/usr/bin/env python3
"""Runs secscan, ripgrep and secretlint on the corpus of gen_corpus.py, single core (taskset -c 0),
and writes MB/s, found/planted per format and decoy hits as Markdown.

usage: evaluate.py --corpus DIR --secscan BIN [--secretlint BIN] [--repeat N] [--out FILE]

The machine is shared and its timings vary from run to run, so each secscan and ripgrep measure
is repeated (--repeat, default 5) and the best and the median runs are reported; secretlint, 100
times slower, runs once.
"""
import argparse
import collections
import glob
import json
import os
import re
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "..", "rules", "secrets")


def run(cmd, cwd=None):
    """(stdout, wall seconds, cpu seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(["taskset", "-c", "0", *cmd], cwd=cwd, capture_output=True, text=True, errors="replace")
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr[:2000]}")
    return p.stdout, wall, cpu


def mbps(size, ms):
    return f"{size / 1e3 / max(ms, 1):.0f}"


def repeated(cmd, n, cwd=None, outputs=None):
    """(stdout, best wall, median wall, best cpu) over n runs; every run's stdout into outputs if given."""
    runs = [run(cmd, cwd) for _ in range(n)]
    if outputs is not None:
        outputs.extend(r[0] for r in runs)
    walls = sorted(r[1] for r in runs)
    return runs[-1][0], walls[0], walls[len(walls) // 2], min(r[2] for r in runs)


def rg_patterns(path):
    """The rules' patterns in ripgrep's syntax where expressible: lookarounds dropped (Rust's regex
    has none), rules with back-references or multi-line bodies left out. Returns (kept, left out)."""
    kept, left = [], []
    for f in sorted(glob.glob(os.path.join(RULES, "*.json"))):
        for r in json.load(open(f))["rules"]:
            p = r["pattern"]
            # a newline outside a negated class ([^\n]) spans lines, which ripgrep does not
            if re.search(r"\\[1-9]", p) or "[\\s\\S]" in p or re.search(r"(?<!\[\^)\\n", p):
                left.append(r["id"])
                continue
            p = re.sub(r"\(\?<?[!=](?:[^()]|\([^()]*\))*\)", "", p)  # one level of groups inside
            kept.append(p.replace("(?|", "(?:").replace("(?m:^)", "^").replace("(?m:$)", "$"))
    with open(path, "w") as fh:
        fh.write("\n".join(kept) + "\n")
    return kept, left


def lines_of(pairs):
    out = collections.defaultdict(set)
    for path, line in pairs:
        out[os.path.abspath(path)].add(int(line))
    return out


def parse_secscan(text):
    return lines_of(f["location"].rsplit(":", 2)[:2] for f in json.loads(text)["findings"])


def parse_rg(text):
    return lines_of(l.split(":", 2)[:2] for l in text.splitlines() if l.count(":") >= 2)


def parse_secretlint(text, cwd):
    pairs = []
    for l in text.splitlines():
        m = re.match(r"(.+?):(\d+):\d+: ", l)
        if m:
            pairs.append((os.path.join(cwd, m.group(1)), m.group(2)))
    return lines_of(pairs)


def score(reported, manifest):
    """found per rule, decoy hits, and reports on filler lines."""
    found = collections.Counter()
    decoys = 0
    covered = collections.defaultdict(set)
    for rec in manifest:
        lines = reported.get(os.path.abspath(rec["file"]), set())
        span = set(range(rec["start"], rec["end"] + 1))
        covered[os.path.abspath(rec["file"])] |= span
        if lines & span:
            if rec["kind"] == "planted":
                found[rec["rule"]] += 1
            else:
                decoys += 1
    other = sum(len(ls - covered[f]) for f, ls in reported.items())
    return found, decoys, other


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--secscan", required=True)
    ap.add_argument("--secretlint")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out")
    a = ap.parse_args()
    corpus = os.path.abspath(a.corpus)
    manifest = json.load(open(os.path.join(corpus, "manifest.json")))
    planted = collections.Counter(r["rule"] for r in manifest if r["kind"] == "planted")
    ndecoys = sum(r["kind"] == "decoy" for r in manifest)
    size = {d: sum(os.path.getsize(f) for f in glob.glob(os.path.join(corpus, d, "*"))) for d in ("clean", "planted")}

    results = {}  # tool -> {corpus: (best wall, median wall, best cpu)}, scores
    # secscan: the first run compiles and caches the rule database; measure warm runs
    run([a.secscan, "secrets", "/dev/null"])
    _, startup_wall, _, startup_cpu = repeated([a.secscan, "secrets", "/dev/null"], a.repeat)
    # how fast the machine is right now: its speed varies by a quarter between runs on a shared host
    clean_files = sorted(glob.glob(os.path.join(corpus, "clean", "*")))
    _, ref_wall, _, _ = repeated(["sha256sum", *clean_files], a.repeat)
    times = {}
    scan_ms = {}
    for d in ("clean", "planted"):
        outs = []
        out, *times[d] = repeated([a.secscan, "secrets", "--json", os.path.join(corpus, d)], a.repeat, outputs=outs)
        scan_ms[d] = sorted(json.loads(o)["stats"]["scan_ms"] for o in outs)
        if d == "planted":
            results["secscan"] = (times, score(parse_secscan(out), manifest))
    pats = os.path.join(corpus, "rg-patterns.txt")
    kept, left = rg_patterns(pats)
    times = {}
    for d in ("clean", "planted"):
        out, *times[d] = repeated(["rg", "--no-unicode", "-j", "1", "-n", "--no-heading", "--with-filename",
                                   "--regex-size-limit", "2G", "--dfa-size-limit", "2G", "-f", pats,
                                   os.path.join(corpus, d)], a.repeat)
        if d == "planted":
            results["ripgrep"] = (times, score(parse_rg(out), manifest))
    if a.secretlint:
        with open(os.path.join(corpus, ".secretlintrc.json"), "w") as fh:
            json.dump({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]}, fh)
        times = {}
        for d in ("clean", "planted"):
            out, *times[d] = repeated([a.secretlint, "--format", "unix", "--no-color", f"{d}/*.js"], 1, cwd=corpus)
            if d == "planted":
                results["secretlint"] = (times, score(parse_secretlint(out, corpus), manifest))

    tools = list(results)
    md = []
    md.append(f"Corpus: {size['planted'] / 1e6:.0f} MB JS-like text with {sum(planted.values())} planted keys "
              f"({len(planted)} formats) and {ndecoys} decoys; clean corpus {size['clean'] / 1e6:.0f} MB. "
              f"Single core (taskset -c 0). MB/s = corpus bytes / time of the whole run (start-up, reading "
              f"files and reporting included): the best and the median of {a.repeat} runs (secretlint: one "
              f"run); CPU = user + system time of the process, best run.\n")
    md.append(f"secscan start-up (rules loaded from the cached database, nothing scanned): "
              f"{startup_wall * 1e3:.0f} ms wall, {startup_cpu * 1e3:.0f} ms CPU (best of {a.repeat}); included "
              f"in its runs below. Its scan alone (stats.scan_ms of its JSON: walking, reading, matching, the "
              f"findings built; start-up excluded), best / median: clean {mbps(size['clean'], scan_ms['clean'][0])} / "
              f"{mbps(size['clean'], scan_ms['clean'][len(scan_ms['clean']) // 2])} MB/s, planted "
              f"{mbps(size['planted'], scan_ms['planted'][0])} / "
              f"{mbps(size['planted'], scan_ms['planted'][len(scan_ms['planted']) // 2])} MB/s. Host speed reference in the same run: sha256sum of the clean corpus at "
              f"{size['clean'] / 1e6 / ref_wall:.0f} MB/s (best of {a.repeat}).\n")
    md.append("| tool | clean MB/s (best) | clean MB/s (median) | clean MB/s (CPU) | planted MB/s (best) | planted MB/s (median) | planted MB/s (CPU) | found / planted | decoys reported | reports on filler lines |")
    md.append("|---|---|---|---|---|---|---|---|---|---|")
    for t in tools:
        times, (found, decoys, other) = results[t]
        row = [t]
        for d in ("clean", "planted"):
            row += [f"{size[d] / 1e6 / max(x, 1e-9):.0f}" for x in times[d]]
        row += [f"{sum(found.values())} / {sum(planted.values())}", f"{decoys} / {ndecoys}", str(other)]
        md.append("| " + " | ".join(row) + " |")
    md.append(f"\nripgrep ran {len(kept)} of the rules' patterns (lookarounds removed; left out: "
              f"{', '.join(left)}).\n")
    md.append("Found / planted per format:\n")
    md.append("| format (rule) | planted | " + " | ".join(tools) + " |")
    md.append("|---|---|" + "---|" * len(tools))
    for rule in sorted(planted):
        md.append(f"| {rule} | {planted[rule]} | " + " | ".join(str(results[t][1][0][rule]) for t in tools) + " |")
    text = "\n".join(md) + "\n"
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
