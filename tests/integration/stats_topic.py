#!/usr/bin/python3
"""stats_topic.py — the monthly-stats topic read back independently, for test_hub_stats.sh.

  stats_topic.py decode SCHEMA_DIR < KCAT_OUTPUT > MESSAGES.jsonl
      KCAT_OUTPUT is `kcat -C ... -f '%p %o %K %S\\n%k%s'`: per message a header line
      "partition offset key_length value_length" (-1 for null) and then the raw key and value.
      Each value's single-object header is checked (C3 01 + the CRC-64-AVRO fingerprint of
      schemas/monthly_stats/vN.avsc's canonical form, computed by publish_interop.py, not by the
      hub) and the body decoded by python3-avro. One JSON line per message:
      {"partition", "offset", "key", "value": record or null for a tombstone}.

  stats_topic.py check MESSAGES.jsonl REPORT.json
      For the month of REPORT.json (`hubctl report --format json --month M`), the newest message
      of every key "<district>|M" equals the report's figures for that district, cell for cell and
      flag for reason, in both tables; every district of the report has one, and no other key of
      that month holds figures. Prints how many district-months were compared.

  stats_topic.py changed BEFORE.json AFTER.json
      The districts whose rows differ between two reports of the same month (as-of and
      generation time aside), one per line.

  stats_topic.py count MESSAGES.jsonl [PERIOD]
      Number of messages (of keys ending in |PERIOD).

  stats_topic.py new BEFORE.jsonl AFTER.jsonl
      The keys of the messages in AFTER that BEFORE does not have (by partition and offset),
      sorted, one per line ("KEY null" for a tombstone).
"""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import publish_interop  # noqa: E402  (CRC-64-AVRO, canonical form, single-object decoding)

COUNTS = ["placements_started", "children_placed", "with_school_change", "school_started",
          "not_started", "over_threshold"]
DAYS = ["days_median", "days_p90", "days_max"]


def decode(schema_dir):
    data = sys.stdin.buffer.read()
    schemas = publish_interop.load_schemas(schema_dir)
    pos = 0
    while pos < len(data):
        nl = data.index(b"\n", pos)
        part, off, klen, vlen = (int(x) for x in data[pos:nl].split())
        pos = nl + 1
        key = data[pos:pos + max(klen, 0)].decode("utf-8")
        pos += max(klen, 0)
        value = None
        if vlen >= 0:
            raw = data[pos:pos + vlen]
            pos += vlen
            value, _ = publish_interop.decode(raw, schemas, "monthly_stats")
        print(json.dumps({"partition": part, "offset": off, "key": key, "value": value},
                         ensure_ascii=False, sort_keys=True))


def read_messages(path):
    with open(path, encoding="utf-8") as f:
        msgs = [json.loads(line) for line in f if line.strip()]
    msgs.sort(key=lambda m: (m["partition"], m["offset"]))
    return msgs


def latest(msgs):
    out = {}
    for m in msgs:
        out[m["key"]] = m["value"]
    return out


def fail(msg):
    print("stats_topic.py: " + msg, file=sys.stderr)
    sys.exit(1)


def compare_figures(where, rec, row, k):
    """One cell: the record's {value, flag} against the report's value and hidden reason."""
    hidden = row.get("hidden", {})
    # one symbol for every hidden count; "not published" at this level reads suppressed too
    reasons = {"suppressed": ("x", "not published")}
    for name in COUNTS:
        c = rec[name]
        if c["flag"] == "shown":
            ok = c["value"] is not None and c["value"] == row[name] and name not in hidden
        else:
            ok = (c["flag"] in reasons and c["value"] is None and row[name] is None
                  and hidden.get(name) in reasons[c["flag"]])
        if not ok:
            fail("%s %s: record %r, report %r (hidden %r)" % (where, name, c, row[name],
                                                              hidden.get(name)))
    flag = rec["days_flag"]
    for name in DAYS:
        if flag == "shown":
            if rec[name] is None or rec[name] != row[name] or name in hidden:
                fail("%s %s: record %r, report %r" % (where, name, rec[name], row[name]))
        else:
            reasons = ("x", "not published") if flag == "base_below_k" else (None,)
            if rec[name] is not None or row[name] is not None or hidden.get(name) not in reasons:
                fail("%s %s: record %r (%s), report %r (hidden %r)" % (
                    where, name, rec[name], flag, row[name], hidden.get(name)))


