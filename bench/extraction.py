#!/usr/bin/env python3
"""bench/extraction — how well and how fast Gazette extracts articles.

Runs gazette's extractor (through bench/extraction_driver.c, linked with the
project's libraries and built here under $BUILD/bench/) over:

  * the 181 pages of ../shared/extraction-benchmark/ (or $GZ_BENCH): body
    tokens scored exactly as that benchmark's README says (\\w+ tokens,
    4-token shingles, per-page tp/fp/fn normalised, precision over pages
    with output, recall over pages with truth, F1 of the two means), next
    to the published scores of other extractors read from the same README;
    time per page (median, p90) against libxml2's htmlReadMemory() alone on
    the same bytes with the same options, in the same process and run;
  * the labelled date pages in tests/fixtures/dates/ and the demo site's
    articles (bench/extraction-demo-dates.tsv): exact-day accuracy of the
    publication date.

A regression of more than 0.01 F1 against the last figure recorded in the
"Extraction" section of bench/RESULTS.md is printed as a warning.  With
--record, this run's figures are added to that section (other sections are
left as they are).  When the benchmark directory is absent the script says
so, still reports the date accuracy, and exits 0.

Usage: bench/extraction [--rounds N] [--record] [--show-misses]
Environment: BUILD (default build), CC, CXX, GZ_BENCH.
"""
import argparse
import collections
import datetime
import gzip
import json
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "RESULTS.md")
DATES_DIR = os.path.join(ROOT, "tests", "fixtures", "dates")
DEMO_DATES = os.path.join(ROOT, "bench", "extraction-demo-dates.tsv")
DEMO_ROOT = os.path.join(ROOT, "data", "site")
TOKEN = re.compile(r"\w+")
SECTION = "## Extraction"


