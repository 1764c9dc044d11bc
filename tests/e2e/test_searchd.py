"""gazette-searchd end to end: a real daemon on an ephemeral loopback port
over the fixture index (fixtureindex.py): every query form, facets,
collapse, sort, paging, snippets, more-like-this, spelling, stats, every
bound and error code, hostile input, the indexer committing while queries
run, SIGTERM under load, SIGHUP, the HTTP front and the query log."""

import json
import os
import re
import signal
import socket
import stat
import struct
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import Daemon, binary, index_jsonl, read_line, run
import fixtureindex

pytestmark = pytest.mark.timeout(60)

SLUG_OF = {a[0]: slug for slug, a in fixtureindex.ARTICLES.items()}


class Lines:
    """Reads reply lines from a socket, keeping what follows each line."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def line(self, limit=1 << 22):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                out, self.buf = self.buf, b""
                return out
            self.buf += chunk
            assert len(self.buf) < limit
        out, _, self.buf = self.buf.partition(b"\n")
        return out + b"\n"

    def json(self):
        return json.loads(self.line())


def slugs(reply):
    """The fixture slugs of a reply's hits, in order."""
    assert "error" not in reply, reply
    return [SLUG_OF[h["url"]] for h in reply["hits"]]


def write_conf(tmp, index, extra=""):
    path = os.path.join(str(tmp), "searchd.conf")
    with open(path, "w") as f:
        f.write("[index]\npath = %s\n\n[searchd]\nworkers = 2\n%s" % (index, extra))
    return path


class HttpDaemon(Daemon):
    """A Daemon with its HTTP front and query log switched on."""

    def __init__(self, tmp, config, extra=()):
        self.http_port_file = os.path.join(str(tmp), "http-%d.port" % id(self))
        self.query_log = os.path.join(str(tmp), "queries-%d.log" % id(self))
        super().__init__(tmp, config=config, extra=[
            "--http-listen", "127.0.0.1:0", "--http-port-file",
            self.http_port_file, "--query-log", self.query_log] + list(extra))
        with open(self.http_port_file) as f:
            self.http_port = int(f.read())

    def http(self, path, timeout=10):
        """GET path; returns (status, headers, body bytes)."""
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (
                    self.http_port, path), timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def pipeline(self, lines, timeout=20):
        """Send many request lines on one connection; read one reply each."""
        with self.connect(timeout) as s:
            s.sendall(b"".join((json.dumps(l) if isinstance(l, dict) else l)
                               .encode() + b"\n" for l in lines))
            s.shutdown(socket.SHUT_WR)
            data = b""
            while data.count(b"\n") < len(lines):
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
        return [json.loads(l) for l in data.splitlines()]


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixture")
    return fixtureindex.build(binary("gazette-indexer"), tmp)


