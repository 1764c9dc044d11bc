"""gazette, the command-line client: readable output, --json, the search
options, --timeline, stats, --index without a daemon, and grep's exit
codes (0 hits, 1 none, 2 error), against the fixture index."""

import json
import os

import pytest

from conftest import Daemon, binary, run
import fixtureindex

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return fixtureindex.build(binary("gazette-indexer"),
                              tmp_path_factory.mktemp("cli"))


@pytest.fixture(scope="module")
def sd(index, tmp_path_factory):
    d = Daemon(tmp_path_factory.mktemp("clisd"), index=index)
    yield d
    d.stop()


def gz(*args, env=None):
    e = dict(os.environ, NO_COLOR="1")
    e.pop("GAZETTE_CONFIG", None)
    if env:
        e.update(env)
    return run([binary("gazette")] + list(args), env=e)


def search(sd, *args):
    return gz("search", "--connect", sd.address, *args)


def test_readable_output_plain_when_piped(sd):
    res = search(sd, "city", "diplomacy")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert out.splitlines()[0].endswith("ms)") and "result" in out.splitlines()[0]
    assert " 1. City diplomacy integral to boosting economic, cultural exchanges" in out
    assert "Global Times · 16 Jul 2013 18:53 · Viewpoint" in out
    assert "http://www.globaltimes.cn/content/797127.shtml" in out
    assert "city diplomacy" in out.lower()
    # Piped: no marks, no escapes, no HTML entities.
    assert "<mark>" not in out and "\033[" not in out and "&#" not in out


def test_json_is_the_reply(sd, index):
    res = search(sd, "--json", "--limit", "2", "diplomacy")
    assert res.returncode == 0
    r = json.loads(res.stdout)
    assert r["v"] == 1 and len(r["hits"]) == 2
    # The same object in process with --index.
    local = json.loads(gz("search", "--index", str(index), "--json", "--limit",
                          "2", "diplomacy").stdout)
    assert [h["url"] for h in local["hits"]] == [h["url"] for h in r["hits"]]


def test_exit_codes(sd, tmp_path):
    assert search(sd, "diplomacy").returncode == 0
    res = search(sd, "xylophonist")
    assert res.returncode == 1 and "0 results" in res.stdout
    res = search(sd, "date:2013..yesterday")
    assert res.returncode == 2 and "bad_query" in res.stderr
    res = gz("search", "--connect", "127.0.0.1:1", "diplomacy")
    assert res.returncode == 2 and "cannot connect" in res.stderr
    assert gz("search", "--limit", "500", "x").returncode == 2
    assert gz("search", "--sort", "size", "x").returncode == 2
    assert gz("search", "--from", "last week", "x").returncode == 2
    assert gz("frobnicate").returncode == 2
    res = gz("search", "--index", str(tmp_path / "nope"), "x")
    assert res.returncode == 2


def test_search_options(sd):
    def urls(*args):
        res = search(sd, "--json", "--limit", "20", *args)
        assert res.returncode in (0, 1), res.stderr
        return [h["url"].rsplit("/", 1)[-1] for h in json.loads(res.stdout)["hits"]]

    assert set(urls("--source", "Global Times", "")) == {"797127.shtml", "811111.shtml"}
    assert urls("--section", "Sport", "harbour") == ["regatta.html"]
    assert set(urls("--from", "2015", "--to", "2016-12-31", "")) == {
        "mayors.html", "exports.html"}
    assert urls("--lang", "fr", "diplomatie") == ["villes.html"]
    dated = urls("--sort", "date", "--no-collapse", "diplomacy")
    assert dated[0] == "public-diplomacy.html" and len(dated) == 4
    assert urls("--sort", "-date", "--no-collapse", "diplomacy")[0] == "sister-cities-copy.html"
    assert len(urls("--no-collapse", '"sister cities"')) == 2
    assert len(urls('"sister cities"')) == 1
    like = urls("--like", fixtureindex.ARTICLES["city"][0])
    assert like and "797127.shtml" not in like
    page1 = search(sd, "--json", "--limit", "2", "--page", "1", "--sort", "date", "--from", "2000", "")
    page2 = search(sd, "--json", "--limit", "2", "--page", "2", "--sort", "date", "--from", "2000", "")
    h1, h2 = json.loads(page1.stdout)["hits"], json.loads(page2.stdout)["hits"]
    assert [h["rank"] for h in h1 + h2] == [1, 2, 3, 4]


def test_facets_printed(sd):
    res = search(sd, "--facets", "--no-collapse", "diplomacy")
    assert res.returncode == 0
    assert "source: " in res.stdout and "Global Times (1)" in res.stdout
    assert "year: " in res.stdout


def test_timeline_plain_when_piped(sd):
    res = search(sd, "--timeline", "--no-collapse", "diplomacy OR harbour")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    start = lines.index("Timeline (articles per year):")
    bars = lines[start + 1:]
    # 2010 .. 2015, every year present, zero years drawn empty.
    assert [b.split()[0] for b in bars] == [str(y) for y in range(2010, 2016)]
    counts = {b.split()[0]: int(b.split()[1]) for b in bars}
    assert counts["2013"] == 2 and counts["2011"] == 0
    assert all(set(b.split()[2]) == {"#"} for b in bars if len(b.split()) > 2)
    assert "█" not in res.stdout
    # Counts only: no hits listed, still exit 0 when there are matches.
    assert " 1. " not in res.stdout


def test_timeline_by_month_for_short_spans(sd):
    res = search(sd, "--timeline", "--no-collapse", "--from", "2013-07",
                 "--to", "2013-09", "")
    assert res.returncode == 0, res.stderr
    assert "Timeline (articles per month):" in res.stdout
    assert "2013-07 1 " in res.stdout and "2013-08 1 " in res.stdout


def test_stats(sd, index):
    res = gz("stats", "--connect", sd.address)
    assert res.returncode == 0, res.stderr
    assert "documents: %d" % len(fixtureindex.ARTICLES) in res.stdout
    assert "revision: " in res.stdout and "last update: " in res.stdout
    res = gz("stats", "--index", str(index), "--json")
    assert json.loads(res.stdout)["documents"] == len(fixtureindex.ARTICLES)
