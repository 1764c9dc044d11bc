"""Bulk import (`gazette-indexer add` over trees, WARC files and JSON lines)
and `gazette-indexer compact`.

A directory tree with nested folders, non-HTML files, broken files and a
WARC file (warcinfo, request, responses, revisit, metadata, a non-HTML
response, a 404 and a truncated last record) goes in; exactly the articles
come out, each once, under the URLs asked for; a second run adds nothing
and skips extraction; a run stopped by SIGINT resumes to the exact count;
compact keeps every document while a searchd goes on answering.
"""

import gzip
import json
import os
import re
import signal
import subprocess
import time
import uuid

from conftest import Daemon, Hammer, binary, doc_count, run, wait_for_hit

EX_TEMPFAIL = 75


def article(title, marker, site="Import Test Daily"):
    """A small news article page carrying a unique marker word."""
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<title>%s</title><meta property="og:type" content="article">'
            '<meta property="og:site_name" content="%s">'
            '<meta property="article:published_time" content="2015-03-02T10:00:00Z">'
            '</head><body><article><h1>%s</h1>'
            '<p>The harbour council met on Monday to discuss %s and the new '
            'shipping route along the coast, the mayor said.</p>'
            '<p>Ministers from three cities agreed a plan for public digital '
            'services, trade and culture, and the summit closed late.</p>'
            '</article></body></html>\n' % (title, site, title, marker))


def id_terms(index):
    """The unique id terms (Q...) of the index: one per document."""
    res = run(["xapian-delve", "-a", "-1", str(index)], timeout=60)
    assert res.returncode == 0, res.stderr
    return sorted(t[1:] for t in res.stdout.split("\n") if t.startswith("Q"))