@pytest.fixture(scope="module")
def sd(fixture_index, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sd")
    d = HttpDaemon(tmp, write_conf(tmp, fixture_index))
    yield d
    assert d.stop() == 0


def q(sd, query, **fields):
    fields.setdefault("limit", 20)
    fields.setdefault("collapse", False)
    fields["q"] = query
    return sd.request(fields)


# ------------------------------------------------------------ query language

QUERY_FORMS = [
    ("diplomacy", {"city", "sister", "sister_wire", "digital"}),
    ("city diplomacy", {"city", "sister", "sister_wire"}),
    ('"sister cities"', {"sister", "sister_wire"}),
    ('"cities sister"', set()),
    ("diplomacy OR regatta", {"city", "sister", "sister_wire", "digital", "regatta"}),
    ("diplomacy or regatta", {"city", "sister", "sister_wire", "digital", "regatta"}),
    ("diplomacy NOT public", {"city"}),
    ("diplomacy -public", {"city"}),
    ("+harbour regatta", {"regatta"}),
    ("(regatta OR tariffs) harbour", {"regatta", "harbour"}),
    ("city NEAR diplomacy", {"city"}),
    # NEAR after other words, and words after it (Xapian alone would fail
    # to parse these and search for the word "near" instead).
    ("diplomacy city NEAR diplomacy", {"city"}),
    ("city NEAR diplomacy diplomacy", {"city"}),
    ("diplomacy city near/3 diplomacy diplomacy", {"city"}),
    ("diplom*", {"city", "sister", "sister_wire", "digital", "cables", "villes"}),
    ("title:harbour", {"harbour", "regatta"}),
    ('source:"Global Times"', {"city", "harbour"}),
    ('source:"global times" trade', {"harbour"}),
    ("section:world", {"sister", "sister_wire", "mayors"}),
    ("section:World section:Sport", {"sister", "sister_wire", "mayors", "regatta"}),
    ('author:"Anna Berg"', {"digital", "cables"}),
    ('author:"anna berg" author:"tom breen"', set()),
    ("site:globaltimes.cn", {"city", "harbour"}),
    ("site:www.globaltimes.cn", {"city", "harbour"}),
    ('site:"https://WWW.GlobalTimes.cn/content/"', {"city", "harbour"}),
    ("lang:fr", {"villes"}),
    ("lang:fr diplomatie", {"villes"}),
    ("date:2013..2014 diplomacy", {"city", "sister", "sister_wire"}),
    ("date:2013-07..2013-08", {"city", "chengshi"}),
    ("date:2013-07-01..2013-07-31", {"city"}),
    ("date:2013-07", {"city"}),
    ("date:2013-07-16 city", {"city"}),
    ("date:..2011-12-31", {"cables", "regatta"}),
    ("date:2015..", {"mayors", "exports"}),
    ("城市", {"chengshi"}),
    ("1987", set()),
]


@pytest.mark.parametrize("query,expected", QUERY_FORMS,
                         ids=[f[0] for f in QUERY_FORMS])
def test_query_forms(sd, query, expected):
    assert set(slugs(q(sd, query))) == expected


def test_stemming_follows_the_language(sd):
    # English stems: "exports" finds "exports", "diplomacies" finds diplomacy.
    assert "exports" in slugs(q(sd, "export"))
    assert {"city", "digital"} <= set(slugs(q(sd, "diplomacies")))
    # A quoted word is exact.
    assert slugs(q(sd, '"diplomacies"')) == []
    # French words are stemmed in French only with a French filter.
    assert slugs(q(sd, "diplomatie", lang="fr")) == ["villes"]


def test_filter_fields_and_dates(sd):
    assert set(slugs(q(sd, "", source="global times"))) == {"city", "harbour"}
    assert set(slugs(q(sd, "", section="Business"))) == {"harbour", "exports"}
    assert set(slugs(q(sd, "", lang="zh"))) == {"chengshi"}
    assert set(slugs(q(sd, "", **{"from": "2015", "to": "2016-02-01"}))) == {
        "mayors", "exports"}
    assert set(slugs(q(sd, "harbour", to="2012"))) == {"regatta"}


def test_empty_query_matches_everything(sd):
    r = q(sd, "", collapse=False, limit=100)
    assert r["total"]["estimate"] == len(fixtureindex.ARTICLES)


# ------------------------------------------------------------ results

def test_hit_fields(sd):
    r = q(sd, "city diplomacy", limit=1)
    h = r["hits"][0]
    assert SLUG_OF[h["url"]] == "city"
    assert h["rank"] == 1 and 0 < h["score"] <= 100 and h["id"] > 0
    assert h["title"].startswith("City diplomacy")
    assert h["source"] == "Global Times" and h["section"] == "Viewpoint"
    assert h["authors"] == ["Xiong Wei"]
    assert h["published"] == "2013-07-16T18:53:02"
    assert "<mark>diplomacy</mark>" in h["snippet"]
    assert r["revision"] >= 1 and r["took_ms"] >= 0


def test_snippet_length_and_off(sd):
    h = q(sd, "regatta", snippet=60)["hits"][0]
    assert "<mark>regatta</mark>" in h["snippet"]
    assert len(h["snippet"].replace("<mark>", "").replace("</mark>", "")) <= 70
    assert q(sd, "regatta", snippet=0)["hits"][0]["snippet"] is None


def test_wildcard_snippets_mark_the_expanded_words(sd):
    r = q(sd, "diplom* -regatta")
    assert len(r["hits"]) >= 3, r
    for h in r["hits"]:
        marked = re.findall(r"<mark>([^<]*)</mark>", h["snippet"] or "")
        assert marked, h
        assert all(m.lower().startswith("diplom") for m in marked), marked
    # Words of the query and wildcards mark together.
    h = q(sd, "city diplom*")["hits"][0]
    marked = {m.lower() for m in re.findall(r"<mark>([^<]*)</mark>", h["snippet"])}
    assert "city" in marked and any(m.startswith("diplom") for m in marked), marked
    # Also after a NEAR, whose neighbours the query rewrite marks off.
    h = q(sd, "sister NEAR cities diplom*")["hits"][0]
    marked = {m.lower() for m in re.findall(r"<mark>([^<]*)</mark>", h["snippet"])}
    assert any(m.startswith("diplom") for m in marked), marked


def test_facets_and_counts(sd):
    r = q(sd, "", collapse=False, limit=0,
          facets=["source", "section", "year", "month"])
    assert r["hits"] == []
    f = r["facets"]
    assert dict(f["source"])["Global Times"] == 2
    assert dict(f["source"])["The Diplomat"] == 2
    assert f["source"][0][1] >= f["source"][-1][1]  # most first
    assert dict(f["section"])["World"] == 3
    assert [y for y, _ in f["year"]] == sorted(y for y, _ in f["year"])
    assert dict(f["year"])["2013"] == 4
    assert dict(f["month"])["2014-03"] == 2
    assert sum(c for _, c in f["month"]) == len(fixtureindex.ARTICLES)
    one = q(sd, "", limit=0, facets=["source"], facet_limit=1, collapse=False)
    assert len(one["facets"]["source"]) == 1
    assert q(sd, "diplomacy")["facets"] == {}
    # Collapse folds the wire copy in the counts too.
    folded = q(sd, '"sister cities"', limit=0, facets=["source"], collapse=True)
    assert folded["total"]["estimate"] == 1


def test_collapse(sd):
    on = q(sd, '"sister cities"', collapse=True)
    assert len(on["hits"]) == 1 and on["hits"][0]["collapsed"] == 1
    off = q(sd, '"sister cities"')
    assert set(slugs(off)) == {"sister", "sister_wire"}
    assert all(h["collapsed"] == 0 for h in off["hits"])


def test_sort_by_date(sd):
    old = q(sd, "diplomacy OR harbour", sort="date", collapse=False)
    dates = [h["published"] for h in old["hits"]]
    assert dates == sorted(dates) and len(dates) >= 6
    new = q(sd, "diplomacy OR harbour", sort="-date", collapse=False)
    assert [h["published"] for h in new["hits"]] == sorted(dates, reverse=True)


def test_paging(sd):
    everything = slugs(q(sd, "", sort="date", collapse=False, limit=100))
    pages = []
    for off in range(0, len(everything), 4):
        r = q(sd, "", sort="date", collapse=False, offset=off, limit=4)
        assert [h["rank"] for h in r["hits"]] == list(range(off + 1, off + 1 + len(r["hits"])))
        pages += slugs(r)
    assert pages == everything
    past = q(sd, "", offset=500, limit=10)
    assert past["hits"] == []


def test_more_like_this_by_url_and_id(sd):
    url = fixtureindex.ARTICLES["city"][0]
    by_url = q(sd, "", like=url)
    assert "city" not in slugs(by_url) and len(by_url["hits"]) >= 1
    doc_id = q(sd, "city diplomacy", limit=1)["hits"][0]["id"]
    by_id = q(sd, "", like=doc_id)
    assert slugs(by_id) == slugs(by_url)
    assert q(sd, "", like="http://nowhere.example/x")["error"]["code"] == "not_found"
    assert q(sd, "", like=999999)["error"]["code"] == "not_found"


def test_spelling_suggestion(sd):
    r = q(sd, "diplomcy")
    assert r["hits"] == [] and r["suggestion"] == "diplomacy"
    assert "suggestion" not in q(sd, "diplomacy")
    # Numbers are never corrected.
    assert "suggestion" not in q(sd, "regatta 2099")
    # The suggestion reads as typed, NEAR and all.
    r = q(sd, "diplomcy city NEAR diplomacy")
    assert r["suggestion"] == "diplomacy city NEAR diplomacy", r


def test_id_echo_stats_and_ping(sd):
    assert sd.request({"cmd": "ping", "id": "p1"}) == {"v": 1, "id": "p1", "ok": True}
    r = sd.request({"q": "diplomacy", "id": [1][0]})
    assert r["id"] == 1
    st = sd.request({"cmd": "stats", "id": None})
    assert st["id"] is None
    assert st["documents"] == len(fixtureindex.ARTICLES)
    assert st["revision"] >= 1 and st["uptime_s"] >= 0
    assert st["last_update"].endswith("Z") and st["last_update_age_s"] >= 0


def test_plain_text_line_is_a_query(sd):
    with sd.connect() as s:
        s.sendall(b"city diplomacy\r\n\n   \n")
        r = json.loads(read_line(s))
    assert SLUG_OF[r["hits"][0]["url"]] == "city"


# ------------------------------------------------------------ bounds and errors

ERRORS = [
    ({"q": "x", "limit": 101}, "too_big"),
    ({"q": "x", "offset": 995, "limit": 10}, "too_big"),
    ({"q": "x", "offset": 1001}, "too_big"),
    ({"q": "x", "snippet": 2001}, "too_big"),
    ({"q": "x", "facet_limit": 101}, "too_big"),
    ({"q": "x", "facets": ["source", "section", "year", "month", "source"]}, "too_big"),
    ({"q": " ".join("w%d" % i for i in range(300))}, "too_big"),
    ({"q": "x", "limit": -1}, "bad_request"),
    ({"q": "x", "limit": "ten"}, "bad_request"),
    ({"q": 5}, "bad_request"),
    ({"q": "x", "bogus": 1}, "bad_request"),
    ({"q": "x", "sort": "size"}, "bad_request"),
    ({"q": "x", "facets": ["author"]}, "bad_request"),
    ({"q": "x", "facets": ["month", "month"]}, "bad_request"),
    ({"q": "x", "facet_limit": 0}, "bad_request"),
    ({"q": "x", "from": "yesterday"}, "bad_request"),
    ({"q": "x", "to": "2013-02-30"}, "bad_request"),
    ({"q": "x", "collapse": "yes"}, "bad_request"),
    ({"q": "x", "v": 2}, "bad_request"),
    ({"cmd": "drop"}, "bad_request"),
    ({"q": "x", "like": -3}, "bad_request"),
    ({"q": "x", "id": {"a": 1}}, "bad_request"),
    ({"q": "date:yesterday..today"}, "bad_query"),
    ({"q": "date:2013..yesterday"}, "bad_query"),
    ('{"q": "x"', "parse"),
    ('{"q": "x", "q": "y"}', "parse"),
    ('{"q":' + "[" * 3000 + "]" * 3000 + "}", "parse"),
    ("[1, 2]".join(["{", "}"]), "parse"),
    ('{"q": "\xff"}'.encode("latin-1"), "parse"),
    (b"\xff\xfe plain", "bad_request"),
]


@pytest.mark.parametrize("line,code", ERRORS,
                         ids=["%d-%s" % (i, e[1]) for i, e in enumerate(ERRORS)])
def test_error_codes(sd, line, code):
    r = sd.request(line)
    assert r["error"]["code"] == code, r
    assert r["error"]["message"]


def test_collapse_of_a_story_with_many_copies(tmp_path):
    """One wire story in 60 near-identical copies outranks 200 other
    articles: the page folds the copies into one hit (searchd fetches more
    matches when the first ones hold too few stories), then the next best
    articles follow, each once, and page 2 goes on from there."""
    rng = __import__("random").Random(7)
    vocab = ["harbour", "council", "trade", "river", "market", "budget", "rail",
             "school", "festival", "bridge", "water", "energy", "police", "museum"]
    story = " ".join(["zephyr gale zephyr storm"] * 5 + rng.choices(vocab, k=150))
    recs = []
    for i in range(60):
        recs.append({"url": "http://wire%d.example/story" % i, "title": "Gale warning",
                     "source": "Wire %d" % i, "language": "en",
                     "published": "2014-05-06T07:08:09Z",
                     "text": story + " copy%d." % i})
    for i in range(200):
        words = rng.choices(vocab, k=150)
        words[rng.randrange(150)] = "zephyr"
        recs.append({"url": "http://local.example/%d" % i, "title": "Local %d" % i,
                     "source": "Local", "language": "en",
                     "published": "2014-05-%02dT07:08:09Z" % (1 + i % 28),
                     "text": " ".join(words) + " item%d." % i})
    index = index_jsonl(tmp_path / "index", recs)
    d = Daemon(tmp_path, index=index)
    try:
        p1 = d.request({"q": "zephyr", "limit": 10, "snippet": 0})
        p2 = d.request({"q": "zephyr", "limit": 10, "offset": 10, "snippet": 0})
        off = d.request({"q": "zephyr", "limit": 100, "snippet": 0, "collapse": False})
        exact = d.request({"q": "zephyr", "limit": 10, "snippet": 0, "facets": ["source"]})
    finally:
        d.stop()
    urls = [h["url"] for h in p1["hits"] + p2["hits"]]
    assert len(urls) == 20 and len(set(urls)) == 20, urls
    assert urls[0].startswith("http://wire"), urls
    assert not [u for u in urls[1:] if u.startswith("http://wire")], urls
    assert p1["hits"][0]["collapsed"] == 59, p1["hits"][0]
    assert [h["rank"] for h in p1["hits"] + p2["hits"]] == list(range(1, 21))
    # The same order as without collapse, the other copies left out.
    folded = [h["url"] for h in off["hits"] if not h["url"].startswith("http://wire")]
    assert urls[1:] == folded[:19], (urls, folded)
    # Folded, the story counts once: 201 hits, as the exact pass says.
    assert exact["total"]["estimate"] == 201, exact["total"]
    assert p1["total"]["lower"] <= 201 <= p1["total"]["upper"], p1["total"]


def test_collapse_counts_copies_that_rank_low(tmp_path):
    """A wire story's copies under other headlines rank far below the copy
    whose headline has the word searched for, past the matches searchd
    fetches to fold the page; the hit still counts every copy that
    matches, as the exact pass of a search with facets does."""
    rng = __import__("random").Random(11)
    vocab = ["harbour", "council", "trade", "river", "market", "budget", "rail",
             "school", "festival", "bridge", "water", "energy", "police", "museum"]
    body = " ".join(rng.choices(vocab, k=150)) + " zephyr."
    recs = [{"url": "http://wire.example/lead", "title": "Zephyr gale zephyr",
             "source": "Wire", "language": "en",
             "published": "2014-05-06T07:08:09Z", "text": body}]
    for i in range(3):
        recs.append({"url": "http://copy%d.example/story" % i,
                     "title": "Weather notice", "source": "Copy %d" % i,
                     "language": "en", "published": "2014-05-06T08:08:09Z",
                     "text": body})
    for i in range(100):
        recs.append({"url": "http://local.example/%d" % i,
                     "title": "Zephyr report %d" % i, "source": "Local",
                     "language": "en", "published": "2014-05-07T07:08:09Z",
                     "text": " ".join(rng.choices(vocab, k=150))
                     + " zephyr item%d." % i})
    index = index_jsonl(tmp_path / "index", recs)
    d = Daemon(tmp_path, index=index)
    try:
        page = d.request({"q": "zephyr", "limit": 10, "snippet": 0})
        exact = d.request({"q": "zephyr", "limit": 10, "snippet": 0,
                           "facets": ["source"]})
        off = d.request({"q": "zephyr", "limit": 100, "snippet": 0,
                         "collapse": False})
    finally:
        d.stop()
    # Uncollapsed, the copies come after the hundred others.
    assert off["total"]["estimate"] == 104, off["total"]
    assert not [h for h in off["hits"][:90] if "copy" in h["url"]], off["hits"]
    assert page["hits"][0]["url"] == "http://wire.example/lead", page["hits"][0]
    assert page["hits"][0]["collapsed"] == 3, page["hits"][0]
    assert [h["collapsed"] for h in page["hits"]] == \
        [h["collapsed"] for h in exact["hits"]]
    assert [h["url"] for h in page["hits"]] == [h["url"] for h in exact["hits"]]


def test_one_shot_connections_each_answered(sd):
    """Workers write replies themselves when nothing is queued before
    them; the loop then retires the job and may close the connection at
    once.  Hundreds of connections that send one request and close (or
    half-close right after sending, so that the EOF arrives before the
    reply is written) each get their whole reply, and the daemon goes on
    (a connection freed while the loop still used it hung it once)."""
    line = json.dumps({"q": "harbour OR city", "limit": 100, "snippet": 0}).encode() + b"\n"
    for i in range(300):
        with sd.connect(timeout=5) as s:
            s.sendall(line)
            if i % 2:
                s.shutdown(socket.SHUT_WR)
            r = json.loads(Lines(s).line())
        assert r.get("hits"), r
    assert sd.request({"cmd": "ping"})["ok"] is True


def test_wildcard_past_its_expansion_limit(tmp_path):
    """A wildcard matching more than 1,000 words is a bad_query, caught
    when the query runs (the parser no longer expands it a second time),
    and the connection goes on; a narrower one finds its article."""
    words = " ".join("wzq%04d" % i for i in range(1001))
    recs = [{"url": "http://wide.example/%d" % i, "title": "Wide %d" % i,
             "source": "Wire", "language": "en", "published": "2014-05-06T07:08:09Z",
             "text": text} for i, text in enumerate([words, "The harbour council met."])]
    index = index_jsonl(tmp_path / "index", recs)
    d = Daemon(tmp_path, index=index)
    try:
        with d.connect() as s:
            s.sendall(b'{"id":1,"q":"wzq*"}\n{"id":2,"q":"wzq000*"}\n'
                      b'{"id":3,"q":"harbour OR wzq*","facets":["source"]}\n')
            r = Lines(s)
            wide, narrow, mixed = r.json(), r.json(), r.json()
        assert wide["id"] == 1 and wide["error"]["code"] == "bad_query", wide
        assert "wzq" in wide["error"]["message"], wide
        assert narrow["id"] == 2 and [h["url"] for h in narrow["hits"]] == [
            "http://wide.example/0"], narrow
        assert mixed["id"] == 3 and mixed["error"]["code"] == "bad_query", mixed
    finally:
        d.stop()


def test_error_echoes_id_and_connection_lives(sd):
    with sd.connect() as s:
        s.sendall(b'{"id":"e1","q":"x","limit":500}\n{"id":"e2","q":"regatta"}\n')
        r = Lines(s)
        a, b = r.json(), r.json()
    assert a["id"] == "e1" and a["error"]["code"] == "too_big"
    assert b["id"] == "e2" and slugs(b) == ["regatta"]


def test_hostile_input_daemon_stays_up(sd):
    import random
    rnd = random.Random(5)
    with sd.connect() as s:
        lines = Lines(s)
        for _ in range(20):
            junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300)))
            junk = junk.replace(b"\n", b" ")
            s.sendall(junk + b"\n")
            r = lines.json()
            assert "error" in r or "hits" in r
    # Truncated: a connection that sends half a request and goes away.
    with sd.connect() as s:
        s.sendall(b'{"q":"diplo')
    # Binary with NUL bytes.
    assert sd.request(b"\x00\x01\x02")["error"]["code"] == "bad_request"
    # Oversized with a newline: too_big, and the connection goes on.
    with sd.connect() as s:
        s.sendall(b"a" * 70000 + b"\n" + b"regatta\n")
        lines = Lines(s)
        assert lines.json()["error"]["code"] == "too_big"
        assert slugs(lines.json()) == ["regatta"]
    # Oversized, the newline long in coming: too_big, the rest of the line
    # is skipped, and the next line is a request again.
    with sd.connect() as s:
        s.sendall(b"b" * 200000)
        lines = Lines(s)
        assert lines.json()["error"]["code"] == "too_big"
        s.sendall(b"b" * 100000 + b"\nregatta\n")
        assert slugs(lines.json()) == ["regatta"]
    assert slugs(q(sd, "regatta")) == ["regatta"]


