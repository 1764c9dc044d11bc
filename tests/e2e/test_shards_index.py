"""Sharded writing (docs/sharding.md): the demo site crawled with
[index] shard_by = year, month and host.  Each document lands in the shard
its date (or host) names, the stub file opens as one database with
xapian-delve and `gazette search --index`, a re-crawl that changes a page's
date moves its document, `shards` and `compact --shard` work, and a second
writer exits 75."""
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import (SEED_TITLE, SEED_URL_PATH, SITE, binary, doc_count, run,
                      write_config)
from siteserver import SiteServer

EX_TEMPFAIL = 75


@pytest.fixture(scope="module")
def site_copy(tmp_path_factory):
    """A private copy of the demo site (pages are edited), served on loopback."""
    root = tmp_path_factory.mktemp("shardsite") / "site"
    shutil.copytree(SITE, root)
    srv = SiteServer(str(root))
    srv.start()
    yield root, srv
    srv.stop()


def sharded_conf(tmp, srv, by, count=3, extra=""):
    """A demo config whose index is sharded by `by`; returns (conf, index)."""
    index = tmp / ("index-" + by)
    conf = write_config(tmp / ("%s.conf" % by), "127.0.0.1:%d" % srv.port, index,
                        extra=extra)
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("[index]\n", "[index]\nshard_by = %s\nshard_count = %d\n"
                        % (by, count), 1)
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    return conf, index


def crawl(conf):
    res = run([binary("gazette-indexer"), "crawl", "--config", conf], timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return res


def shards(conf):
    res = run([binary("gazette-indexer"), "shards", "--config", conf, "--json"])
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def term_count(index, term):
    """Documents indexed by term, as xapian-delve reports them."""
    out = run(["xapian-delve", "-t", term, str(index)], timeout=30).stdout
    for line in out.splitlines():
        if "termfreq" in line:
            return int(line.split("termfreq")[1].split()[0].strip(" =:;,"))
    return 0


def search(index, query):
    res = run([binary("gazette"), "search", "--index", str(index), "--json", query])
    assert res.returncode in (0, 1), res.stderr
    return json.loads(res.stdout)["hits"]


def counts(listing):
    return {s["name"]: s["documents"] for s in listing["shards"]}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("by", ["year", "month", "host"])
def test_crawl_into_shards(site_copy, tmp_path, by):
    root, srv = site_copy
    conf, index = sharded_conf(tmp_path, srv, by)
    crawl(conf)
    listing = shards(conf)
    assert listing["layout"] == by
    names = [s["name"] for s in listing["shards"]]
    assert names[0] == "meta" and listing["shards"][0]["documents"] == 0
    # The stub lists meta and every shard, and opens as one database.
    with open(os.path.join(index, "XAPIANDB")) as f:
        assert f.read().split("\n")[:-1] == ["auto " + n for n in names]
    total = doc_count(index)
    assert total == listing["documents"] > 20
    assert doc_count(os.path.join(index, "XAPIANDB")) == total
    per = counts(listing)
    if by in ("year", "month"):
        for name, n in per.items():
            if name in ("meta", "undated"):
                continue
            # Each shard holds exactly the documents of its year or month.
            pfx = "Y" + name if by == "year" else "M" + name.replace("-", "")
            assert n == term_count(index, pfx), name
            assert n == term_count(os.path.join(index, name), pfx), name
    else:
        # One host serves the demo site: one shard of three has it all.
        assert [n for n in per if n != "meta"] == [
            n for n in per if n.startswith("host-")]
        assert sum(per.values()) == total
    hits = search(index, "city diplomacy")
    assert hits and hits[0]["url"].endswith(SEED_URL_PATH)
    assert hits[0]["title"] == SEED_TITLE
    # A second crawl changes nothing.
    crawl(conf)
    assert counts(shards(conf)) == per


@pytest.mark.timeout(120)
def test_recrawl_moves_a_document_whose_date_changed(site_copy, tmp_path):
    root, srv = site_copy
    conf, index = sharded_conf(tmp_path, srv, "year", extra="revisit = 0\n")
    crawl(conf)
    before = counts(shards(conf))
    seed = root / SEED_URL_PATH.lstrip("/")
    text = seed.read_text(encoding="utf-8")
    assert "Published: 2013-7-16" in text
    try:
        seed.write_text(text.replace("Published: 2013-7-16", "Published: 2014-7-16"),
                        encoding="utf-8")
        # A newer mtime: the server's validators change, the page is re-read.
        t = time.time() + 5
        os.utime(seed, (t, t))
        res = crawl(conf)
        assert "updated=1" in res.stdout, res.stdout
        after = counts(shards(conf))
        assert after["2013"] == before["2013"] - 1
        assert after["2014"] == before["2014"] + 1
        assert doc_count(index) == sum(before.values())
        hits = search(index, "city diplomacy")
        assert hits[0]["url"].endswith(SEED_URL_PATH)
        assert hits[0]["published"].startswith("2014-07-16")
        # Exactly one copy, in the new year's shard.
        idterm = "Q" + hits[0]["url"]
        assert term_count(os.path.join(index, "2013"), idterm) == 0
        assert term_count(os.path.join(index, "2014"), idterm) == 1
    finally:
        seed.write_text(text, encoding="utf-8")


@pytest.mark.timeout(120)
def test_second_writer_exits_75_and_compact_one_shard(site_copy, tmp_path):
    root, srv = site_copy
    conf, index = sharded_conf(tmp_path, srv, "year")
    crawl(conf)
    per = counts(shards(conf))
    # `add -` holds the lock while it waits on its standard input.
    holder = subprocess.Popen([binary("gazette-indexer"), "add", "--config", conf,
                               "--url", "http://127.0.0.1/held.html", "-"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        # Give it time to open the index; it must still be waiting then.
        time.sleep(1.0)
        assert holder.poll() is None, holder.stderr.read()
        deadline = time.monotonic() + 10
        while True:
            res = run([binary("gazette-indexer"), "crawl", "--config", conf],
                      timeout=30)
            if res.returncode == EX_TEMPFAIL or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert res.returncode == EX_TEMPFAIL, res.stdout + res.stderr
        assert "locked" in res.stderr
        res = run([binary("gazette-indexer"), "compact", "--config", conf,
                   "--shard", "2013"], timeout=30)
        assert res.returncode == EX_TEMPFAIL, res.stderr
    finally:
        holder.communicate("", timeout=30)
    # Compacting one shard keeps its documents and the whole index readable.
    res = run([binary("gazette-indexer"), "compact", "--config", conf], timeout=30)
    assert res.returncode == 2 and "--shard" in res.stderr
    res = run([binary("gazette-indexer"), "compact", "--config", conf,
               "--shard", "2013"], timeout=60)
    assert res.returncode == 0, res.stderr
    assert os.path.islink(os.path.join(index, "2013"))
    assert counts(shards(conf)) == per
    assert doc_count(index) == sum(per.values())
    hits = search(index, "city diplomacy")
    assert hits[0]["url"].endswith(SEED_URL_PATH)
    res = run([binary("gazette-indexer"), "compact", "--config", conf,
               "--shard", "1999"], timeout=30)
    assert res.returncode == 2
