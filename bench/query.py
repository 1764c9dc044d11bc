#!/usr/bin/python3
"""bench/query.py — query speed of gazette-searchd, against the same queries
run in process (bench/query_inproc.c) and against Sphinx's searchd on the
same documents.  A benchmark, not a test.

  bench/query.py [--n 10000] [--rounds 20] [--seconds 5] [--work DIR]
                 [--no-sphinx] [--build DIR] [--bindir DIR]
                 [--baseline-build DIR --baseline-bindir DIR] [--floor]

With --baseline-*, a second build (e.g. of the commit before a change,
made with `make BUILD=DIR BINDIR=DIR`) is measured in the same run, its
rows marked "before", so that before and after share the machine's mood.

Documents: /work/shared/corpus (../shared/corpus from the repository) via
its make_corpus.py when present, indexed through `gazette-indexer add`;
otherwise a generator of our own.  Sphinx gets the same articles'
pre-extracted text (title, body, source, date) through xmlpipe2.

With --floor, the same clients also drive bench/query_floor.c's server:
Xapian's matcher behind the cheapest socket server (one thread per core,
each with its own database, running its connections' requests to
completion; the best ten docids by relevance per request; no facets,
date order, collapse, snippets or hits), once replying with
the ids alone and once also reading each hit's stored record.  What a
search service can answer these clients with on this machine is below
those rows.  The
script may `apt-get install -y sphinxsearch python3-pymysql` when missing.

Prints a Markdown table; figures go to bench/RESULTS.md by hand."""

import argparse
import html
import json
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import time

import benchlib
from benchlib import pct  # noqa: F401 (bench/shards uses query.pct)

ROOT = benchlib.ROOT

WORDS = ["oil", "bank", "market", "shares", "profit", "government", "election",
         "film", "music", "football", "dollar", "trade", "tax", "economy",
         "prices", "growth", "minister", "company", "china", "japan"]
PAIRS = ["oil prices", "interest rates", "trade deficit", "stock market",
         "central bank", "record label", "world cup", "labour party",
         "crude oil", "mobile phone"]
PHRASES = ['"interest rates"', '"stock exchange"', '"prime minister"',
           '"chief executive"', '"oil prices"', '"trade surplus"']
FILTER_WORDS = ["oil", "bank", "profit", "dollar", "trade"]
DATE_WORDS = ["oil", "market", "election", "film", "bank"]
FACET_WORDS = ["oil", "music", "government", "shares", "tax"]
SORT_WORDS = ["bank", "prices", "football", "minister", "growth"]


def queries(sources):
    """The fixed query set: (gazette request, Sphinx SphinxQL) pairs."""
    src = sources[0] if sources else "Reuters"
    out = []
    for w in WORDS + PAIRS + PHRASES:
        out.append(({"q": w}, "SELECT id FROM gz WHERE MATCH(%s) LIMIT 10" % sq(w)))
    for w in FILTER_WORDS:
        out.append(({"q": 'source:"%s" %s' % (src, w)},
                    "SELECT id FROM gz WHERE MATCH(%s) AND source_id=%d LIMIT 10"
                    % (sq(w), sources.index(src) + 1 if sources else 1)))
    for i, w in enumerate(DATE_WORDS):
        lo, hi = ("1987-03", "1987-04") if i % 2 == 0 else ("2004", "2005")
        out.append(({"q": w, "from": lo, "to": hi},
                    "SELECT id FROM gz WHERE MATCH(%s) AND published BETWEEN %d AND %d "
                    "LIMIT 10" % (sq(w), epoch(lo, False), epoch(hi, True))))
    for w in FACET_WORDS:
        out.append(({"q": w, "facets": ["source", "month"]},
                    "SELECT id FROM gz WHERE MATCH(%s) LIMIT 10 FACET source_id "
                    "FACET month" % sq(w)))
    for w in SORT_WORDS:
        out.append(({"q": w, "sort": "-date"},
                    "SELECT id FROM gz WHERE MATCH(%s) ORDER BY published DESC "
                    "LIMIT 10" % sq(w)))
    return out