def test_pipelined_replies_in_order(sd):
    # Searches of unequal cost finish out of order on the two workers;
    # replies must not.  Many rounds: a reply the loop wrote could be
    # overtaken by the next one, written by its worker, about 3 times in
    # 1,000 such pipelines.
    for rnd in range(40):
        lines = [{"id": i, "q": "harbour" if (i + rnd) % 4 else "harbour OR city OR trade",
                  "limit": 1 + i % 3, "snippet": 200 if i % 2 else 1000}
                 for i in range(50)]
        replies = sd.pipeline(lines)
        assert [r["id"] for r in replies] == list(range(50)), rnd
        assert all(len(r["hits"]) == 1 + i % 3 for i, r in enumerate(replies))


def test_unix_socket_mode(sd):
    assert stat.S_IMODE(os.stat(sd.sock_path).st_mode) == 0o600
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(sd.sock_path)
        s.sendall(b'{"cmd":"ping"}\n')
        assert json.loads(read_line(s))["ok"] is True


def test_non_loopback_listen_needs_token(fixture_index, tmp_path):
    res = run([binary("gazette-searchd"), "--index", str(fixture_index),
               "--listen", "0.0.0.0:0", "--socket", ""], timeout=20)
    assert res.returncode == 2
    assert "token" in res.stderr


