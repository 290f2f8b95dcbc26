#!/usr/bin/python3
"""followup_attack.py — attack the published follow-up report as a reader would, by arithmetic.

Usage: followup_attack.py REPORT.json TRUTH.json [--plant]
       followup_attack.py YEAR.json YEAR_TRUTH.json --with-last-tertial T3.json T3_TRUTH.json

REPORT.json is what `hubctl report --follow-up --format json` published; TRUTH.json the true
counts recomputed from the read model by followup_truth.sql (never by the hub's C code).

The reader knows every shown count, that a hidden count ("x") is a whole number >= 0, that a
share's complement is base - numerator, that districts add up to the city and that the groups of
each table (legal sex, placement form, school form) add up to its "all" row; goals and
eligibility do not apply to gymnasieskola (0). From those equations it narrows every hidden count
by interval propagation until nothing changes, and reports a leak when a hidden count that is
really 1..k-1 ends up pinned, known to be small (its range inside 1..k-1), or with a range of
fewer than k values (the protection rule of consumers/STATISTICS.md: at least k values, one of
them outside 1..k-1).

It also checks, against the truth, that every shown count and share is right and that no shown
count is 1..k-1.

--with-last-tertial: attack a year report and its last tertial together. Every child counted in
the last tertial is counted in the year with the same follow-up (its newest of the year), so
every year count is at least the tertial's same count; the reader adds those inequalities to the
equations of both reports.

--plant: first reveal, from the truth, the other hidden counts of one equation around a small
hidden count (the mistake a wrong secondary suppression makes), then attack; exit 0 only if the
attack finds that planted leak. Exit codes: 0 no leak (or the planted one found), 1 a leak or a
wrong figure (or the planted leak missed), 2 usage.
"""
import json
import sys

MEASURES = {
    "att": ("followed_up", "attendance_90", "attendance_90_share"),
    "goals": ("goals_assessed", "goals_reached", "goals_reached_share"),
    "elig": ("eligibility_given", "eligible", "eligible_share"),
}
INF = float("inf")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def norm(row):
    """The cell's (district, table, group): a table's all row is one cell for every table."""
    if row["group"] == "all":
        return (row["district"], "all", "all")
    return (row["district"], row["table"], row["group"])


class Reader:
    def __init__(self, report, truth):
        self.k = int(report["k"])
        self.truth = {}
        for r in truth:
            key = norm(r)
            for m, (b, y, _) in MEASURES.items():
                self.truth[key + (m, "base")] = r[b]
                self.truth[key + (m, "yes")] = r[y]
                self.truth[key + (m, "no")] = r[b] - r[y]
        self.lo, self.hi, self.hidden = {}, {}, set()
        self.rows = report["rows"]
        self.districts = sorted({norm(r)[0] for r in self.rows} - {"all"})
        self.groups = {}
        for r in self.rows:
            d, t, g = norm(r)
            if t != "all":
                self.groups.setdefault(t, set()).add(g)
        self.errors = []

    def true(self, var):
        return self.truth.get(var, 0)

    def read(self):
        """Shown counts are known; hidden ones are >= 0; not applicable ones are 0."""
        for r in self.rows:
            key = norm(r)
            hidden = r.get("hidden", {})
            for m, (b, y, share) in MEASURES.items():
                for col, out in ((b, "base"), (y, "yes")):
                    var = key + (m, out)
                    v = r.get(col)
                    if col in hidden:
                        self.set_unknown(var)
                    elif v is None:
                        self.set_known(var, 0)
                    else:
                        self.set_known(var, int(v))
                        if 1 <= v < self.k:
                            self.errors.append("shown count %s = %d is below k" % (var, v))
                        if v != self.true(var):
                            self.errors.append("%s: shown %d, true %d" % (var, v, self.true(var)))
                s = r.get(share)
                if s is not None:
                    base, yes = self.true(key + (m, "base")), self.true(key + (m, "yes"))
                    want = round(1000 * yes / base) / 10 if base else None
                    if want is None or abs(s - want) > 0.05:
                        self.errors.append("%s share: shown %s, true %s" % (key + (m,), s, want))
                var = key + (m, "no")
                if var not in self.lo:
                    self.set_unknown(var)

    def set_known(self, var, v):
        self.lo[var] = self.hi[var] = v

    def set_unknown(self, var):
        self.lo[var], self.hi[var] = 0, INF
        self.hidden.add(var)

    def equations(self):
        """Each as (lhs variable, [rhs variables]): lhs = sum(rhs)."""
        eqs = []
        cells = sorted({norm(r) for r in self.rows})
        for (d, t, g) in cells:
            for m in MEASURES:
                eqs.append(((d, t, g, m, "base"), [(d, t, g, m, "yes"), (d, t, g, m, "no")]))
        for (d, t, g) in cells:
            if d != "all":
                continue
            for m in MEASURES:
                for o in ("base", "yes", "no"):
                    eqs.append(((d, t, g, m, o), [(x, t, g, m, o) for x in self.districts]))
        for d in ["all"] + self.districts:
            for t, gs in self.groups.items():
                for m in MEASURES:
                    for o in ("base", "yes", "no"):
                        eqs.append(((d, "all", "all", m, o), [(d, t, g, m, o) for g in sorted(gs)]))
        return eqs

    def propagate(self, eqs, ineqs=()):
        """eqs: (lhs, [rhs]) with lhs = sum(rhs); ineqs: (big, small) with big >= small."""
        for _ in range(300):
            changed = False
            for big, small in ineqs:
                if self.lo[small] > self.lo[big]:
                    self.lo[big] = self.lo[small]
                    changed = True
                if self.hi[big] < self.hi[small]:
                    self.hi[small] = self.hi[big]
                    changed = True
            for lhs, rhs in eqs:
                terms = [(lhs, 1)] + [(v, -1) for v in rhs]
                for v in [lhs] + rhs:
                    self.lo.setdefault(v, 0)
                    self.hi.setdefault(v, 0)
                for i, (v, c) in enumerate(terms):
                    # c*v = -sum(others): bounds of the others' sum
                    olo = ohi = 0.0
                    for j, (w, cw) in enumerate(terms):
                        if j == i:
                            continue
                        lo, hi = (self.lo[w], self.hi[w]) if cw > 0 else (-self.hi[w], -self.lo[w])
                        olo += lo
                        ohi += hi
                    vlo, vhi = (-ohi, -olo) if c > 0 else (olo, ohi)
                    if vlo > self.lo[v]:
                        self.lo[v] = vlo
                        changed = True
                    if vhi < self.hi[v]:
                        self.hi[v] = vhi
                        changed = True
            if not changed:
                return

    def leaks(self):
        found = []
        for v in sorted(self.hidden, key=str):
            lo, hi, t = self.lo[v], self.hi[v], self.true(v)
            if lo == hi and 1 <= lo < self.k:
                found.append("%s pinned to %d" % (v, lo))
            elif lo >= 1 and hi < self.k:
                found.append("%s known to be small: %g..%g" % (v, lo, hi))
            elif 1 <= t < self.k and hi - lo + 1 < self.k:
                found.append("%s (true %d) narrowed to %g..%g" % (v, t, lo, hi))
        return found


