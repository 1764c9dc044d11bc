"""A small, known index for the searchd and CLI tests.

Each article below is written out as a news page (OpenGraph and article:*
meta tags, a headline and paragraphs) and indexed with `gazette-indexer
add --url URL FILE`, so the index is built by the real indexer and the
tests know exactly what is in it.  `build(tmp)` returns the index path."""

import html
import os
import subprocess

# slug: (url, title, site name, section, author, lang, published, paragraphs)
ARTICLES = {
    "city": ("http://www.globaltimes.cn/content/797127.shtml",
             "City diplomacy integral to boosting economic, cultural exchanges",
             "Global Times", "Viewpoint", "Xiong Wei", "en", "2013-07-16T18:53:02",
             ["Along with China's increasing involvement in the international "
              "community, city diplomacy has become one of the most important "
              "elements that determine the country's future position in the world.",
              "The core of city diplomacy is how to expand a city's influence to "
              "the external environment and get itself involved in international "
              "affairs. The most basic drive is competition between cities.",
              "The round table on the subject met in Beijing in the summer of 2013."]),
    "sister": ("http://news.example.org/world/sister-cities.html",
               "Sister cities forge new ties across the Pacific",
               "Xinhua", "World", "Li Na", "en", "2014-03-02T09:00:00",
               ["Sister cities on both sides of the Pacific signed agreements on "
                "trade and student exchanges on Sunday, a form of public diplomacy "
                "that mayors say brings quick and visible results.",
                "Delegations from twelve municipalities attended the ceremony, "
                "which was held in the port of Long Beach under grey skies.",
                "Officials said the next round of visits would focus on schools, "
                "museums and the exchange of young engineers."]),
    "sister_wire": ("http://wire.example.com/2014/03/02/sister-cities-copy.html",
                    "Sister cities forge new ties across the Pacific",
                    "Wire Daily", "World", None, "en", "2014-03-02T10:30:00",
                    ["Sister cities on both sides of the Pacific signed agreements on "
                     "trade and student exchanges on Sunday, a form of public diplomacy "
                     "that mayors say brings quick and visible results.",
                     "Delegations from twelve municipalities attended the ceremony, "
                     "which was held in the port of Long Beach under grey skies.",
                     "Officials said the next round of visits would focus on schools, "
                     "museums and the exchange of young engineers. (Wire)"]),
    "digital": ("http://thediplomat.example.net/2012/11/public-diplomacy.html",
                "Public diplomacy in the digital age",
                "The Diplomat", "Opinion", "Anna Berg", "en", "2012-11-20T08:00:00",
                ["Embassies now speak to foreign publics directly. Public diplomacy "
                 "has moved online, and governments compete for attention on every "
                 "platform their citizens use.",
                 "Diplomats who once wrote cables now write posts, and the old "
                 "distinction between information and influence has blurred.",
                 "Critics say the result is noise rather than understanding."]),
    "harbour": ("http://www.globaltimes.cn/content/811111.shtml",
                "Harbour city expands trade links",
                "Global Times", "Business", None, "en", "2013-12-31T23:00:00",
                ["The harbour city opened two new shipping routes this year, "
                 "doubling its container trade with Southeast Asia.",
                 "Port officials expect tariffs on electronics to fall, and new "
                 "warehouses are being built along the eastern quay.",
                 "Exporters welcomed the routes but warned of rising fuel costs."]),
    "mayors": ("http://harbourpost.example.com/2015/01/10/mayors.html",
               "Mayors meet to discuss urban cooperation",
               "Harbour Post", "World", "Tom Breen", "en", "2015-01-10T08:15:00",
               ["Forty mayors met in the harbour city to talk about cooperation "
                "between cities on transport, housing and clean water.",
                "The meeting ended with a joint statement on flood defences and "
                "a promise to share data on air quality every month.",
                "Next year's meeting will be held in Valparaiso."]),
    "cables": ("http://thediplomat.example.net/2011/05/cables.html",
               "Diplomatic cables show a quiet rivalry",
               "The Diplomat", "Analysis", "Anna Berg", "en", "2011-05-04T07:00:00",
               ["Diplomatic cables released this week describe a quiet rivalry "
                "between two neighbouring embassies over access to ministers.",
                "The diplomatic correspondence, spanning three years, also shows "
                "how little the public statements reflected private talks.",
                "Neither foreign ministry would comment on the documents."]),
    "regatta": ("http://harbourpost.example.com/2010/06/20/regatta.html",
                "Harbour rowing crew wins the summer regatta",
                "Harbour Post", "Sport", "Tom Breen", "en", "2010-06-20T16:40:00",
                ["The harbour rowing crew won the summer regatta by two lengths, "
                 "its first victory in eleven years on the river.",
                 "Thousands lined the banks despite the rain, and the crew's coach "
                 "called it the proudest afternoon of her career.",
                 "The crew will race again in the autumn championship."]),
    "exports": ("http://pacificledger.example.com/2016/02/01/exports.html",
                "Exports slow as tariffs bite",
                "Pacific Ledger", "Business", "Maria Lopez", "en", "2016-02-01T06:00:00",
                ["Exports of machinery and electronics slowed for the third month "
                 "in a row as new tariffs took effect in several markets.",
                 "Manufacturers said orders from Europe held up, but shipments "
                 "across the Pacific fell by nearly a tenth.",
                 "Economists expect the slowdown to last into the summer."]),
    "villes": ("http://lequotidien.example.fr/2013/05/05/villes.html",
               "La diplomatie des villes prend de l'ampleur",
               "Le Quotidien", "Monde", "Claire Martin", "fr", "2013-05-05T10:00:00",
               ["Les grandes villes mènent désormais leurs propres diplomaties, "
                "avec des bureaux à l'étranger et des accords de jumelage.",
                "Les maires estiment que les échanges entre villes produisent des "
                "résultats plus rapides que les négociations entre États.",
                "Les diplomates de carrière observent le phénomène avec prudence."]),
    "chengshi": ("http://cn.example.cn/2013/08/05/city-diplomacy.html",
                 "城市外交的新时代",
                 "China Daily", "观点", None, "zh", "2013-08-05T12:00:00",
                 ["城市外交是国家总体外交的重要组成部分，越来越多的城市参与国际交流。",
                  "专家认为，城市之间的合作可以促进经济和文化的发展。",
                  "今年夏天，多个城市举办了国际论坛。"]),
}