# ------------------------------------------------------------ daemon limits

def test_busy_when_queue_full(fixture_index, tmp_path):
    conf = write_conf(tmp_path, fixture_index, "queue_max = 1\n")
    d = Daemon(tmp_path, config=conf, extra=["--workers", "1"])
    try:
        heavy = {"q": "", "limit": 100, "snippet": 2000, "facets": ["month", "year"]}
        with d.connect() as s:
            s.sendall(b"".join(json.dumps(dict(heavy, id=i)).encode() + b"\n"
                               for i in range(60)))
            lines = Lines(s)
            replies = [lines.json() for _ in range(60)]
        assert [r["id"] for r in replies] == list(range(60))
        codes = [r["error"]["code"] if "error" in r else "ok" for r in replies]
        assert set(codes) <= {"ok", "busy"}
        assert "busy" in codes and "ok" in codes
        assert d.request({"cmd": "ping"})["ok"]
    finally:
        assert d.stop() == 0


def test_connection_limit_and_idle_timeout(fixture_index, tmp_path):
    conf = write_conf(tmp_path, fixture_index,
                      "max_connections = 2\nidle_timeout = 1\n")
    d = Daemon(tmp_path, config=conf)
    try:
        a, b = d.connect(), d.connect()
        a.sendall(b'{"cmd":"ping"}\n')
        assert json.loads(read_line(a))["ok"]
        b.sendall(b'{"cmd":"ping"}\n')
        assert json.loads(read_line(b))["ok"]
        c = d.connect()
        r = json.loads(read_line(c))
        assert r["error"]["code"] == "busy"
        c.close()
        # Idle connections are closed after idle_timeout.
        t0 = time.monotonic()
        assert a.recv(10) == b""
        assert time.monotonic() - t0 < 5
        a.close()
        b.close()
        time.sleep(0.2)
        assert d.request({"cmd": "ping"})["ok"]
    finally:
        d.stop()


