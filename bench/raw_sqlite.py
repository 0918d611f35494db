#!/usr/bin/env python3
"""Raw SQLite baseline: one transaction per insert, WAL, synchronous=FULL
(Belay's settings), a check-in-like row, for SECONDS seconds. Prints the
inserts per second.

    python3 bench/raw_sqlite.py DIR SECONDS
"""
import os
import sqlite3
import sys
import time
import uuid

directory, seconds = sys.argv[1], float(sys.argv[2])
db = sqlite3.connect(os.path.join(directory, "raw.db"), isolation_level=None)
db.execute("pragma journal_mode=wal")
db.execute("pragma synchronous=full")
db.execute(
    "create table checkin (member_id blob not null, local_date text not null, mood integer,"
    " craving integer, sleep_hours real, triggers text, created_at text, updated_at text,"
    " primary key (member_id, local_date))"
)
n = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    db.execute("begin immediate")
    db.execute(
        "insert into checkin values (?, '2026-11-25', 4, 2, 7.5, 'work', '2026-11-25T12:00:00Z',"
        " '2026-11-25T12:00:00Z')",
        (uuid.uuid4().bytes,),
    )
    db.execute("commit")
    n += 1
print(f"{n / seconds:.0f}")
