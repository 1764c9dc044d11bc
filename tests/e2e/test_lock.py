"""Lock discipline: two `gazette-indexer add` runs started at once on the
same index.  Exactly one writes (exit 0, its documents all there); the
other finds the lock taken and exits 75 (EX_TEMPFAIL) within a second,
saying the index is locked, without touching the index.

Rounds alternate between a fresh index (both race to create it) and an
existing one that holds other documents.  GZ_LOCK_ROUNDS (default 50) sets the number of rounds.
"""

import os
import subprocess
import time

from conftest import binary, doc_count, run
from test_crash import write_articles, write_index_config

EX_TEMPFAIL = 75


def start(args):
    t = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p, t


def test_two_writers_exactly_one_wins(tmp_path):
    rounds = int(os.environ.get("GZ_LOCK_ROUNDS", "50"))
    # Enough files that the winner holds the lock well past the loser's start.
    a = write_articles(tmp_path / "a", 400)
    b = write_articles(tmp_path / "b", 400, start=400)
    c = write_articles(tmp_path / "c", 20, start=800)
    loser_times = []
    deadline = time.monotonic() + 90
    for r in range(rounds):
        assert time.monotonic() < deadline, "rounds took too long (%d done)" % r
        # A fresh index on even rounds; on odd ones an existing index holding
        # other documents, so that the winner always has all its files to
        # write (a re-run of already indexed files would end too soon).
        index = tmp_path / ("index-%d" % r)
        conf = write_index_config(tmp_path / ("c-%d.conf" % r), index, no_sync=True,
                                  commit_every=50)
        if r % 2:
            res = run([binary("gazette-indexer"), "add", "--config", conf] + c)
            assert res.returncode == 0, res.stderr[-500:]
        before = doc_count(index) if index.exists() else 0
        pa, ta = start([binary("gazette-indexer"), "add", "--config", conf] + a)
        pb, tb = start([binary("gazette-indexer"), "add", "--config", conf] + b)
        outs = {}
        for name, p, t0 in (("a", pa, ta), ("b", pb, tb)):
            out, err = p.communicate(timeout=60)
            outs[name] = (p.returncode, time.monotonic() - t0, out, err)
        codes = sorted(v[0] for v in outs.values())
        assert codes == [0, EX_TEMPFAIL], "round %d: exit codes %s\n%s" % (
            r, codes, "\n".join(v[3][-500:] for v in outs.values()))
        winner = "a" if outs["a"][0] == 0 else "b"
        loser = "b" if winner == "a" else "a"
        rc, secs, out, err = outs[loser]
        assert "locked" in err, err
        assert secs < 1.0, "round %d: the loser took %.2fs to give up" % (r, secs)
        loser_times.append(secs)
        # The loser wrote nothing: only the winner's files are new.
        after = doc_count(index)
        won = a if winner == "a" else b
        res = run(["xapian-check", str(index)], timeout=60)
        assert res.returncode == 0, res.stdout[-1000:]
        assert after - before in (len(won), 0), (before, after)
        if before == 0:
            assert after == len(won)
    print("rounds=%d loser_max=%.3fs" % (rounds, max(loser_times)))