def test_stalled_connections_make_room_at_the_limit(fixture_index, tmp_path):
    """Slow clients holding every slot do not lock others out: at
    max_connections, the connection whose request line has been incomplete
    longest (a second or more) is closed to admit the new client; fresh
    connections are never the ones closed."""
    conf = write_conf(tmp_path, fixture_index,
                      "max_connections = 3\nidle_timeout = 30\n")
    d = Daemon(tmp_path, config=conf)
    try:
        stalled = [d.connect() for _ in range(3)]
        for s in stalled:
            s.sendall(b'{"q":"harb')
            time.sleep(0.05)
        # Still fresh: a newcomer is refused rather than anyone evicted.
        c = d.connect()
        assert json.loads(read_line(c))["error"]["code"] == "busy"
        c.close()
        time.sleep(1.3)
        newcomers = []
        for _ in range(2):  # kept open, so that each needs a slot
            c = d.connect()
            c.sendall(b'{"cmd":"ping"}\n')
            assert json.loads(read_line(c)).get("ok") is True
            newcomers.append(c)
        # The two oldest stalled lines were closed, the newest is still open.
        for s in stalled[:2]:
            s.settimeout(5)
            assert s.recv(10) == b""
        stalled[2].sendall(b'our"}\n')
        stalled[2].settimeout(5)
        assert "hits" in json.loads(read_line(stalled[2]))
        for c in newcomers:
            c.close()
    finally:
        d.stop()
    log = open(d.log_path).read()
    assert log.count("stalled connection closed for a new one") == 2, log[-2000:]