def sh(cmd):
    """Run a shell command in the repository; its stdout, stripped."""
    return subprocess.run(cmd, shell=True, cwd=ROOT, check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def build_driver(build):
    """Build the project's libraries and the driver; the driver's path."""
    cc = os.environ.get("CC", "cc")
    cxx = os.environ.get("CXX", "g++")
    libs = [os.path.join(build, "libindexer.a"),
            os.path.join(build, "libgazette.a")]
    made = subprocess.run(["make", "-s", "-k", "BUILD=" + build] + libs,
                          cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if made.returncode != 0:
        # A module the extractor does not use may fail to build; archive
        # every object that did build and let the linker pick what it needs.
        objs = [os.path.join(d, f)
                for d in (os.path.join(build, "indexer"),
                          os.path.join(build, "lib"))
                if os.path.isdir(d)
                for f in sorted(os.listdir(d))
                if f.endswith(".o") and f != "main.o"]
        if not objs:
            sys.stderr.write(made.stderr)
            raise SystemExit("bench/extraction: the build failed")
        print("note: part of the tree did not build; linking the objects "
              "that did", file=sys.stderr)
        os.makedirs(os.path.join(build, "bench"), exist_ok=True)
        lib = os.path.join(build, "bench", "libbench.a")
        if os.path.exists(lib):
            os.remove(lib)
        subprocess.run(["ar", "rcs", lib] + objs, check=True)
        libs = [lib]
    pkgs = "libcurl libxml-2.0 libevent libevent_pthreads jansson inih zlib"
    cflags = sh("pkg-config --cflags " + pkgs)
    ldlibs = sh("pkg-config --libs " + pkgs) + " " + sh("xapian-config --libs")
    out = os.path.join(build, "bench")
    os.makedirs(out, exist_ok=True)
    obj = os.path.join(out, "extraction_driver.o")
    exe = os.path.join(out, "extraction_driver")
    src = os.path.join(ROOT, "bench", "extraction_driver.c")
    sh("%s -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude %s -c %s -o %s"
       % (cc, cflags, shlex.quote(src), shlex.quote(obj)))
    sh("%s %s %s -o %s %s -lpthread"
       % (cxx, shlex.quote(obj), " ".join(shlex.quote(x) for x in libs),
          shlex.quote(exe), ldlibs))
    return exe


def run_driver(exe, rows, rounds, now=0):
    """Run the driver over (id, path, url) rows; {id: result dict}."""
    manifest = "".join("%s\t%s\t%s\n" % (i, p, u or "-") for i, p, u in rows)
    cmd = [exe, "--rounds", str(rounds)]
    if now:
        cmd += ["--now", str(now)]
    res = subprocess.run(cmd, input=manifest, stdout=subprocess.PIPE,
                         text=True, cwd=ROOT)
    out = {}
    for line in res.stdout.splitlines():
        r = json.loads(line)
        out[r["id"]] = r
    return out


# ---------------------------------------------------------------- scoring
# The benchmark's own method, step by step as its README states it.

def shingles(text):
    """Multiset of 4-token shingles (one shorter shingle for 1-3 tokens)."""
    toks = TOKEN.findall(text or "")
    if not toks:
        return collections.Counter()
    if len(toks) < 4:
        return collections.Counter([tuple(toks)])
    return collections.Counter(tuple(toks[i:i + 4])
                               for i in range(len(toks) - 3))


def score(truth, output):
    """(F1, precision, recall, accuracy) of output {id: text} on truth."""
    ps, rs, exact = [], [], 0
    for key, body in truth.items():
        t = shingles(body)
        p = shingles(output.get(key) or "")
        tp = sum((t & p).values())
        fp = sum(p.values()) - tp
        fn = sum(t.values()) - tp
        s = tp + fp + fn
        if s:
            tp, fp, fn = tp / s, fp / s, fn / s
        if p:
            ps.append(tp / (tp + fp) if tp + fp else 0.0)
        if t:
            rs.append(tp / (tp + fn) if tp + fn else 0.0)
        exact += TOKEN.findall(body) == TOKEN.findall(output.get(key) or "")
    prec = sum(ps) / len(ps) if ps else 0.0
    rec = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return f1, prec, rec, exact / len(truth) if truth else 0.0


def published_table(readme):
    """[(name, F1, P, R)] from the README's table of published figures."""
    rows = []
    for line in open(readme, encoding="utf-8"):
        m = re.match(r"\|\s*([^|]+?)\s*\|\s*([01]\.\d+)\s*\|\s*([01]\.\d+)"
                     r"\s*\|\s*([01]\.\d+)\s*\|", line)
        if m:
            rows.append((m.group(1), float(m.group(2)), float(m.group(3)),
                         float(m.group(4))))
    return rows


def percentile(v, q):
    """The q-quantile of v (nearest rank)."""
    v = sorted(v)
    if not v:
        return 0.0
    k = max(0, min(len(v) - 1, int(round(q * (len(v) - 1)))))
    return v[k]


# ------------------------------------------------------------------ dates

def read_date_manifest(path, base):
    """(now, [(id, path, url, expected)]) from a date manifest."""
    now, rows = 0, []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#now "):
            now = int(line.split()[1])
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        rows.append((f[0], os.path.join(base, f[0]), f[1], f[2]))
    return now, rows


def date_accuracy(exe, manifest, base, show):
    """(right, stated, misses) over the pages of one date manifest."""
    now, rows = read_date_manifest(manifest, base)
    got = run_driver(exe, [(i, p, u) for i, p, u, _ in rows], 1, now)
    right, stated, misses = 0, 0, []
    for i, _, _, want in rows:
        day = (got.get(i, {}).get("published") or "")[:10] or "none"
        if want != "none":
            stated += 1
            right += day == want
        if day != want:
            misses.append((i, want, day))
    if show:
        for m in misses:
            print("    miss %-44s want %-10s got %s" % m)
    return right, stated, misses


# ---------------------------------------------------------------- results

def last_recorded_f1():
    """The F1 of the last run recorded under "## Extraction", or None."""
    if not os.path.exists(RESULTS):
        return None
    inside, last = False, None
    for line in open(RESULTS, encoding="utf-8"):
        if line.startswith("## "):
            inside = line.strip() == SECTION
            continue
        m = re.match(r"\|\s*\d{4}-\d\d-\d\d[^|]*\|\s*([01]\.\d+)\s*\|", line)
        if inside and m:
            last = float(m.group(1))
    return last


SECTION_HEAD = """## Extraction

Measured by `bench/extraction` (`--record` adds a row): body-token F1,
precision and recall on the 181 pages of the Scrapinghub/Zyte article
extraction benchmark, scored as its README says; median and p90 extraction
time per page and libxml2's median parse time of the same pages in the same
run (ratio = median extract / median parse); exact-day accuracy of the
publication date on tests/fixtures/dates/ and on the demo site.
Published F1 on the same pages: trafilatura 2.0 0.958, newspaper4k 0.949,
Readability.js 0.947, readability-lxml 0.922, goose3 0.896, html-text 0.665.

| date | F1 | P | R | extract median ms | p90 ms | parse median ms | ratio | dates (fixtures) | dates (demo) | machine |
|---|---|---|---|---|---|---|---|---|---|---|
"""


def record(row):
    """Append row to the Extraction section of RESULTS.md, creating it."""
    text = open(RESULTS, encoding="utf-8").read() if os.path.exists(RESULTS) \
        else "# Benchmark results\n\nOne section per benchmark; each " \
             "script edits only its own.\n\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if l.strip() == SECTION),
                 None)
    if start is None:
        if not text.endswith("\n\n"):
            text += "\n" if text.endswith("\n") else "\n\n"
        text += SECTION_HEAD + row + "\n"
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].startswith("## ")), len(lines))
        last = max(i for i in range(start, end)
                   if lines[i].startswith("|") or i == start)
        lines.insert(last + 1, row + "\n")
        text = "".join(lines)
    with open(RESULTS, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5,
                    help="timing rounds per page (median kept)")
    ap.add_argument("--record", action="store_true",
                    help="add this run to bench/RESULTS.md")
    ap.add_argument("--show-misses", action="store_true",
                    help="list date misses and the worst-scoring pages")
    args = ap.parse_args()
    build = os.path.abspath(os.environ.get("BUILD", os.path.join(ROOT,
                                                                 "build")))
    bench = os.environ.get("GZ_BENCH") or os.path.join(
        os.path.dirname(ROOT), "shared", "extraction-benchmark")
    exe = build_driver(build)

    # dates first: they need no third-party pages
    fx = date_accuracy(exe, os.path.join(DATES_DIR, "manifest.tsv"),
                       DATES_DIR, args.show_misses)
    demo = date_accuracy(exe, DEMO_DATES, DEMO_ROOT, args.show_misses)
    fx_s = "%d/%d = %.3f" % (fx[0], fx[1], fx[0] / fx[1] if fx[1] else 0)
    demo_s = "%d/%d = %.3f" % (demo[0], demo[1],
                               demo[0] / demo[1] if demo[1] else 0)
    print("date accuracy (exact day), labelled pages: %s" % fx_s)
    print("date accuracy (exact day), demo site:      %s" % demo_s)

    truth_path = os.path.join(bench, "ground-truth.json.gz")
    if not os.path.exists(truth_path):
        print("extraction benchmark not found at %s: body scores skipped"
              % bench)
        return 0
    truth = json.load(gzip.open(truth_path, "rt", encoding="utf-8"))
    rows = [(k, os.path.join(bench, "html", k + ".html.gz"), v.get("url"))
            for k, v in sorted(truth.items())]
    got = run_driver(exe, rows, args.rounds)
    output = {k: (r.get("text") or "") for k, r in got.items()}
    f1, p, r, acc = score({k: v["articleBody"] for k, v in truth.items()},
                          output)

    print()
    print("%-34s %6s %6s %6s" % ("extractor (181 pages)", "F1", "P", "R"))
    table = published_table(os.path.join(bench, "README.md"))
    mine = ("gazette (this run)", f1, p, r)
    for name, a, b, c in sorted(table + [mine], key=lambda t: -t[1]):
        mark = "  <--" if name == mine[0] else ""
        print("%-34s %6.3f %6.3f %6.3f%s" % (name, a, b, c, mark))
    print("exact-token accuracy: %.3f" % acc)

    te = [g["extract_s"] * 1e3 for g in got.values()]
    tpz = [g["parse_s"] * 1e3 for g in got.values()]
    per = [g["extract_s"] / g["parse_s"] for g in got.values()
           if g["parse_s"] > 0]
    med_e, p90_e = percentile(te, 0.5), percentile(te, 0.9)
    med_p = percentile(tpz, 0.5)
    ratio = med_e / med_p if med_p else 0.0
    print()
    print("time per page, median of %d rounds each:" % args.rounds)
    print("  extraction  median %.3f ms  p90 %.3f ms  total %.1f ms"
          % (med_e, p90_e, sum(te)))
    print("  libxml2 parse alone  median %.3f ms  p90 %.3f ms"
          % (med_p, percentile(tpz, 0.9)))
    print("  ratio extraction/parse: %.2f (median of medians; per page: "
          "median %.2f, p90 %.2f); target <= 2.00"
          % (ratio, percentile(per, 0.5), percentile(per, 0.9)))

    if args.show_misses:
        worst = []
        for k, v in truth.items():
            s = score({k: v["articleBody"]}, {k: output.get(k, "")})
            worst.append((s[0], k, v.get("url")))
        print()
        print("worst pages:")
        for s, k, u in sorted(worst)[:15]:
            print("  %.3f %s %s" % (s, k[:12], u))

    last = last_recorded_f1()
    if last is not None and f1 < last - 0.01:
        print("\nWARNING: F1 regression: %.3f now, %.3f last recorded in "
              "bench/RESULTS.md" % (f1, last))
    elif last is not None:
        print("\nlast recorded F1: %.3f (no regression)" % last)
    if f1 < 0.96:
        print("note: F1 below the 0.96 target")

    if args.record:
        machine = os.uname().machine + " " + sh("nproc") + " cpu"
        row = ("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.2f | %s | "
               "%s | %s |" % (datetime.date.today().isoformat(), f1, p, r,
                              med_e, p90_e, med_p, ratio, fx_s, demo_s,
                              machine))
        record(row)
        print("recorded in bench/RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