def check(messages_path, report_path):
    with open(report_path, encoding="utf-8") as f:
        rep = json.load(f)
    period, k = rep["period"], rep["k"]
    as_of = (datetime.date.fromisoformat(rep["as_of"]) - datetime.date(1970, 1, 1)).days
    now = latest(read_messages(messages_path))
    districts = sorted({r["district"] for r in rep["rows"] if r["period"] == period})
    keys = sorted(key for key, v in now.items() if key.endswith("|" + period) and v is not None)
    if keys != sorted(d + "|" + period for d in districts):
        fail("%s: keys with figures %s, report districts %s" % (period, keys, districts))
    for d in districts:
        rec = now[d + "|" + period]
        where = d + "|" + period
        for name, want in (("district", d), ("period", period), ("k", k),
                           ("threshold_days", rep["threshold_days"]),
                           ("definitions_version", rep["definitions_version"]),
                           ("as_of", as_of)):
            if rec[name] != want:
                fail("%s: %s is %r, the report says %r" % (where, name, rec[name], want))
        rows = [r for r in rep["rows"] if r["period"] == period and r["district"] == d]
        sa = [r for r in rep["by_sex_age"] if r["period"] == period and r["district"] == d]
        if rec["district_name"] != rows[0]["district_name"]:
            fail("%s: district_name %r" % (where, rec["district_name"]))
        # a district's month publishes its total only: the record's other cells are suppressed
        by_fb = {(r["placement_form"], r["legal_basis"]): r for r in rows}
        by_sa = {(r["legal_sex"], r["age_group"]): r for r in sa}
        for r in rec["by_form_basis"]:
            row = by_fb.get((r["placement_form"], r["legal_basis"]))
            where_c = "%s %s/%s" % (where, r["placement_form"], r["legal_basis"])
            if row is None:
                if d == "all" or any(r[n]["flag"] != "suppressed" for n in COUNTS):
                    fail("%s: in the record, not in the report" % where_c)
                continue
            compare_figures(where_c, r, row, k)
        for r in rec["by_sex_age"]:
            row = by_sa.get((r["legal_sex"], r["age_group"]))
            where_c = "%s %s/%s" % (where, r["legal_sex"], r["age_group"])
            if row is None:
                if d == "all" or any(r[n]["flag"] != "suppressed" for n in COUNTS):
                    fail("%s: in the record, not in the report" % where_c)
                continue
            compare_figures(where_c, r, row, k)
        compare_figures(where + " (record)", rec, rows[0], k)
        if (rows[0]["placement_form"], rows[0]["legal_basis"]) != ("all", "all"):
            fail("%s: the report's first row is not all/all" % where)
    print(len(districts))


def changed(before_path, after_path):
    with open(before_path, encoding="utf-8") as f:
        a = json.load(f)
    with open(after_path, encoding="utf-8") as f:
        b = json.load(f)

    def by_district(rep):
        out = {}
        for table in ("rows", "by_sex_age"):
            for r in rep[table]:
                out.setdefault(r["district"], []).append(r)
        return out
    da, db = by_district(a), by_district(b)
    for d in sorted(set(da) | set(db)):
        if da.get(d) != db.get(d):
            print(d)


def count(messages_path, period=None):
    msgs = read_messages(messages_path)
    print(sum(1 for m in msgs if period is None or m["key"].endswith("|" + period)))


def new(before_path, after_path):
    seen = {(m["partition"], m["offset"]) for m in read_messages(before_path)}
    for key, value in sorted((m["key"], m["value"] is None) for m in read_messages(after_path)
                             if (m["partition"], m["offset"]) not in seen):
        print(key + (" null" if value else ""))


def main(argv):
    if len(argv) == 3 and argv[1] == "decode":
        decode(argv[2])
    elif len(argv) == 4 and argv[1] == "check":
        check(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "changed":
        changed(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "new":
        new(argv[2], argv[3])
    elif len(argv) in (3, 4) and argv[1] == "count":
        count(argv[2], argv[3] if len(argv) == 4 else None)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