def test_dribbling_client_is_closed(fixture_index, tmp_path):
    """A client sending one byte every 0.3 s re-arms the idle timer each
    time; its line must still be complete within idle_timeout of its first
    byte, or the connection closes (slow clients cannot hold every slot)."""
    conf = write_conf(tmp_path, fixture_index, "idle_timeout = 1\n")
    d = Daemon(tmp_path, config=conf)
    try:
        s = d.connect()
        t0 = time.monotonic()
        closed = False
        for ch in b'{"q":"' + b"x" * 40:
            try:
                s.sendall(bytes([ch]))
            except OSError:
                closed = True
                break
            time.sleep(0.3)
            if time.monotonic() - t0 > 6:
                break
        if not closed:
            s.settimeout(3)
            try:
                closed = s.recv(10) == b""
            except OSError:
                closed = True
        assert closed, "a dribbling client was kept for %.1fs" % (time.monotonic() - t0)
        assert time.monotonic() - t0 < 6
        s.close()
        assert d.request({"cmd": "ping"})["ok"]
    finally:
        d.stop()


def big_index(tmp_path):
    """An index of 400 long articles, all about the harbour, where 100
    snippets and four facets (HEAVY) take milliseconds."""
    index = tmp_path / "big"
    pages = tmp_path / "pages"
    pages.mkdir()
    files = []
    for n in range(400):
        url, doc = fixtureindex.extra_page(n, paragraphs=40)
        p = pages / ("%d.html" % n)
        p.write_text(doc)
        files.append(str(p))
    res = run([binary("gazette-indexer"), "add", "--index", str(index)] + files,
              timeout=120)
    assert res.returncode == 0, res.stderr
    return index