def sq(text):
    """A SphinxQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def epoch(date, end):
    """Unix time of the start (or end) of YYYY or YYYY-MM, UTC."""
    import calendar
    y = int(date[:4])
    m = int(date[5:7]) if len(date) > 4 else (12 if end else 1)
    if not end:
        return calendar.timegm((y, m, 1, 0, 0, 0))
    d = calendar.monthrange(y, m)[1]
    return calendar.timegm((y, m, d, 23, 59, 59))


def read_sources(tsv):
    """The outlets of docs.tsv, in order of first appearance."""
    sources = []
    with open(tsv) as f:
        for line in f:
            s = line.split("\t")[5]
            if s not in sources:
                sources.append(s)
    return sources


def requests(sources, snippet=True):
    """The query set as searchd requests, 10 hits each."""
    reqs = [dict(r, limit=10) for r, _ in queries(sources)]
    return reqs if snippet else [dict(r, snippet=0) for r in reqs]


def request_lines(reqs):
    """Requests as the lines a client sends."""
    return [json.dumps(r).encode() + b"\n" for r in reqs]


# ------------------------------------------------------------ documents

def make_docs(n, work):
    """HTML pages and docs.tsv for n articles; returns (html dir, tsv path)."""
    out = os.path.join(work, "corpus")
    tsv = os.path.join(out, "docs.tsv")
    if os.path.exists(tsv):
        return os.path.join(out, "html"), tsv
    if benchlib.generate_corpus(out, n):
        return os.path.join(out, "html"), tsv
    # Our own generator: sentences from a small vocabulary.
    rnd = random.Random(7)
    vocab = WORDS + [w for p in PAIRS for w in p.split()] + [
        "said", "year", "week", "officials", "report", "new", "city", "people"]
    os.makedirs(os.path.join(out, "html"), exist_ok=True)
    with open(tsv, "w") as t:
        for i in range(1, n + 1):
            src = rnd.choice(["Reuters", "BBC News", "Global Wire"])
            ts = rnd.randrange(536457600, 1167609600)
            title = " ".join(rnd.choice(vocab) for _ in range(6)).capitalize()
            body = ". ".join(" ".join(rnd.choice(vocab) for _ in range(12))
                             for _ in range(15)) + "."
            iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
            rel = "html/%d.html" % i
            url = "http://bench.example/%d.html" % i
            with open(os.path.join(out, rel), "w") as f:
                f.write('<html><head><meta property="og:type" content="article">'
                        '<meta property="og:title" content="%s">'
                        '<meta property="og:site_name" content="%s">'
                        '<meta property="og:url" content="%s">'
                        '<meta property="article:published_time" content="%s">'
                        '</head><body><article><h1>%s</h1><p>%s</p></article>'
                        '</body></html>' % (html.escape(title), src, url, iso,
                                            html.escape(title), html.escape(body)))
            t.write("\t".join([str(i), url, rel, str(ts), iso, src, title, body]) + "\n")
    return os.path.join(out, "html"), tsv


def build_gazette_index(bindir, html_dir, index):
    if os.path.exists(index):
        return
    files = []
    for d, _, names in os.walk(html_dir):
        files += [os.path.join(d, f) for f in names if f.endswith(".html")]
    files.sort()
    t0 = time.monotonic()
    for i in range(0, len(files), 1000):
        subprocess.run([os.path.join(bindir, "gazette-indexer"), "add",
                        "--index", index] + files[i:i + 1000], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print("gazette index: %d files in %.1f s" % (len(files), time.monotonic() - t0),
          file=sys.stderr)


# ------------------------------------------------------------ gazette clients

def gz_connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s, s.makefile("rb")


def gz_one(sock, rfile, line):
    sock.sendall(line)
    reply = rfile.readline()
    if b'"error"' in reply[:40]:
        raise RuntimeError(reply[:200])


def gz_latency(port, lines, rounds):
    s, r = gz_connect(port)
    for line in lines:  # warm up
        gz_one(s, r, line)
    lat = []
    for _ in range(rounds):
        for line in lines:
            t0 = time.perf_counter()
            gz_one(s, r, line)
            lat.append((time.perf_counter() - t0) * 1000)
    s.close()
    return lat


def gz_worker(args):
    port, lines, seconds, seed = args
    s, r = gz_connect(port)
    order = list(lines)
    random.Random(seed).shuffle(order)
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        gz_one(s, r, order[n % len(order)])
        n += 1
    s.close()
    return n


# ------------------------------------------------------------ sphinx

def sphinx_ready():
    try:
        import pymysql  # noqa: F401
        return shutil.which("searchd") and shutil.which("indexer")
    except ImportError:
        return False


def sphinx_install():
    if sphinx_ready():
        return True
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "sphinxsearch",
                           "python3-pymysql"],
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return sphinx_ready()


def sphinx_setup(tsv, work, sources):
    """Write xmlpipe2 and a config, index, start searchd; returns (conf, port)."""
    d = os.path.join(work, "sphinx")
    os.makedirs(d, exist_ok=True)
    xml = os.path.join(d, "docs.xml")
    bad = dict.fromkeys(range(32))
    bad.pop(9), bad.pop(10)
    with open(xml, "w") as out, open(tsv) as f:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<sphinx:docset>\n'
                  '<sphinx:schema><sphinx:field name="title"/><sphinx:field name="body"/>'
                  '<sphinx:attr name="published" type="timestamp"/>'
                  '<sphinx:attr name="source_id" type="int"/>'
                  '<sphinx:attr name="month" type="int"/></sphinx:schema>\n')
        for line in f:
            p = line.rstrip("\n").split("\t")
            ts = int(p[3])
            month = int(time.strftime("%Y%m", time.gmtime(ts)))
            sid = sources.index(p[5]) + 1 if p[5] in sources else 0
            out.write('<sphinx:document id="%s"><title>%s</title><body>%s</body>'
                      '<published>%d</published><source_id>%d</source_id>'
                      '<month>%d</month></sphinx:document>\n' % (
                          p[0], html.escape(p[6].translate(bad)),
                          html.escape(p[7].translate(bad)), ts, sid, month))
        out.write("</sphinx:docset>\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = os.path.join(d, "sphinx.conf")
    with open(conf, "w") as f:
        f.write("""source src
{
	type = xmlpipe2
	xmlpipe_command = cat %(xml)s
}

