#!/usr/bin/env python3
"""Generates the secrets benchmark corpus: JS-like text with planted keys of every rule's format
and decoys (near misses that are no secret), plus a clean corpus with neither.

usage: gen_corpus.py OUTDIR [--mb 256] [--clean-mb 128] [--plants 5]
Writes OUTDIR/planted/*.js, OUTDIR/clean/*.js and OUTDIR/manifest.json (where each planted key
and each decoy is: file, line, rule). Deterministic for the same arguments.
"""
import argparse
import json
import os
import random
import string
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "fixtures", "secrets"))
import samples  # noqa: E402

FILE_MB = 8
WORDS = ("user data value items config state props render update fetch handle click event node list "
         "index result error message response request payload token session cache store module export "
         "default component effect memo ref context provider route path query param").split()


def ident(rng):
    return rng.choice(WORDS) + rng.choice(WORDS).capitalize() + (str(rng.randrange(100)) if rng.random() < .3 else "")


def hexs(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def words(rng, lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(lo, hi)))


# one kind of JS line each: function, string, call, comment, import, integrity hash, UUID, fetch,
# condition, data URI, class, ternary
LINE_KINDS = (
    lambda r, a, b, c: f"function {a}({b}, {c}) {{ return {b}.{c} + {r.randrange(10000)}; }}",
    lambda r, a, b, c: f'const {a} = "{words(r, 3, 12)}";',
    lambda r, a, b, c: f'{a}.{b}({c}, {{{b}: {r.randrange(1000)}, {c}: !0, key: "{r.choice(WORDS)}"}});',
    lambda r, a, b, c: f"// {words(r, 4, 14)}",
    lambda r, a, b, c: f'import {{ {a}, {b} }} from "./{c}-{hexs(r, 8)}.js";',
    lambda r, a, b, c: f'var {a} = {{integrity: "sha256-{hexs(r, 64)}", id: "{r.randrange(10**8)}"}};',
    lambda r, a, b, c: f'{a}[{r.randrange(100)}] = {{uuid: "{"-".join(hexs(r, n) for n in (8, 4, 4, 4, 12))}", name: "{b}"}};',
    lambda r, a, b, c: f'fetch("https://api.{r.choice(WORDS)}.test/v1/{b}?page={r.randrange(50)}").then(r => r.json());',
    lambda r, a, b, c: f"if ({a} && {a}.length > {r.randrange(64)}) {{ {b} = {a}.map(x => x * 2).filter(Boolean); }}",
    lambda r, a, b, c: f'{a}.src = "data:image/png;base64,{"".join(r.choice(string.ascii_letters + string.digits + "+/") for _ in range(r.randrange(60, 200)))}";',
    lambda r, a, b, c: f"export default class {a.capitalize()} extends {b.capitalize()} {{ constructor() {{ super(); this.{c} = null; }} }}",
    lambda r, a, b, c: f"{a} = {b} ? {c} : {r.choice(['undefined', 'null'])}; {b}++;",
)


def js_line(rng):
    return rng.choice(LINE_KINDS)(rng, ident(rng), ident(rng), ident(rng))


def line_pool(rng, n=20000):
    return [js_line(rng) for _ in range(n)]


def write_corpus(path_dir, total_mb, rng, pool, inserts):
    """Writes total_mb of filler in files of FILE_MB; inserts: (text, record) spread over them at
    random lines. Returns the records completed with file, line (of the value), start and end."""
    os.makedirs(path_dir, exist_ok=True)
    nfiles = max(1, total_mb // FILE_MB)
    per_file = [[] for _ in range(nfiles)]
    for item in inserts:
        per_file[rng.randrange(nfiles)].append(item)
    records = []
    for i in range(nfiles):
        name = os.path.join(path_dir, f"bundle-{i:03d}.js")
        # filler lines until the size is reached, inserts at random places among them
        lines, size = [], 0
        while size < FILE_MB * 1024 * 1024:
            lines.append(rng.choice(pool))
            size += len(lines[-1]) + 1
        for text, rec in per_file[i]:
            lines.insert(rng.randrange(len(lines) + 1), (text, rec))
        line_no = 1
        for k, item in enumerate(lines):
            if isinstance(item, tuple):
                text, rec = item
                rec.update(file=name, line=line_no + rec.pop("value_prefix_lines", 0), start=line_no,
                           end=line_no + text.count("\n"))
                records.append(rec)
                lines[k] = text
            line_no += lines[k].count("\n") + 1
        with open(name, "w") as f:
            f.write("\n".join(lines))
            f.write("\n")
    return records


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--mb", type=int, default=256)
    ap.add_argument("--clean-mb", type=int, default=128)
    ap.add_argument("--plants", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(20261129)
    pool = line_pool(rng)
    inserts = []
    for rid in sorted(samples.SHAPES):
        for _ in range(args.plants):
            text, value = samples.positive(rid, rng)
            inserts.append((text, {"kind": "planted", "rule": rid, "value_prefix_lines": text[:text.index(value)].count("\n")}))
        for d in samples.decoys(rid, rng):
            inserts.append((d, {"kind": "decoy", "rule": rid}))
    records = write_corpus(os.path.join(args.outdir, "planted"), args.mb, rng, pool, inserts)
    write_corpus(os.path.join(args.outdir, "clean"), args.clean_mb, rng, pool, [])
    with open(os.path.join(args.outdir, "manifest.json"), "w") as f:
        json.dump(records, f)
    print(f"{sum(r['kind'] == 'planted' for r in records)} planted, {sum(r['kind'] == 'decoy' for r in records)} decoys")


if __name__ == "__main__":
    main()