HEAVY = {"q": "", "limit": 100, "snippet": 2000, "collapse": False,
         "facets": ["source", "section", "year", "month"]}


def test_query_time_limit_gives_timeout(tmp_path):
    conf = write_conf(tmp_path, big_index(tmp_path), "query_timeout_ms = 1\n")
    d = Daemon(tmp_path, config=conf)
    try:
        heavy = HEAVY
        codes = set()
        for _ in range(40):
            r = d.request(heavy)
            codes.add(r["error"]["code"] if "error" in r else "ok")
            if "timeout" in codes:
                break
        assert codes <= {"ok", "timeout"}
        assert "timeout" in codes
    finally:
        d.stop()


def test_lone_request_overtakes_a_pipelined_backlog(tmp_path):
    """One worker; a client pipelines four heavy searches, and while the
    first runs another client asks one question: its search runs next,
    before the rest of the backlog (the first lane), not after one more of
    the pipeliner's jobs as plain round-robin would have it."""
    log = tmp_path / "q.log"
    conf = write_conf(tmp_path, big_index(tmp_path),
                      "workers = 1\nquery_log = %s\n" % log)
    d = Daemon(tmp_path, config=conf)
    backlog = ["harbour", "harbour commerce", "harbour ships", "harbour cargo"]
    overtook = 0
    try:
        for trial in range(5):
            with socket.create_connection(("127.0.0.1", d.port), timeout=20) as a, \
                    socket.create_connection(("127.0.0.1", d.port), timeout=20) as b:
                lone = "zephyrine trial%d" % trial
                a.sendall(b"".join(json.dumps(dict(HEAVY, q=q)).encode() + b"\n"
                                   for q in backlog))
                time.sleep(0.0005)  # the first heavy search is running
                b.sendall(json.dumps({"q": lone, "snippet": 0}).encode() + b"\n")
                assert "hits" in json.loads(read_line(b))
                replies = a.makefile("rb")
                for _ in backlog:
                    assert "hits" in json.loads(replies.readline())
            time.sleep(0.05)
            with open(log) as f:
                order = re.findall(r'q="([^"]*)"', f.read())[-5:]
            assert sorted(order) == sorted(backlog + [lone]), order
            overtook += order.index(lone) == 1
    finally:
        d.stop()
    # Round-robin alone puts it third every time; allow a stalled test
    # client a miss or two.
    assert overtook >= 3, overtook


def test_searches_of_a_reset_connection_are_dropped(tmp_path):
    """A client that sends heavy searches and resets its connection at once
    (it gave up): searches not yet started are dropped, not run for no one."""
    log = tmp_path / "q.log"
    conf = write_conf(tmp_path, big_index(tmp_path), "query_log = %s\n" % log)
    d = Daemon(tmp_path, config=conf)
    try:
        for trial in range(10):
            s = socket.create_connection(("127.0.0.1", d.port), timeout=20)
            s.sendall(b"".join(json.dumps(dict(HEAVY, q="harbour gone%d" % trial)).encode()
                               + b"\n" for _ in range(4)))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
            time.sleep(0.05)
        assert d.request({"q": "zephyrine"})["hits"]  # still answering
        time.sleep(0.1)
        with open(log) as f:
            ran = f.read().count("gone")
    finally:
        d.stop()
    assert ran <= 20, ran


# ------------------------------------------------------------ fresh results

def test_indexer_commits_while_queries_run(fixture_index, tmp_path):
    import shutil
    index = tmp_path / "index"
    shutil.copytree(fixture_index, index)
    d = Daemon(tmp_path, config=write_conf(tmp_path, index))
    failures, done, seen = [], threading.Event(), []

    def searcher():
        with d.connect() as s:
            while not done.is_set():
                s.sendall(b'{"q":"zephyrine OR harbour","limit":5,"facets":["month"]}\n')
                r = json.loads(read_line(s))
                if "error" in r:
                    failures.append(r)
                else:
                    seen.append(r["revision"])

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        pages = tmp_path / "late"
        pages.mkdir()
        for n in range(8):
            url, doc = fixtureindex.extra_page(n)
            p = pages / ("%d.html" % n)
            p.write_text(doc)
            res = run([binary("gazette-indexer"), "add", "--index", str(index),
                       "--url", url, str(p)])
            assert res.returncode == 0, res.stderr
        time.sleep(0.3)
    finally:
        done.set()
        for t in threads:
            t.join(10)
    try:
        assert failures == []
        assert len(seen) > 10 and max(seen) > min(seen)
        r = d.request({"q": "zephyrine", "limit": 20})
        assert r["total"]["estimate"] == 8
        assert d.request({"cmd": "stats"})["documents"] == len(fixtureindex.ARTICLES) + 8
    finally:
        d.stop()