def plant(report, reader):
    """Reveals the other hidden counts of one equation around a small hidden base or yes."""
    columns = {(m, o): MEASURES[m][0 if o == "base" else 1] for m in MEASURES for o in ("base", "yes")}
    by_cell = {}
    for r in report["rows"]:
        by_cell.setdefault(norm(r), []).append(r)
    for lhs, rhs in reader.equations():
        vars_ = [lhs] + rhs
        hidden = [v for v in vars_ if v in reader.hidden]
        small = [v for v in hidden if v[4] != "no" and 1 <= reader.true(v) < reader.k]
        if not small or any(v[4] == "no" for v in hidden if v != small[0]) or len(hidden) < 2:
            continue
        target = small[0]
        for v in hidden:
            if v == target:
                continue
            col = columns[(v[3], v[4])]
            for r in by_cell[v[:3]]:
                r[col] = reader.true(v)
                r.get("hidden", {}).pop(col, None)
        return target
    return None


class Joint(Reader):
    """Two readers' variables under one roof, tagged by report."""

    def __init__(self, readers):
        first = readers[0][1]
        self.k, self.errors = first.k, []
        self.lo, self.hi, self.hidden, self.truth = {}, {}, set(), {}
        self.eqs = []
        for tag, r in readers:
            r.read()
            self.errors += r.errors
            for lhs, rhs in r.equations():
                self.eqs.append(((tag,) + lhs, [(tag,) + v for v in rhs]))
            for v in r.lo:
                self.lo[(tag,) + v], self.hi[(tag,) + v] = r.lo[v], r.hi[v]
            self.hidden |= {(tag,) + v for v in r.hidden}
            self.truth.update({(tag,) + v: t for v, t in r.truth.items()})


def main_joint(argv):
    year = Reader(load(argv[1]), load(argv[2]))
    last = Reader(load(argv[4]), load(argv[5]))
    j = Joint([("year", year), ("tertial", last)])
    ineqs = [(("year",) + v[1:], v) for v in j.lo if v[0] == "tertial" and ("year",) + v[1:] in j.lo]
    j.propagate(j.eqs, ineqs)
    leaks = j.leaks()
    small = sum(1 for v in j.hidden if 1 <= j.true(v) < j.k)
    print("followup_attack: year and last tertial together: %d hidden counts (%d of them small), "
          "%d inequalities, %d leaks, %d wrong figures"
          % (len(j.hidden), small, len(ineqs), len(leaks), len(j.errors)))
    for line in (j.errors + leaks)[:20]:
        print("  " + line)
    return 1 if leaks or j.errors else 0


def main(argv):
    if len(argv) == 6 and argv[3] == "--with-last-tertial":
        return main_joint(argv)
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--plant"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    report, truth = load(argv[1]), load(argv[2])
    target = None
    if len(argv) == 4:
        probe = Reader(report, truth)
        probe.read()
        target = plant(report, probe)
        if target is None:
            print("followup_attack: nothing to plant: no small hidden count", file=sys.stderr)
            return 1
    reader = Reader(report, truth)
    reader.read()
    reader.propagate(reader.equations())
    leaks = reader.leaks()
    hidden = len(reader.hidden)
    small = sum(1 for v in reader.hidden if 1 <= reader.true(v) < reader.k)
    print("followup_attack: %d hidden counts (%d of them small), %d leaks, %d wrong figures"
          % (hidden, small, len(leaks), len(reader.errors)))
    for line in (reader.errors + leaks)[:20]:
        print("  " + line)
    if target is not None:
        hit = any(str(target) in line for line in leaks)
        print("followup_attack: planted a leak at %s: %s" % (target, "found" if hit else "MISSED"))
        return 0 if hit else 1  # revealing may show small counts too: the plant's own doing
    return 1 if leaks or reader.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
