"""The peer of backends/benches/stats.rs: the same three statements the catalog's stats
run, straight from Python's sqlite3 on the same file, timed the same way."""
import argparse
import datetime
import sqlite3
import time

GROUPS = ("SELECT asset_type, status, COUNT(*) AS assets, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes "
          "FROM assets GROUP BY asset_type, status")
TOTALS = ("SELECT CAST(COALESCE(SUM(CASE WHEN analysis IS NOT NULL AND analysis != '{}' "
          "THEN duration_ms END), 0) AS BIGINT) AS ms, CAST(COALESCE(SUM(proxy_bytes), 0) AS BIGINT) AS made FROM assets")
ADDED = ("SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS assets FROM assets "
         "WHERE created_at >= ? GROUP BY substr(created_at, 1, 10)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    times = []
    for run in range(5 + args.repeat):
        started = time.perf_counter()
        groups = db.execute(GROUPS).fetchall()
        db.execute(TOTALS).fetchone()
        db.execute(ADDED, (today,)).fetchall()
        if run >= 5:
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    pick = lambda p: times[round((len(times) - 1) * p)]
    print(f"sqlite3 stats p50_ms={pick(0.5):.2f} p99_ms={pick(0.99):.2f} assets={sum(g[2] for g in groups)}")


main()
