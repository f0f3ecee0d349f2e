"""SQLite FTS5 peer of Mediaport's search, for bench/search.sh: the same corpus and the
same query forms, with Python's standard library only.

Usage:
    search_peer.py --corpus FILE --queries FILE [--repeat 200]

--corpus is the JSON lines the Rust bench wrote (one asset document each); --queries its
query mix, one form a line: name, Mediaport's query, the FTS5 query, tab-separated.

One row per asset: a column per analysis kind (its names one to a line), the filename, the
type, the group and the attributes' values, tokenized by unicode61 (which splits and
lower-cases as Mediaport's tokenizer does on this corpus), plus the document itself,
stored but not indexed, so a page carries each hit's names and moments as Mediaport's
does. The table is filled in one transaction, in batches of 200 rows; only the inserts
and the commit are timed, not reading the file. A search is the top 20 by bm25 (FTS5's
`rank`) with their documents decoded, and the count of all matches; no facets, no
per-hit matching names or highlights.

Prints to stdout:
    peer build assets=<n> detections=<d> seconds=<s> assets_per_second=<a> detections_per_second=<x> bytes=<b>
    peer query <form> total=<t> queries=<q> p50_ms=<a> p99_ms=<b> qps=<x>
    peer overall clients=<1|2> queries=<q> p50_ms=<a> p99_ms=<b> qps=<x>
"""

import argparse
import itertools
import json
import math
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time

KINDS = ["label", "face", "face_match", "text", "moderation", "shot", "transcript", "keyphrase", "entity", "sentiment"]
BATCH = 200
WARM_UP = 10
CLIENTS = 2
PAGE = 20

TOP = f"SELECT asset_id, document FROM assets WHERE assets MATCH ? ORDER BY rank LIMIT {PAGE}"
COUNT = "SELECT count(*) FROM assets WHERE assets MATCH ?"


def say(text):
    print(f"bench: {text}", file=sys.stderr, flush=True)


def row(line, document):
    names = document["names"]
    texts = ["\n".join(n["name"] for n in names.get(kind, [])) for kind in KINDS]
    attributes = " ".join(document.get("attributes", {}).values())
    group = document.get("group") or ""
    return (document["asset_id"], document["filename"], document["asset_type"], group, attributes, *texts, line)


def detections(document):
    return sum(len(n.get("timecodes", [])) for names in document["names"].values() for n in names)


def build(db, corpus):
    con = sqlite3.connect(db, isolation_level=None)
    columns = ", ".join(["asset_id UNINDEXED", "filename", "type", "grp", "attributes", *KINDS, "document UNINDEXED"])
    con.execute(f"CREATE VIRTUAL TABLE assets USING fts5({columns}, tokenize='unicode61')")
    insert = f"INSERT INTO assets VALUES ({', '.join('?' * (len(KINDS) + 6))})"
    assets = found = 0
    seconds = 0.0
    with open(corpus, encoding="utf-8") as lines:
        con.execute("BEGIN")
        while batch := list(itertools.islice(lines, BATCH)):
            documents = [(line.rstrip("\n"), json.loads(line)) for line in batch]
            assets += len(documents)
            found += sum(detections(d) for _, d in documents)
            started = time.perf_counter()
            con.executemany(insert, (row(line, d) for line, d in documents))
            seconds += time.perf_counter() - started
            if assets % 10_000 == 0:
                say(f"peer inserted {assets} assets in {seconds:.0f} s")
        started = time.perf_counter()
        con.execute("COMMIT")
        seconds += time.perf_counter() - started
    con.close()
    size = os.path.getsize(db)
    print(
        f"peer build assets={assets} detections={found} seconds={seconds:.1f} assets_per_second={assets / seconds:.0f} "
        f"detections_per_second={found / seconds:.0f} bytes={size}",
        flush=True,
    )


def search(con, match):
    hits = [(asset_id, json.loads(document)) for asset_id, document in con.execute(TOP, (match,))]
    (total,) = con.execute(COUNT, (match,)).fetchone()
    return total, hits


def timed(con, matches, repeat):
    """Milliseconds of each search, `repeat` times through `matches` in turn."""
    times = []
    for match in matches:
        for _ in range(repeat):
            started = time.perf_counter()
            search(con, match)
            times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times, seconds):
    """A percentile is the nearest rank, as the Rust bench takes it."""
    ordered = sorted(times)

    def at(p):
        return ordered[min(max(math.ceil(len(ordered) * p), 1), len(ordered)) - 1]

    return f"queries={len(ordered)} p50_ms={at(0.5):.3f} p99_ms={at(0.99):.3f} qps={len(ordered) / seconds:.1f}"


def client(db, matches, repeat, ready):
    """One of the concurrent clients: its own connection, warmed, then the mix."""
    con = sqlite3.connect(db)
    for match in matches:
        search(con, match)
    ready.wait()
    started = time.monotonic()
    times = timed(con, matches, repeat)
    return started, time.monotonic(), times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with open(args.queries, encoding="utf-8") as lines:
        forms = [line.rstrip("\n").split("\t") for line in lines if line.strip()]
    with tempfile.TemporaryDirectory(prefix="mediaport-fts5-") as work:
        db = os.path.join(work, "assets.db")
        build(db, args.corpus)
        con = sqlite3.connect(db)
        every, seconds = [], 0.0
        for name, _, match in forms:
            for _ in range(WARM_UP):
                total, _ = search(con, match)
            started = time.perf_counter()
            times = timed(con, [match], args.repeat)
            spent = time.perf_counter() - started
            print(f"peer query {name} total={total} {summary(times, spent)}", flush=True)
            every += times
            seconds += spent
        print(f"peer overall clients=1 {summary(every, seconds)}", flush=True)
        con.close()
        # Processes, not threads: two clients, as two requests to a server would be.
        matches = [match for _, _, match in forms]
        with multiprocessing.Manager() as manager:
            ready = manager.Barrier(CLIENTS)
            orders = [matches[c * len(matches) // CLIENTS :] + matches[: c * len(matches) // CLIENTS] for c in range(CLIENTS)]
            with multiprocessing.get_context("fork").Pool(CLIENTS) as pool:
                runs = pool.starmap(client, [(db, order, args.repeat, ready) for order in orders])
        wall = max(end for _, end, _ in runs) - min(start for start, _, _ in runs)
        print(f"peer overall clients={CLIENTS} {summary([t for _, _, ts in runs for t in ts], wall)}", flush=True)


if __name__ == "__main__":
    main()
