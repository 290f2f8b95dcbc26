#!/usr/bin/python3
"""gen_events.py — synthetic, reproducible hub-publish input for integration tests.

    gen_events.py --children N [--seed S] [--month 2026-03] [--district farsta] [--follow-ups]

Per child: a placement `started`, for some a `changed` (new form), for some an `ended`, a school
start for most, a handover for those with a school change. With --follow-ups also one to three
follow-ups of schooling per child (a second review, a correction of the first, an older review
reported late), drawn from a stream of their own so the other events stay the same. Personnummer are synthetic with valid
Luhn check digits. Output is JSON lines on stdout.
"""
import argparse
import json
import random
import uuid

FORMS = ["jourhem", "familjehem", "hvb", "stodboende", "skyddat_boende", "sis",
         "behandlingsfamilj"]
DISTRICTS = ["bromma", "enskede-arsta-vantor", "farsta", "hasselby-vallingby", "kungsholmen",
             "skarholmen", "skarpnack", "sodermalm", "hagersten-alvsjo", "jarva",
             "norra-innerstaden"]
GROUNDS = ["consent_guardian", "consent_child", "consent_guardian_and_child",
           "secrecy_exception", "none"]


def luhn(nine):
    total = 0
    for i, c in enumerate(nine):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def pnr(rng, i):
    year = rng.randint(2009, 2022)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    serial = f"{(i * 7 + 13) % 1000:03d}"
    nine = f"{year % 100:02d}{month:02d}{day:02d}{serial}"
    return f"{year}{month:02d}{day:02d}-{serial}{luhn(nine)}"


def uid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def follow_up(rng, base, pid, y, m, review, at, grade):
    e = dict(base, type="follow_up", event_id=uid(rng), occurred_at=at, placement_id=pid,
             review_date=f"{y}-{m:02d}-{review:02d}", school_form="grundskola", grade_year=grade,
             attendance=rng.choice(["from_90", "from_80_to_89", "from_50_to_79", "below_50",
                                    "unknown"]),
             knowledge_goals=rng.choice(["reached", "reached", "not_reached", "not_assessed"]))
    if grade == 9 and rng.random() < 0.8:
        e["upper_secondary_eligible"] = rng.random() < 0.6
    return e


def follow_ups(rng, base, pid, y, m, day):
    """A review after the start; for some a second one, a correction, a late older one."""
    grade = rng.randint(1, 9)
    first = min(28, day + rng.randint(0, 10))
    out = [follow_up(rng, base, pid, y, m, first, f"{y}-{m:02d}-{first:02d}T15:00:00+01:00",
                     grade)]
    if first < 28 and rng.random() < 0.3:
        second = rng.randint(first + 1, 28)
        out.append(follow_up(rng, base, pid, y, m, second,
                             f"{y}-{m:02d}-{second:02d}T15:30:00+01:00", grade))
        if rng.random() < 0.5:  # the first review, reported again after the second
            out.append(follow_up(rng, base, pid, y, m, first,
                                 f"{y}-{m:02d}-{second:02d}T16:00:00+01:00", grade))
    elif rng.random() < 0.2:  # a correction of the first review
        out.append(follow_up(rng, base, pid, y, m, first,
                             f"{y}-{m:02d}-{first:02d}T17:00:00+01:00", grade))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--children", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--month", default="2026-03")
    ap.add_argument("--district")
    ap.add_argument("--placements-only", action="store_true",
                    help="one `started` placement per child and nothing else")
    ap.add_argument("--follow-ups", action="store_true",
                    help="also follow-ups of schooling (issue 19)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    frng = random.Random(a.seed * 7919 + 19)
    y, m = (int(x) for x in a.month.split("-"))
    out = []
    for i in range(a.children):
        p = pnr(rng, i)
        district = a.district or DISTRICTS[i % len(DISTRICTS)]
        pid = uid(rng)
        day = rng.randint(1, 28)
        start = f"{y}-{m:02d}-{day:02d}"
        form = rng.choice(FORMS)
        basis = "LVU" if form == "sis" or rng.random() < 0.3 else "SoL"
        change = rng.random() < 0.8
        hour = 8 + i % 9
        base = {"district": district, "personnummer": p}
        out.append(dict(base, type="placement", event_id=uid(rng),
                        occurred_at=f"{start}T{hour:02d}:00:00+01:00", placement_id=pid,
                        action="started", legal_basis=basis, placement_form=form,
                        start_date=start, school_change=change))
        if a.placements_only:
            continue
        if rng.random() < 0.2:
            form2 = rng.choice(FORMS)
            out.append(dict(base, type="placement", event_id=uid(rng),
                            occurred_at=f"{start}T{hour:02d}:30:00+01:00", placement_id=pid,
                            action="changed", legal_basis="LVU" if form2 == "sis" else basis,
                            placement_form=form2, start_date=start, school_change=change))
        if rng.random() < 0.15:
            end = f"{y}-{m:02d}-{min(28, day + rng.randint(0, 3)):02d}"
            out.append(dict(base, type="placement", event_id=uid(rng),
                            occurred_at=f"{end}T17:00:00+01:00", placement_id=pid,
                            action="ended", legal_basis=basis, placement_form=form,
                            start_date=start, end_date=end, school_change=change))
        unit = f"{10000000 + rng.randint(0, 89999999):08d}"
        if change and rng.random() < 0.85:
            sday = min(28, max(1, day + rng.randint(-2, 20)))
            out.append(dict(base, type="school_start", event_id=uid(rng),
                            occurred_at=f"{y}-{m:02d}-{sday:02d}T08:00:00+01:00",
                            placement_id=pid, school_unit=unit, school_form="grundskola",
                            start_date=f"{y}-{m:02d}-{sday:02d}"))
        if a.follow_ups:
            out.extend(follow_ups(frng, base, pid, y, m, day))
        if change:
            out.append(dict(base, type="handover", event_id=uid(rng),
                            occurred_at=f"{start}T{hour:02d}:45:00+01:00", handover_id=uid(rng),
                            placement_id=pid, receiving_school_unit=unit,
                            planned_start_date=start, legal_ground=rng.choice(GROUNDS),
                            contact={"name": "Test Kontakt", "role": "skolsamordnare",
                                     "phone": "08-508 000 00", "email": "kontakt@example.se"}))
    for e in out:
        print(json.dumps(e, ensure_ascii=False))


if __name__ == "__main__":
    main()
