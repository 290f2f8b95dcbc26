#!/usr/bin/python3
"""expected_stats.py EVENTS.jsonl — what the hub must report, computed from the input alone.

Independent of the hub's SQL and C: reads the JSON lines a district published and applies the
definitions of consumers/STATISTICS.md (a placement's state is its newest event by occurred_at;
it belongs to the month of its start_date and its district; days to school start over placements
with school_change = the first school start minus the start date, negative as 0). Prints one
line per district: district placements children with_school_change school_started median_days.
"""
import collections
import datetime
import json
import statistics
import sys


def ts(s):
    return datetime.datetime.fromisoformat(s)


def main():
    placements = {}  # placement_id -> (occurred_at, event)
    starts = collections.defaultdict(list)  # placement_id -> [start dates]
    children = {}  # placement_id -> a normalised personnummer
    for line in open(sys.argv[1], encoding="utf-8"):
        if not line.strip():
            continue
        e = json.loads(line)
        if e["type"] == "placement":
            pid = e["placement_id"]
            if pid not in placements or ts(e["occurred_at"]) >= placements[pid][0]:
                placements[pid] = (ts(e["occurred_at"]), e)
            pnr = "".join(c for c in e["personnummer"] if c.isdigit())
            children[pid] = pnr[-10:]
        elif e["type"] == "school_start":
            starts[e["placement_id"]].append(datetime.date.fromisoformat(e["start_date"]))
    by_district = collections.defaultdict(list)
    for pid, (_, e) in placements.items():
        by_district[e["district"]].append((pid, e))
    for district in sorted(by_district):
        rows = by_district[district]
        kids = {children[pid] for pid, _ in rows}
        change = [(pid, e) for pid, e in rows if e["school_change"]]
        days = []
        for pid, e in change:
            if starts[pid]:
                d = (min(starts[pid]) - datetime.date.fromisoformat(e["start_date"])).days
                days.append(max(0, d))
        median = statistics.median(days) if days else None
        med = "" if median is None else f"{median:.1f}"
        print(f"{district} {len(rows)} {len(kids)} {len(change)} {len(days)} {med}")


if __name__ == "__main__":
    main()