# Expected facts the tests rely on.
ENGLISH_DIPLOMACY = {"city", "sister", "sister_wire", "digital"}


def page(slug):
    """The HTML of one fixture article."""
    url, title, site, section, author, lang, published, paras = ARTICLES[slug]
    e = html.escape
    meta = [
        '<meta charset="utf-8">',
        "<title>%s | %s</title>" % (e(title), e(site)),
        '<meta property="og:type" content="article">',
        '<meta property="og:title" content="%s">' % e(title),
        '<meta property="og:site_name" content="%s">' % e(site),
        '<meta property="og:url" content="%s">' % e(url),
        '<meta property="article:published_time" content="%s">' % published,
        '<meta property="article:section" content="%s">' % e(section),
    ]
    if author:
        meta.append('<meta property="article:author" content="%s">' % e(author))
    body = "\n".join("<p>%s</p>" % e(p) for p in paras)
    byline = '<p class="byline">By %s</p>' % e(author) if author else ""
    return ('<!DOCTYPE html>\n<html lang="%s">\n<head>\n%s\n</head>\n<body>\n'
            '<nav><a href="/">Home</a> <a href="/world">World</a></nav>\n'
            '<article>\n<h1>%s</h1>\n%s\n%s\n</article>\n'
            '<footer>Copyright %s</footer>\n</body>\n</html>\n'
            % (lang, "\n".join(meta), e(title), byline, body, e(site)))


def add(indexer, index, slug, tmp, timeout=60):
    """Index one fixture article; returns the CompletedProcess."""
    path = os.path.join(str(tmp), slug + ".html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(page(slug))
    return subprocess.run([indexer, "add", "--index", str(index), "--url",
                           ARTICLES[slug][0], path],
                          capture_output=True, text=True, timeout=timeout)


def build(indexer, tmp, slugs=None):
    """Index the fixture articles (all by default) into tmp/index."""
    index = os.path.join(str(tmp), "index")
    pages = os.path.join(str(tmp), "pages")
    os.makedirs(pages, exist_ok=True)
    for slug in slugs or ARTICLES:
        res = add(indexer, index, slug, pages)
        assert res.returncode == 0, (slug, res.stdout, res.stderr)
    return index


def extra_page(n, paragraphs=3):
    """HTML and URL of a generated article number n (for commit-while-searching
    and for a bigger index): paragraphs paragraphs of text."""
    url = "http://late.example.com/2017/%04d.html" % n
    title = "Late edition number %d on harbour commerce" % n
    paras = ["Late edition %d reports on harbour commerce and the zephyrine "
             "trade winds that slowed the ships." % n,
             "Dockworkers said the cargo of edition %d arrived a day early." % n]
    paras += ["Paragraph %d of edition %d: the harbour master counted %d ships, "
              "the customs office %d crates, and the weather stayed %s." % (
                  k, n, n + k, n * k, ("fair", "grey", "wet")[k % 3])
              for k in range(paragraphs - 3)]
    paras.append("More on this story in tomorrow's paper.")
    e = html.escape
    doc = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
           '<title>%s</title><meta property="og:type" content="article">'
           '<meta property="og:title" content="%s">'
           '<meta property="og:site_name" content="Late Gazette">'
           '<meta property="article:published_time" content="2017-03-%02dT12:00:00">'
           '</head><body><article><h1>%s</h1>%s</article></body></html>\n'
           % (e(title), e(title), 1 + n % 28, e(title),
              "".join("<p>%s</p>" % e(p) for p in paras)))
    return url, doc