index gz
{
	source = src
	path = %(d)s/gz
	morphology = stem_en
	min_word_len = 1
}

indexer
{
	mem_limit = 256M
}

searchd
{
	listen = 127.0.0.1:%(port)d:mysql41
	log = %(d)s/searchd.log
	pid_file = %(d)s/searchd.pid
	workers = threads
	max_children = 64
	binlog_path =
}
""" % {"xml": xml, "d": d, "port": port})
    subprocess.run(["indexer", "--config", conf, "--all", "--quiet"], check=True)
    subprocess.run(["searchd", "--config", conf], check=True,
                   stdout=subprocess.DEVNULL)
    time.sleep(1)
    return conf, port


def sx_run(cur, sql):
    cur.execute(sql)
    cur.fetchall()
    while cur.nextset():
        cur.fetchall()


def sx_connect(port):
    import pymysql
    return pymysql.connect(host="127.0.0.1", port=port, user="",
                           autocommit=True).cursor()


def sx_latency(port, sqls, rounds):
    cur = sx_connect(port)
    for q in sqls:
        sx_run(cur, q)
    lat = []
    for _ in range(rounds):
        for q in sqls:
            t0 = time.perf_counter()
            sx_run(cur, q)
            lat.append((time.perf_counter() - t0) * 1000)
    return lat


def sx_worker(args):
    port, sqls, seconds, seed = args
    cur = sx_connect(port)
    order = list(sqls)
    random.Random(seed).shuffle(order)
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        sx_run(cur, order[n % len(order)])
        n += 1
    return n


def floor_server(tool, index, tmp, data):
    """Start `query_floor INDEX --serve` (with --data when data) as
    benchlib.port_server does."""
    return benchlib.port_server(
        [tool, index, "--serve", os.path.join(tmp, "floor-port")]
        + (["--data"] if data else []), os.path.join(tmp, "floor-port"))


def throughput(fn, port, items, clients, seconds):
    with multiprocessing.Pool(clients) as pool:
        counts = pool.map(fn, [(port, items, seconds, i) for i in range(clients)])
    return sum(counts) / seconds


# ------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--work", default="/tmp/gazette-bench")
    ap.add_argument("--build", default="/tmp/gazette-bench/build")
    ap.add_argument("--bindir", default="/tmp/gazette-bench/bin")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-sphinx", action="store_true")
    ap.add_argument("--baseline-build")
    ap.add_argument("--baseline-bindir")
    ap.add_argument("--floor", action="store_true")
    a = ap.parse_args()
    work = os.path.join(a.work, str(a.n))
    os.makedirs(work, exist_ok=True)
    index = os.path.join(work, "gazette-index")
    targets = [os.path.join(a.bindir, "gazette-searchd"),
               os.path.join(a.build, "libgazette.a")]
    if not os.path.exists(index):
        targets.append(os.path.join(a.bindir, "gazette-indexer"))
    subprocess.run(["make", "-s", "-C", ROOT, "BUILD=" + a.build,
                    "BINDIR=" + a.bindir] + targets, check=True)
    builds = [("", a.build, a.bindir)]
    if a.baseline_build and a.baseline_bindir:
        builds.insert(0, ("before: ", a.baseline_build, a.baseline_bindir))
    for _, build, _ in builds:
        benchlib.build_tool(build, "query_inproc")

    html_dir, tsv = make_docs(a.n, work)
    sources = read_sources(tsv)
    build_gazette_index(a.bindir, html_dir, index)
    qs = queries(sources)
    assert len(qs) >= 50
    variants = [("gazette (snippets)", requests(sources)),
                ("gazette (no snippets)", requests(sources, snippet=False))]
    rows = []
    tmp = os.path.join(work, "run")
    os.makedirs(tmp, exist_ok=True)
    # Variant by variant, each build in turn, so that neither build gets
    # the quieter minutes of the run.
    for name, reqs in variants:
        jsonl = os.path.join(tmp, "queries.jsonl")
        with open(jsonl, "w") as f:
            f.write("".join(json.dumps(r) + "\n" for r in reqs))
        lines = request_lines(reqs)
        for label, build, bindir in builds:
            inproc = os.path.join(build, "bench", "query_inproc")
            with benchlib.searchd(bindir, index, tmp, a.workers) as port:
                ip = json.loads(subprocess.run(
                    [inproc, index, jsonl, str(a.rounds)], capture_output=True,
                    text=True, check=True).stdout.splitlines()[-1])
                lat = gz_latency(port, lines, a.rounds)
                t2 = throughput(gz_worker, port, lines, 2, a.seconds)
                t16 = throughput(gz_worker, port, lines, 16, a.seconds)
                rows.append((label + name, pct(lat, 50), pct(lat, 99), t2, t16, ip))
    if a.floor:
        tool = benchlib.build_tool(a.build, "query_floor")
        lines = request_lines(requests(sources))
        for name, data in (("Xapian floor, socket (ids)", False),
                           ("Xapian floor, socket (ids + records)", True)):
            with floor_server(tool, index, tmp, data) as port:
                lat = gz_latency(port, lines, a.rounds)
                t2 = throughput(gz_worker, port, lines, 2, a.seconds)
                t16 = throughput(gz_worker, port, lines, 16, a.seconds)
                rows.append((name, pct(lat, 50), pct(lat, 99), t2, t16, None))
    if not a.no_sphinx and sphinx_install():
        conf, sport = sphinx_setup(tsv, work, sources)
        try:
            sqls = [s for _, s in qs]
            lat = sx_latency(sport, sqls, a.rounds)
            t2 = throughput(sx_worker, sport, sqls, 2, a.seconds)
            t16 = throughput(sx_worker, sport, sqls, 16, a.seconds)
            rows.append(("Sphinx 2.2 searchd (SphinxQL)", pct(lat, 50), pct(lat, 99),
                         t2, t16, None))
        finally:
            subprocess.run(["searchd", "--config", conf, "--stopwait"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print("\n%d articles, %d queries x %d rounds, %d searchd workers, %s"
          % (a.n, len(qs), a.rounds, a.workers, time.strftime("%Y-%m-%d")))
    print("\n| server | p50 ms | p99 ms | q/s, 2 clients | q/s, 16 clients | "
          "in-process p50 / p99 ms | overhead at p50 |")
    print("|---|---|---|---|---|---|---|")
    for name, p50, p99, t2, t16, ip in rows:
        extra = "| %.3f / %.3f | %+.0f%% |" % (
            ip["p50_ms"], ip["p99_ms"], (p50 / ip["p50_ms"] - 1) * 100) if ip else "| – | – |"
        print("| %s | %.3f | %.3f | %.0f | %.0f %s" % (name, p50, p99, t2, t16, extra))


if __name__ == "__main__":
    main()