def warc_record(wtype, uri, block, content_type=None, extra=()):
    """One WARC/1.1 record as bytes (headers, block, trailing CRLFs)."""
    head = ["WARC/1.1", "WARC-Type: %s" % wtype,
            "WARC-Date: 2015-03-02T10:00:00Z",
            "WARC-Record-ID: <urn:uuid:%s>" % uuid.uuid4()]
    if uri:
        head.append("WARC-Target-URI: %s" % uri)
    if content_type:
        head.append("Content-Type: %s" % content_type)
    head += list(extra)
    head.append("Content-Length: %d" % len(block))
    return ("\r\n".join(head) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def http_response(body, status="200 OK", ctype="text/html; charset=utf-8"):
    return ("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
            % (status, ctype, len(body))).encode() + body


def write_warc(path):
    """A .warc.gz of every kind of record; returns the article URLs in it."""
    http = "application/http; msgtype=response"
    a1 = article("Harbour council plan", "warcmarkerone").encode()
    a2 = article("Coast road summit", "warcmarkertwo").encode()
    records = [
        warc_record("warcinfo", None, b"software: test\r\n", "application/warc-fields"),
        warc_record("request", "http://news.example/a1", b"GET /a1 HTTP/1.1\r\n\r\n",
                    "application/http; msgtype=request"),
        warc_record("response", "http://news.example/a1", http_response(a1), http),
        warc_record("revisit", "http://news.example/a1",
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n", http,
                    ["WARC-Profile: http://netpreserve.org/warc/1.1/revisit/"
                     "identical-payload-digest"]),
        warc_record("metadata", "http://news.example/a1", b"outlinks: none\r\n",
                    "application/warc-fields"),
        warc_record("response", "http://news.example/logo.png",
                    http_response(b"\x89PNG\r\n\x1a\n" + bytes(200), ctype="image/png"),
                    http),
        warc_record("response", "http://news.example/gone",
                    http_response(article("Gone", "warcmarkergone").encode(),
                                  status="404 Not Found"), http),
        warc_record("response", "http://news.example/a2", http_response(a2), http),
    ]
    truncated = warc_record("response", "http://news.example/a3",
                            http_response(article("Cut", "warcmarkercut").encode()),
                            http)
    with open(path, "wb") as f:
        for r in records:
            f.write(gzip.compress(r))
        f.write(gzip.compress(truncated[:len(truncated) // 2]))
    return ["http://news.example/a1", "http://news.example/a2"]


def build_tree(root):
    """Nested folders of articles, non-HTML and broken files, and a WARC.
    Returns (tree-relative article paths, WARC article URLs)."""
    files = {
        "index.html": article("Front story", "treemarkerfront"),
        "world/2015/03/harbour.html": article("Harbour story", "treemarkerharbour"),
        "world/2015/03/summit.htm": article("Summit story", "treemarkersummit"),
        "opinion/deep/er/still/noext": article("No extension", "treemarkernoext"),
        "opinion/with space.html": article("Spaced name", "treemarkerspace"),
    }
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
    junk = {
        "img/photo.jpg": b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8,
        "img/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(300),
        "static/site.css": b"body { color: black }\n",
        "notes.txt": b"<html> not really: a note, read as text, no article\n",
        "broken.html": bytes(range(256)) * 4,          # binary under an HTML name
        "world/half.html": b"<html><head><title>Half a p",  # cut short
        "data/blob": b"\x00\x01\x02 no extension, not HTML",
    }
    for rel, data in junk.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    os.makedirs(os.path.join(root, "warcs"))
    urls = write_warc(os.path.join(root, "warcs", "crawl-00001.warc.gz"))
    return sorted(files), urls


def summary(out):
    """The key=value summary line of a run, as a dict."""
    line = [l for l in out.splitlines() if l.startswith("files=")][-1]
    return dict(kv.split("=", 1) for kv in line.split())


def test_tree_and_warc_exactly_once_then_rerun_adds_nothing(tmp_path):
    root = tmp_path / "tree"
    rels, warc_urls = build_tree(str(root))
    index = tmp_path / "index"
    prefix = "http://archive.example/saved/"
    args = [binary("gazette-indexer"), "add", "--index", str(index),
            "--url-prefix", prefix, str(root)]
    t0 = time.monotonic()
    res = run(args, timeout=60)
    first = time.monotonic() - t0
    # The truncated WARC record is a failure: exit 1, named with its offset.
    assert res.returncode == 1, res.stdout + res.stderr
    assert re.search(r"crawl-00001\.warc\.gz.*(truncated|offset)", res.stderr), res.stderr
    s = summary(res.stdout)
    expected = sorted([prefix + r.replace(" ", "%20") for r in rels] + warc_urls)
    assert int(s["new"]) == len(expected), res.stdout + res.stderr
    assert int(s["failed"]) == 1, res.stdout + res.stderr
    # jpg, png, css by name; broken.html, blob by content; half.html and
    # notes.txt are no articles; WARC: warcinfo, request, revisit,
    # metadata, png, 404.
    assert int(s["skipped"]) >= 4 + 2 + 6, res.stdout + res.stderr
    assert doc_count(index) == len(expected)
    assert id_terms(index) == expected

    # Searchable, under the URL the prefix gave.
    res = run([binary("gazette"), "search", "--index", str(index), "--json",
               "treemarkerharbour"])
    assert res.returncode == 0, res.stdout + res.stderr
    hits = json.loads(res.stdout)["hits"]
    assert [h["url"] for h in hits] == [prefix + "world/2015/03/harbour.html"]
    res = run([binary("gazette"), "search", "--index", str(index), "--json",
               "warcmarkertwo"])
    assert [h["url"] for h in json.loads(res.stdout)["hits"]] == [warc_urls[1]]
    for gone in ("warcmarkergone", "warcmarkercut"):
        res = run([binary("gazette"), "search", "--index", str(index), gone])
        assert res.returncode == 1, (gone, res.stdout)

    # Again: nothing new, nothing extracted twice.
    t0 = time.monotonic()
    res = run(args, timeout=60)
    again = time.monotonic() - t0
    s2 = summary(res.stdout)
    assert int(s2["new"]) == 0 and int(s2["updated"]) == 0, res.stdout
    assert int(s2["unchanged"]) == len(expected), res.stdout
    assert doc_count(index) == len(expected)
    assert id_terms(index) == expected
    print("first=%.2fs again=%.2fs" % (first, again))


def test_plain_file_urls_and_stdin(tmp_path):
    page = tmp_path / "one.html"
    page.write_text(article("Plain file", "plainmarker"))
    index = tmp_path / "index"
    res = run([binary("gazette-indexer"), "add", "--index", str(index), str(page)])
    assert res.returncode == 0, res.stderr
    assert id_terms(index) == ["file://" + os.path.realpath(str(page))]
    res = subprocess.run([binary("gazette-indexer"), "add", "--index", str(index),
                          "--url", "http://stdin.example/x", "-"],
                         input=article("From stdin", "stdinmarker"),
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert "http://stdin.example/x" in id_terms(index)


CLIPPING = (
    "Harbour towns and river ports sign trade pact\r\n\r\n"
    "Source:Coastal Courier Published: 2014-3-9 08:15:00\r\n\r\n"
    "Mayors of six harbour towns and three river ports signed a trade pact on\r\n"
    "Sunday that lets their councils share customs offices, pilots and\r\n"
    "dredging crews for the next ten years, the cliptextmarker agreement.\r\n\r\n"
    "The mayors said the pact would cut the cost of keeping channels open in\r\n"
    "winter, when silt closes the smaller harbours for weeks, and that other\r\n"
    "towns along the coast had asked to join it.\r\n\r\n"
    "Posted in: Business\r\n")


def test_plain_text_articles(tmp_path):
    """A *.txt file is a plain-text article, headline first: added from a
    tree or by name, it is found with its source, date and section, and
    extract reads it the same way; a robots.txt in the tree is no article."""
    root = tmp_path / "clips"
    (root / "2014").mkdir(parents=True)
    (root / "2014" / "harbour-pact.txt").write_bytes(CLIPPING.encode())
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    index = tmp_path / "index"
    res = run([binary("gazette-indexer"), "add", "--index", str(index), str(root)])
    assert res.returncode == 0, res.stdout + res.stderr
    s = summary(res.stdout)
    assert (s["new"], s["skipped"]) == ("1", "1"), res.stdout + res.stderr
    res = run([binary("gazette"), "search", "--index", str(index), "--json",
               'source:"Coastal Courier" date:2014-03 cliptextmarker'])
    assert res.returncode == 0, res.stdout + res.stderr
    hit = json.loads(res.stdout)["hits"][0]
    assert hit["title"] == "Harbour towns and river ports sign trade pact"
    assert hit["published"].startswith("2014-03-09T08:15:00")
    assert hit["section"] == "Business"
    assert "<mark>cliptextmarker</mark>" in hit["snippet"]
    res = run([binary("gazette-indexer"), "extract", "--json",
               str(root / "2014" / "harbour-pact.txt")])
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    assert (got["kind"], got["source"]) == ("article", "Coastal Courier")
    assert "Posted in" not in got["text"]


def write_many(root, n):
    """n small articles in nested folders (20 per folder)."""
    for i in range(n):
        d = os.path.join(root, "f%03d" % (i // 20))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "p%05d.html" % i), "w", encoding="utf-8") as f:
            f.write(article("Story %d" % i, "bulk%05d" % i))


def test_sigint_stops_cleanly_and_rerun_completes(tmp_path):
    n = 3000
    root = tmp_path / "many"
    write_many(str(root), n)
    index = tmp_path / "index"
    args = [binary("gazette-indexer"), "add", "--index", str(index), "--batch", "100",
            "--jobs", "2", str(root)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 30
    count = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if (index / "iamglass").exists():
            count = doc_count(index)
            if count >= 200:
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    if proc.returncode == 0:
        # Finished before the signal landed (a very fast machine).
        assert doc_count(index) == n
        return
    assert proc.returncode == 128 + signal.SIGINT, (proc.returncode, err[-2000:])
    s = summary(out)
    done = doc_count(index)
    assert 0 < done < n
    assert done == int(s["new"]), (done, out)  # what it reported is committed
    res = run(args, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    s2 = summary(res.stdout)
    assert int(s2["new"]) == n - done, res.stdout
    assert int(s2["unchanged"]) == done, res.stdout
    assert doc_count(index) == n
    ids = id_terms(index)
    assert len(ids) == n and len(set(ids)) == n


def test_jsonl_records(tmp_path):
    lines = []
    for i in range(20):
        lines.append(json.dumps({
            "url": "http://jsonl.example/%d" % i, "title": "Record %d" % i,
            "source": "Wire", "language": "en", "published": "2014-05-06T07:08:09Z",
            "text": "The jsonlmarker%d council met on the harbour front." % i}))
    lines.insert(5, "{not json")
    src = tmp_path / "articles.jsonl"
    src.write_text("\n".join(lines) + "\n")
    index = tmp_path / "index"
    res = run([binary("gazette-indexer"), "add", "--index", str(index), "--jsonl",
               str(src)])
    assert res.returncode == 1, res.stdout + res.stderr  # the bad line
    assert "articles.jsonl:6" in res.stderr, res.stderr
    assert summary(res.stdout)["new"] == "20"
    res = run([binary("gazette"), "search", "--index", str(index), "--json",
               "jsonlmarker7"])
    hits = json.loads(res.stdout)["hits"]
    assert [h["url"] for h in hits] == ["http://jsonl.example/7"]


def test_compact_swaps_under_a_running_searchd(tmp_path):
    root = tmp_path / "docs"
    write_many(str(root), 300)
    index = tmp_path / "index"
    res = run([binary("gazette-indexer"), "add", "--index", str(index), str(root)])
    assert res.returncode == 0, res.stderr
    d = Daemon(tmp_path, index=index)
    try:
        with Hammer(d, {"q": "bulk00042"},
                    lambda r: "error" not in r and r["hits"]) as h:
            time.sleep(0.3)
            for generation in (1, 2):
                res = run([binary("gazette-indexer"), "compact", "--index",
                           str(index)], timeout=60)
                assert res.returncode == 0, res.stdout + res.stderr
                assert "generation=%d" % generation in res.stdout, res.stdout
                assert os.path.islink(index)
                assert os.readlink(index) == "index.d/%d" % generation
                assert sorted(os.listdir(str(index) + ".d")) == [str(generation)]
                assert doc_count(index) == 300
                time.sleep(0.3)
            # A write after the swap goes to the new generation, and searchd
            # sees it.
            extra = tmp_path / "extra.html"
            extra.write_text(article("After compaction", "aftercompactmarker"))
            res = run([binary("gazette-indexer"), "add", "--index", str(index),
                       str(extra)])
            assert res.returncode == 0, res.stderr
            assert wait_for_hit(d, "aftercompactmarker"), "not seen by searchd"
    finally:
        d.stop()
    assert h.answers > 10
    assert h.errors == [], h.errors[:3]
    res = run(["xapian-check", str(index)], timeout=60)
    assert res.returncode == 0, res.stdout[-1000:]
    assert doc_count(index) == 301


def test_compact_respects_the_writer_lock(tmp_path):
    index = tmp_path / "index"
    page = tmp_path / "p.html"
    page.write_text(article("Locked", "lockmarker"))
    holder = subprocess.Popen([binary("gazette-indexer"), "add", "--index", str(index),
                               str(page), "-"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if (index / "iamglass").exists() and doc_count(index) == 1:
                break
            time.sleep(0.05)
        res = run([binary("gazette-indexer"), "compact", "--index", str(index)],
                  timeout=30)
        assert res.returncode == EX_TEMPFAIL, res.stdout + res.stderr
        assert "locked" in res.stderr
        assert os.path.isdir(index) and not os.path.islink(index)
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert holder.returncode == 0