# ------------------------------------------------------------ signals

def test_sigterm_during_load_finishes_and_exits_0(fixture_index, tmp_path):
    d = Daemon(tmp_path, config=write_conf(tmp_path, fixture_index))
    replies, errors = [], []

    def client():
        try:
            with d.connect() as s:
                for i in range(200):
                    s.sendall(b'{"q":"diplomacy","facets":["month"]}\n')
                    line = read_line(s)
                    if not line:
                        return
                    replies.append(json.loads(line))
        except (OSError, ValueError) as e:
            errors.append(e)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(15) == 0
    for t in threads:
        t.join(10)
    d.log.close()
    assert replies and all("hits" in r for r in replies)
    assert not [e for e in errors if isinstance(e, ValueError)]
    with open(d.log_path) as f:
        log = f.read()
    assert "msg=stopping" in log and "msg=stopped" in log


def test_sighup_reopens_logs_and_rereads_config(fixture_index, tmp_path):
    conf = write_conf(tmp_path, fixture_index, "queue_max = 10\n")
    d = Daemon(tmp_path, config=conf)
    try:
        qlog = tmp_path / "q.log"
        with open(conf, "a") as f:
            f.write("query_log = %s\nquery_timeout_ms = 4000\n" % qlog)
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "msg=reloaded" not in open(d.log_path).read():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert "query_log=%s" % qlog in open(d.log_path).read()
        d.request({"q": "regatta"})
        assert 'q="regatta" hits=1' in qlog.read_text()
        # A broken config is refused and the daemon carries on.
        with open(conf, "a") as f:
            f.write("no_such_key = 1\n")
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "reload failed" not in open(d.log_path).read():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert d.request({"q": "regatta"})["hits"]
    finally:
        assert d.stop() == 0


# ------------------------------------------------------------ logs

def test_query_log_and_event_log(sd):
    q(sd, "rowing crew")
    sd.request({"q": "x", "limit": 1000})
    time.sleep(0.1)
    with open(sd.query_log) as f:
        lines = f.read().splitlines()
    line = [l for l in lines if 'q="rowing crew"' in l][-1]
    fields = dict(p.split("=", 1) for p in line.split(" ")[1:] if "=" in p)
    assert fields["hits"] == "1" and fields["status"] == "ok"
    assert float(fields["ms"]) >= 0 and fields["via"] == "tcp"
    assert 0 <= float(fields["wait"]) <= float(fields["ms"])
    with open(sd.log_path) as f:
        log = f.read()
    assert "msg=ready" in log
    assert all(" msg=" in l for l in log.splitlines() if l.strip())


# ------------------------------------------------------------ HTTP front

def test_http_search_same_answer(sd):
    status, headers, body = sd.http(
        "/search?q=city+diplomacy&limit=3&facets=source,month&collapse=false")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    r = json.loads(body)
    same = q(sd, "city diplomacy", limit=3, facets=["source", "month"],
             collapse=False)
    for r_ in (r, same):
        r_.pop("took_ms")
    assert r == same


def test_http_errors(sd):
    status, _, body = sd.http("/search?q=x&limit=1000")
    assert status == 400 and json.loads(body)["error"]["code"] == "too_big"
    status, _, body = sd.http("/search?q=date%3A2013..yesterday")
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_query"
    status, _, body = sd.http("/search?q=%zz")
    assert status == 400
    status, _, body = sd.http("/search?like=http%3A%2F%2Fnope.example%2F")
    assert status == 404
    assert sd.http("/nope")[0] == 404
    assert sd.http("/")[0] == 200
    req = urllib.request.Request("http://127.0.0.1:%d/search?q=x" % sd.http_port,
                                 data=b"q=x", method="POST")
    try:
        urllib.request.urlopen(req, timeout=10)
        assert False, "POST accepted"
    except urllib.error.HTTPError as e:
        assert e.code == 405
    # Garbage and an oversized head.
    for raw, want in ((b"\x00\x01garbage\r\n\r\n", b" 400 "),
                      (b"GET /search?q=" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n", b" 431 ")):
        with socket.create_connection(("127.0.0.1", sd.http_port), timeout=10) as s:
            s.sendall(raw)
            assert want in s.recv(200)
    assert sd.http("/search?q=regatta")[0] == 200


def test_http_health(sd):
    status, _, body = sd.http("/health")
    assert status == 200
    h = json.loads(body)
    assert h["status"] == "ok"
    assert h["documents"] == len(fixtureindex.ARTICLES) and h["revision"] >= 1
    assert h["last_update_age_s"] >= 0


def test_http_metrics(sd):
    q(sd, "harbour")
    status, headers, body = sd.http("/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    metrics = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            metrics[name] = float(value)
    assert metrics['gazette_searchd_replies_total{code="ok"}'] >= 1
    assert metrics["gazette_searchd_search_duration_seconds_count"] >= 1
    assert metrics['gazette_searchd_search_duration_seconds_bucket{le="+Inf"}'] == \
        metrics["gazette_searchd_search_duration_seconds_count"]
    assert metrics["gazette_index_documents"] == len(fixtureindex.ARTICLES)
    assert metrics["gazette_index_up"] == 1
