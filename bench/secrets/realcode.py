#!/usr/bin/env python3
"""Precision on real code: secscan and secretlint on the installed code of popular npm packages
(bench/secrets/realcode/package.json, locked), which holds no leaked key of its authors, so that
every report is one to check by hand. Writes Markdown: what each run reported, by rule, and each
secscan report with its file and line (never the value) for that check.

usage: realcode.py --dir DIR --secscan BIN [--secretlint BIN] [--out FILE]

DIR holds node_modules/ (npm ci) and packages -> node_modules: secscan runs three ways, as a
repository scan meets vendored code (DIR, node_modules/ below it), on the same files as if they
were the project's own (packages, a link given on the command line: what is above a PATH given
does not count), and with every rule in every file (packages, --everywhere).
"""
import argparse
import collections
import json
import os
import re

from evaluate import run  # one core, exit on a tool's failure: (stdout, wall, cpu)


def secscan(binary, cwd, *args):
    out, wall, _ = run([binary, "secrets", "--json", *args], cwd)
    doc = json.loads(out)
    return doc["findings"], doc["stats"], wall


def secretlint(binary, cwd):
    with open(os.path.join(cwd, ".secretlintrc.json"), "w") as fh:
        json.dump({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]}, fh)
    out, wall, _ = run([binary, "--format", "unix", "--no-color", "packages/**/*"], cwd)
    rules = collections.Counter()
    for line in out.splitlines():
        m = re.match(r".+?:\d+:\d+: .*\[error/([^\]]+)\]", line)
        if m:
            rules[m.group(1)] += 1
    return rules, wall


def by_rule(counter):
    return ", ".join(f"{rule} {n}" for rule, n in counter.most_common()) or "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--secscan", required=True)
    ap.add_argument("--secretlint")
    ap.add_argument("--out")
    a = ap.parse_args()
    binary = os.path.abspath(a.secscan)
    rows, listed = [], []
    for label, args in (("secscan, as a repository scan meets them (node_modules/)", ["--exclude", "packages", "."]),
                        ("secscan, as the project's own code (packages/)", ["packages"]),
                        ("secscan --everywhere (packages/)", ["--everywhere", "packages"])):
        findings, stats, wall = secscan(binary, a.dir, *args)
        rows.append((label, stats["files"], stats["bytes"], wall, len(findings),
                     by_rule(collections.Counter(f["rule"] for f in findings))))
        listed.append((label, findings))
    if a.secretlint:
        rules, wall = secretlint(a.secretlint, a.dir)
        rows.append(("secretlint, recommended preset (packages/)", "", "", wall, sum(rules.values()), by_rule(rules)))

    out = ["| run | files | MB | seconds | reports | by rule |", "|---|---|---|---|---|---|"]
    for label, files, size, wall, n, rules in rows:
        mb = f"{size / 1e6:.0f}" if size != "" else ""
        out.append(f"| {label} | {files} | {mb} | {wall:.1f} | {n} | {rules} |")
    for label, findings in listed:
        out += ["", f"{label}: every report", ""]
        out += [f"- {f['rule']} {f['severity']} {f['location']}" for f in findings] or ["- none"]
    text = "\n".join(out) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
