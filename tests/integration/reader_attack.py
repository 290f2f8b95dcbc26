#!/usr/bin/python3
"""reader_attack.py — an outside reader of the published statistics (issue 13).

Reads report files written by `hubctl report --format csv|json`, writes down everything a reader
knows (shown values, what a hidden symbol means, and the sums and inequalities that hold between
cells by the definitions in consumers/STATISTICS.md §2-§3), and derives for every hidden cell the
smallest and the largest value consistent with all of it by linear programming with GLPK
(through ctypes). It uses no code of the hub, only the published files.

    reader_attack.py [--truth FILE]... [--k K] [--same-data] [--as-of DATE] [--exact]
                     [--x-means auto|any|zero-or-k] [--unpublished | --check-unpublished]
                     [--no-child-equalities] REPORT...

REPORT is a CSV or JSON file. A CSV report does not say its as-of date: give it as FILE@YYYY-MM-DD
or with --as-of. Cells of the same as-of date are the same unknowns in every file; cells of
different as-of dates are separate unknowns unless --same-data says nothing changed between them.

What the reader knows. A shown count is exact. `<k` is 1..k-1; `x` is "0 or more" (--x-means
any), or, where the publication also uses `<k` (the two-symbol scheme, in which every count from
1 to k-1 is `<k`), "0 or at least k" (--x-means zero-or-k; `auto` picks it when any file uses
`<k`); that disjunction is applied by iterating (an `x` that cannot reach k is 0, one that cannot
be 0 is at least k), which is sound. Counts not published at a level (empty in the CSV, "not
published" in the JSON) are left out with the lines through them, unless --unpublished makes them
unknowns (a stronger reader, much slower on a year). The relations: forms and legal bases add up,
legal sexes and age groups add up, the two tables share their (all, all), districts add up to the
city, months to their tertial and tertials (else months) to the year, with_school_change =
school_started + not_started, over_threshold <= school_started, with_school_change and
children_placed <= placements_started, a cell with a placement has a child; distinct children
of a total lie between its largest part and the sum of its parts, and equal the sum over legal
sexes and over age groups (a child has one sex and, within a year, one age group;
--no-child-equalities drops that); and the shown days figures bound over_threshold (the value
at rank r exceeds the threshold iff over_threshold >= S - r + 1).

How. Bound propagation to a fixed point; two-cell equations make aliases; the rest is split into
components. Each question about a hidden cell is answered by witnesses (feasible points: the truth,
solutions of small LPs that move a few periods of one measure family with everything else at the
truth) and outer bounds (optima of small LPs of the relations around one district-period with the
others free within their bounds); only what they leave open goes to the LP of the whole component.
Without --exact only the verdict is computed (pinned counts then what was proven; a narrowed line
shows `outer=[..]` where only an outer range was needed); --exact gives every exact range. The
ranges are the LP relaxation rounded inwards: an integer program could only narrow them further.

--truth FILE: true values of the cells (tests/integration/stats_truth.sql writes them), one file
per as-of date. With it the protection rule is checked: a hidden cell whose true value is 1..k-1
is *narrowed* unless its derived range spans at least k values and contains one outside 1..k-1.
Every district's (and the city's) placements_started for all forms and both bases that is at
least k must be shown. Every shown value must equal the truth, and the truth must satisfy every
relation the reader uses (else the reader's model or the hub is wrong: exit 2). The truth also
serves as the base point of the witnesses; it speeds the search up and changes no range.

Output: one line per narrowed cell, a line per required total that is hidden, and
`reader: hidden=N small=M narrowed=P pinned=Q` (pinned: hidden cells with a one-value range),
then details and the elapsed time. Exit 0 when nothing is narrowed and no required total is
hidden, 1 otherwise, 2 on bad input (one line naming the file and what).

--selftest runs tests/integration/reader_attack_selftest.py.
"""

import argparse
import csv
import ctypes
import ctypes.util
import itertools
import json
import math
import os
import random
import re
import sys
import time

MEASURES = ('placements_started', 'children_placed', 'with_school_change', 'school_started',
            'not_started', 'over_threshold')
ADDITIVE = ('placements_started', 'with_school_change', 'school_started', 'not_started',
            'over_threshold')
DAYS = ('days_median', 'days_p90', 'days_max')
CSV_COLUMNS = ('period', 'district', 'district_name', 'placement_form', 'legal_basis',
               'placements_started', 'children_placed', 'with_school_change', 'school_started',
               'days_median', 'days_p90', 'days_max', 'over_threshold', 'not_started')
BASES = ('SoL', 'LVU')
SEXES = ('female', 'male')
ALL = 'all'
EPS = 1e-6
INF = math.inf

RE_MONTH = re.compile(r'^(\d{4})-(0[1-9]|1[0-2])$')
RE_TERTIAL = re.compile(r'^(\d{4})T([123])$')
RE_YEAR = re.compile(r'^(\d{4})$')
RE_DATE = re.compile(r'^\d{4}-\d{2}-\d{2}$')
RE_BELOW = re.compile(r'^<(\d+)$')


class BadInput(Exception):
    """Bad input: the message names the file and what is wrong (exit 2)."""


def period_kind(period):
    if RE_MONTH.match(period):
        return 'month'
    if RE_TERTIAL.match(period):
        return 'tertial'
    if RE_YEAR.match(period):
        return 'year'
    return None


def tertial_months(period):
    m = RE_TERTIAL.match(period)
    year, t = m.group(1), int(m.group(2))
    return ['%s-%02d' % (year, month) for month in range(4 * t - 3, 4 * t + 1)]


# ---------------------------------------------------------------------------------------------
# GLPK through ctypes
# ---------------------------------------------------------------------------------------------

GLP_MIN, GLP_MAX = 1, 2
GLP_FR, GLP_LO, GLP_UP, GLP_DB, GLP_FX = 1, 2, 3, 4, 5
GLP_UNDEF, GLP_FEAS, GLP_INFEAS, GLP_NOFEAS, GLP_OPT, GLP_UNBND = 1, 2, 3, 4, 5, 6
GLP_MSG_OFF = 0
GLP_OFF = 0


class Smcp(ctypes.Structure):
    """glp_smcp of /usr/include/glpk.h (GLPK 5.0)."""
    _fields_ = [('msg_lev', ctypes.c_int), ('meth', ctypes.c_int), ('pricing', ctypes.c_int),
                ('r_test', ctypes.c_int), ('tol_bnd', ctypes.c_double),
                ('tol_dj', ctypes.c_double), ('tol_piv', ctypes.c_double),
                ('obj_ll', ctypes.c_double), ('obj_ul', ctypes.c_double),
                ('it_lim', ctypes.c_int), ('tm_lim', ctypes.c_int), ('out_frq', ctypes.c_int),
                ('out_dly', ctypes.c_int), ('presolve', ctypes.c_int), ('excl', ctypes.c_int),
                ('shift', ctypes.c_int), ('aorn', ctypes.c_int),
                ('foo_bar', ctypes.c_double * 33)]


class Glpk:
    def __init__(self):
        names = ['libglpk.so', 'libglpk.so.40']
        found = ctypes.util.find_library('glpk')
        if found:
            names.append(found)
        self.lib = None
        for name in names:
            try:
                self.lib = ctypes.CDLL(name)
                break
            except OSError:
                continue
        if self.lib is None:
            raise BadInput('libglpk.so: not found (apt-get install libglpk-dev)')
        lib = self.lib
        P = ctypes.c_void_p
        i, d = ctypes.c_int, ctypes.c_double
        sig = {
            'glp_create_prob': (P, []), 'glp_delete_prob': (None, [P]),
            'glp_set_obj_dir': (None, [P, i]), 'glp_add_rows': (i, [P, i]),
            'glp_add_cols': (i, [P, i]), 'glp_set_row_bnds': (None, [P, i, i, d, d]),
            'glp_set_col_bnds': (None, [P, i, i, d, d]), 'glp_set_obj_coef': (None, [P, i, d]),
            'glp_load_matrix': (None, [P, i, ctypes.POINTER(i), ctypes.POINTER(i),
                                       ctypes.POINTER(d)]),
            'glp_simplex': (i, [P, ctypes.POINTER(Smcp)]), 'glp_init_smcp': (None, [ctypes.POINTER(Smcp)]),
            'glp_get_status': (i, [P]), 'glp_get_obj_val': (d, [P]),
            'glp_get_col_prim': (d, [P, i]), 'glp_term_out': (i, [i]),
            'glp_std_basis': (None, [P]), 'glp_adv_basis': (None, [P, i]),
            'glp_version': (ctypes.c_char_p, []),
        }
        for name, (res, args) in sig.items():
            f = getattr(lib, name)
            f.restype = res
            f.argtypes = args
            setattr(self, name[4:], f)
        self.term_out(GLP_OFF)
        self.parm = Smcp()
        self.init_smcp(ctypes.byref(self.parm))
        self.parm.msg_lev = GLP_MSG_OFF
        self.parm.presolve = GLP_OFF  # keep the basis between objectives
        if os.environ.get('READER_GLPK_PRICING'):
            self.parm.pricing = int(os.environ['READER_GLPK_PRICING'], 0)
        if os.environ.get('READER_GLPK_METH'):
            self.parm.meth = int(os.environ['READER_GLPK_METH'])
        if os.environ.get('READER_GLPK_RTEST'):
            self.parm.r_test = int(os.environ['READER_GLPK_RTEST'], 0)
        self.solves = 0


def bound_type(lo, hi):
    if lo == -INF and hi == INF:
        return GLP_FR, 0.0, 0.0
    if hi == INF:
        return GLP_LO, lo, 0.0
    if lo == -INF:
        return GLP_UP, 0.0, hi
    if lo == hi:
        return GLP_FX, lo, hi
    return GLP_DB, lo, hi


class LP:
    """One component: columns 1..n with bounds, rows lo <= sum a x <= hi; min/max per column."""

    def __init__(self, g, bounds, rows):
        self.g = g
        self.n = len(bounds)
        self.P = g.create_prob()
        g.add_cols(self.P, self.n)
        for j, (lo, hi) in enumerate(bounds, 1):
            g.set_col_bnds(self.P, j, *bound_type(lo, hi))
        if rows:
            g.add_rows(self.P, len(rows))
        ia, ja, ar = [0], [0], [0.0]
        for r, (terms, lo, hi) in enumerate(rows, 1):
            g.set_row_bnds(self.P, r, *bound_type(lo, hi))
            for j, a in terms:
                ia.append(r)
                ja.append(j + 1)
                ar.append(float(a))
        ne = len(ia) - 1
        if ne:
            g.load_matrix(self.P, ne, (ctypes.c_int * (ne + 1))(*ia),
                          (ctypes.c_int * (ne + 1))(*ja), (ctypes.c_double * (ne + 1))(*ar))
        self.obj = {}

    def close(self):
        if self.P:
            self.g.delete_prob(self.P)
            self.P = None

    def set_bounds(self, j, lo, hi):
        self.g.set_col_bnds(self.P, j + 1, *bound_type(lo, hi))

    def set_objective(self, coefs):
        for j in list(self.obj):
            if j not in coefs:
                self.g.set_obj_coef(self.P, j + 1, 0.0)
                del self.obj[j]
        for j, c in coefs.items():
            if self.obj.get(j) != c:
                self.g.set_obj_coef(self.P, j + 1, float(c))
                self.obj[j] = c

    def solve(self, direction):
        """Returns ('opt', value), ('unbounded', None) or ('infeasible', None)."""
        g = self.g
        g.set_obj_dir(self.P, direction)
        for attempt in range(3):
            g.solves += 1
            rc = g.simplex(self.P, ctypes.byref(g.parm))
            if rc == 0:
                break
            if attempt == 0:
                g.adv_basis(self.P, 0)
            else:
                g.std_basis(self.P)
        else:
            raise RuntimeError('glp_simplex failed (code %d)' % rc)
        st = g.get_status(self.P)
        if st == GLP_OPT:
            return 'opt', g.get_obj_val(self.P)
        if st == GLP_UNBND:
            return 'unbounded', None
        if st in (GLP_NOFEAS, GLP_INFEAS):
            return 'infeasible', None
        raise RuntimeError('glp_simplex: status %d' % st)

    def value(self, j):
        return self.g.get_col_prim(self.P, j + 1)


# ---------------------------------------------------------------------------------------------
# Reading the publications
# ---------------------------------------------------------------------------------------------

class Publication:
    def __init__(self, path, as_of, kind):
        self.path = path
        self.as_of = as_of
        self.kind = kind
        self.k = None          # from JSON or from `<k` symbols
        self.threshold = None  # JSON threshold_days
        self.cells = []        # (period, district, tab, a, b, measure, lo, hi, symbol)
        self.days = []         # (period, district, tab, a, b, S, median, p90, max)
        self.uses_below = False
        self.unpublished = False  # counts not published at a level become unknowns


def parse_count(value, where):
    """A published count: ('shown', n), ('below', k), ('x', None), or ('np', None) for a count
    not published at that level (an empty CSV field, JSON reason "not published")."""
    if isinstance(value, bool):
        raise BadInput('%s: not a count: %r' % (where, value))
    if isinstance(value, int):
        if value < 0:
            raise BadInput('%s: negative count %d' % (where, value))
        return 'shown', value
    if isinstance(value, str):
        s = value.strip()
        if s == '' or s == 'not published':
            return 'np', None
        if s.isdigit():
            return 'shown', int(s)
        if s == 'x':
            return 'x', None
        m = RE_BELOW.match(s)
        if m and int(m.group(1)) >= 2:
            return 'below', int(m.group(1))
    raise BadInput('%s: not a count or a hidden symbol: %r' % (where, value))


def parse_days(value, where, median=False):
    if value is None or value == '':
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BadInput('%s: not a number of days: %r' % (where, value)) from None
    if x < 0 or (median and x * 2 != int(x * 2)) or (not median and x != int(x)):
        raise BadInput('%s: not a valid number of days: %r' % (where, value))
    return x


def add_row(pub, period, district, tab, a, b, counts, days, where):
    if period_kind(period) is None:
        raise BadInput('%s: bad period %r' % (where, period))
    if not district:
        raise BadInput('%s: no district' % where)
    s_shown = None
    for measure in MEASURES:
        what, v = counts[measure]
        if what == 'shown':
            pub.cells.append((period, district, tab, a, b, measure, v, v, None))
            if measure == 'school_started':
                s_shown = v
        elif what == 'below':
            pub.uses_below = True
            if pub.k is None:
                pub.k = v
            elif pub.k != v:
                raise BadInput('%s: <%d where the file says k = %d' % (where, v, pub.k))
            pub.cells.append((period, district, tab, a, b, measure, 1, v - 1, '<'))
        elif what == 'np':
            if pub.unpublished:
                pub.cells.append((period, district, tab, a, b, measure, 0, INF, 'np'))
        else:
            pub.cells.append((period, district, tab, a, b, measure, 0, INF, 'x'))
    med, p90, mx = (parse_days(days[0], where + ' days_median', median=True),
                    parse_days(days[1], where + ' days_p90'), parse_days(days[2], where + ' days_max'))
    if med is not None or p90 is not None or mx is not None:
        if s_shown is None:
            raise BadInput('%s: days shown while school_started is hidden' % where)
        if s_shown == 0:
            raise BadInput('%s: days shown for no school start' % where)
        pub.days.append((period, district, tab, a, b, s_shown, med, p90, mx))


def read_csv(path, as_of, unpublished=False):
    if as_of is None:
        raise BadInput('%s: a CSV report does not say its as-of date: give it as %s@YYYY-MM-DD '
                       'or with --as-of' % (path, path))
    try:
        with open(path, encoding='utf-8-sig', newline='') as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput('%s: cannot read: %s' % (path, e)) from None
    if not rows or tuple(c.strip() for c in rows[0]) != CSV_COLUMNS:
        raise BadInput('%s: not a hubctl report CSV (header %r)' % (path, rows[0] if rows else None))
    pub = Publication(path, as_of, None)
    pub.unpublished = unpublished
    kinds = set()
    for n, row in enumerate(rows[1:], 2):
        if not row:
            continue
        if len(row) != len(CSV_COLUMNS):
            raise BadInput('%s line %d: %d fields, expected %d' % (path, n, len(row), len(CSV_COLUMNS)))
        r = dict(zip(CSV_COLUMNS, row))
        where = '%s line %d' % (path, n)
        counts = {m: parse_count(r[m], '%s %s' % (where, m)) for m in MEASURES}
        add_row(pub, r['period'], r['district'], 'fb', r['placement_form'], r['legal_basis'],
                counts, (r['days_median'], r['days_p90'], r['days_max']), where)
        kinds.add(period_kind(r['period']))
    pub.kind = 'year' if 'year' in kinds else 'tertial' if 'tertial' in kinds else 'month'
    return pub


def read_json(path, as_of_override, unpublished=False):
    try:
        with open(path, encoding='utf-8') as f:
            d = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInput('%s: cannot read JSON: %s' % (path, e)) from None
    if not isinstance(d, dict) or not isinstance(d.get('rows'), list):
        raise BadInput('%s: not a hubctl report JSON (no rows)' % path)
    as_of = d.get('as_of')
    if as_of_override is not None:
        if as_of is not None and as_of != as_of_override:
            raise BadInput('%s: says as_of %s, not %s' % (path, as_of, as_of_override))
        as_of = as_of_override
    if not isinstance(as_of, str) or not RE_DATE.match(as_of):
        raise BadInput('%s: no as_of date' % path)
    pub = Publication(path, as_of, d.get('period_kind'))
    pub.unpublished = unpublished
    if isinstance(d.get('k'), int):
        pub.k = d['k']
    if isinstance(d.get('threshold_days'), int):
        pub.threshold = d['threshold_days']
    for table, tab, fa, fb in (('rows', 'fb', 'placement_form', 'legal_basis'),
                               ('by_sex_age', 'sa', 'legal_sex', 'age_group')):
        rows = d.get(table) or []
        if not isinstance(rows, list):
            raise BadInput('%s: %s is not a list' % (path, table))
        for n, r in enumerate(rows):
            where = '%s %s[%d]' % (path, table, n)
            if not isinstance(r, dict):
                raise BadInput('%s: not an object' % where)
            hidden = r.get('hidden') or {}
            counts = {}
            for m in MEASURES:
                if m not in r:
                    raise BadInput('%s: no %s' % (where, m))
                v = r[m]
                if v is None:
                    if m not in hidden:
                        raise BadInput('%s: %s is null without a hidden reason' % (where, m))
                    v = hidden[m]
                counts[m] = parse_count(v, '%s %s' % (where, m))
            for key in ('period', 'district', fa, fb):
                if not isinstance(r.get(key), str):
                    raise BadInput('%s: no %s' % (where, key))
            add_row(pub, r['period'], r['district'], tab, r[fa], r[fb], counts,
                    tuple(r.get(x) for x in DAYS), where)
    if pub.kind not in ('month', 'tertial', 'year'):
        kinds = {period_kind(c[0]) for c in pub.cells}
        pub.kind = 'year' if 'year' in kinds else 'tertial' if 'tertial' in kinds else 'month'
    return pub


def read_publication(arg, default_as_of, unpublished=False):
    path, as_of = arg, None
    m = re.match(r'^(.*)@(\d{4}-\d{2}-\d{2})$', arg)
    if m and not os.path.exists(arg):
        path, as_of = m.group(1), m.group(2)
    if as_of is None:
        as_of = default_as_of
    if not os.path.isfile(path):
        raise BadInput('%s: no such file' % path)
    with open(path, 'rb') as f:
        head = f.read(64).lstrip(b'\xef\xbb\xbf').lstrip()
    if head.startswith(b'{'):
        return read_json(path, as_of, unpublished)
    return read_csv(path, as_of, unpublished)


def read_truth(paths):
    """{as_of: {'period|district|tab|a|b|measure': n}}; absent cells are 0."""
    truth = {}
    for path in paths:
        try:
            with open(path, encoding='utf-8') as f:
                d = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise BadInput('%s: cannot read truth: %s' % (path, e)) from None
        if not isinstance(d, dict) or not isinstance(d.get('as_of'), str) or \
                not isinstance(d.get('cells', {}), dict):
            raise BadInput('%s: not a truth file (as_of, cells)' % path)
        if d['as_of'] in truth:
            raise BadInput('%s: a second truth for as-of %s' % (path, d['as_of']))
        truth[d['as_of']] = d.get('cells') or {}
    return truth


# ---------------------------------------------------------------------------------------------
# What the reader knows: cells and relations
# ---------------------------------------------------------------------------------------------

class Model:
    """Unknowns (one per version, period, district, table cell and measure) and relations."""

    def __init__(self, pubs, k, x_means, same_data, child_equalities=True):
        self.child_equalities = child_equalities
        self.pubs = pubs
        self.k = k
        self.x_means = x_means
        self.same_data = same_data
        self.ids = {}        # key -> id
        self.keys = []       # id -> key
        self.lo = []         # known lower bound
        self.hi = []         # known upper bound
        self.shown = []      # shown value or None
        self.symbol = []     # '<', 'x' or None (shown everywhere it is published)
        self.hidden_in = []  # publications hiding it
        self.shown_in = []
        self.rows = []       # (terms [(id, coef)], lo, hi, label)
        self.conflicts = []

    def version(self, pub):
        return '*' if self.same_data else pub.as_of

    @staticmethod
    def canon(tab, a, b):
        # the sex x age table's (all, all) is the form x basis table's (all, all)
        if tab == 'sa' and a == ALL and b == ALL:
            return 'fb', ALL, ALL
        return tab, a, b

    def var(self, key):
        i = self.ids.get(key)
        if i is None:
            i = len(self.keys)
            self.ids[key] = i
            self.keys.append(key)
            self.lo.append(0)
            self.hi.append(INF)
            self.shown.append(None)
            self.symbol.append(None)
            self.hidden_in.append([])
            self.shown_in.append([])
        return i

    def load(self):
        for pub in self.pubs:
            v = self.version(pub)
            for period, district, tab, a, b, measure, lo, hi, sym in pub.cells:
                tab, a, b = self.canon(tab, a, b)
                i = self.var((v, period, district, tab, a, b, measure))
                if sym is None:
                    if self.shown[i] is not None and self.shown[i] != lo:
                        raise BadInput('%s: %s %s %s %s/%s %s is %d here and %d in %s%s' % (
                            pub.path, period, district, tab, a, b, measure, lo, self.shown[i],
                            self.shown_in[i][0].path,
                            '' if self.same_data else ' (same as-of date)'))
                    self.shown[i] = lo
                    self.shown_in[i].append(pub)
                elif sym == 'np':
                    if self.symbol[i] is None:
                        self.symbol[i] = 'np'
                else:
                    self.hidden_in[i].append(pub)
                    if sym == '<' or self.symbol[i] in (None, 'np'):
                        self.symbol[i] = sym  # '<' says more than 'x', 'x' more than 'np'
                if lo > self.lo[i]:
                    self.lo[i] = lo
                if hi < self.hi[i]:
                    self.hi[i] = hi
                if self.lo[i] > self.hi[i]:
                    raise BadInput('%s: %s %s %s %s/%s %s: %s contradicts %s' % (
                        pub.path, period, district, tab, a, b, measure,
                        'x' if sym == 'x' else ('<%d' % (hi + 1) if sym else str(lo)),
                        ', '.join(p.path for p in self.shown_in[i] + self.hidden_in[i][:-1])))

    # --- relations ---------------------------------------------------------------------------

    def rel(self, terms, lo, hi, label):
        self.rows.append((terms, lo, hi, label))

    def build(self):
        ids = self.ids
        forms, ages = set(), set()
        cells_of = {}   # (v, period, district) -> set of (tab, a, b)
        for (v, period, district, tab, a, b, measure) in self.keys:
            cells_of.setdefault((v, period, district), set()).add((tab, a, b))
            if tab == 'fb' and a != ALL:
                forms.add(a)
            if tab == 'sa' and b != ALL:
                ages.add(b)
        forms, ages = sorted(forms), sorted(ages)

        def have(key):
            return key in ids

        def line(total, parts, label, children_add=False):
            """total = sum of parts for additive measures; children: each part <= total <= sum,
            or total = sum where a child is in exactly one part (sexes, age groups)."""
            if not parts:
                return
            for m in MEASURES:
                tk = total + (m,)
                pks = [p + (m,) for p in parts]
                if not have(tk) or not all(have(p) for p in pks):
                    continue
                t = ids[tk]
                ps = [ids[p] for p in pks]
                if m == 'children_placed' and not (children_add and self.child_equalities):
                    self.rel([(t, 1)] + [(p, -1) for p in ps], -INF, 0, label + ' children<=sum')
                    for p in ps:
                        self.rel([(t, 1), (p, -1)], 0, INF, label + ' children>=part')
                else:
                    self.rel([(t, 1)] + [(p, -1) for p in ps], 0, 0, label)

        # within a table: forms, bases, sexes, ages
        for (v, period, district), cells in sorted(cells_of.items()):
            base = (v, period, district)
            for b in BASES + (ALL,):
                line(base + ('fb', ALL, b), [base + ('fb', f, b) for f in forms],
                     '%s %s forms(%s)' % (period, district, b))
            for f in forms + [ALL]:
                line(base + ('fb', f, ALL), [base + ('fb', f, b) for b in BASES],
                     '%s %s bases(%s)' % (period, district, f))
            if any(c[0] == 'sa' for c in cells):
                for age in ages + [ALL]:
                    line(base + self.canon('sa', ALL, age), [base + ('sa', s, age) for s in SEXES],
                         '%s %s sexes(%s)' % (period, district, age), True)
                for s in SEXES + (ALL,):
                    line(base + self.canon('sa', s, ALL), [base + ('sa', s, age) for age in ages],
                         '%s %s ages(%s)' % (period, district, s), True)

        # city = sum of districts, where a publication lists the city and its districts together
        city_sets = {}
        for pub in self.pubs:
            v = self.version(pub)
            per = {}
            for c in pub.cells:
                per.setdefault(c[0], set()).add(c[1])
            for period, districts in per.items():
                if ALL in districts and len(districts) > 1:
                    city_sets.setdefault((v, period), set()).update(districts - {ALL})
        for (v, period), districts in sorted(city_sets.items()):
            cells = cells_of.get((v, period, ALL), set())
            for (tab, a, b) in sorted(cells):
                line((v, period, ALL, tab, a, b),
                     [(v, period, d, tab, a, b) for d in sorted(districts)],
                     '%s districts(%s %s/%s)' % (period, tab, a, b))

        # tertial = its months, year = its tertials (else its months)
        for (v, period, district), cells in sorted(cells_of.items()):
            kind = period_kind(period)
            if kind == 'tertial':
                parts = tertial_months(period)
            elif kind == 'year':
                parts = ['%sT%d' % (period, t) for t in (1, 2, 3)]
                if not all((v, p, district) in cells_of for p in parts):
                    parts = ['%s-%02d' % (period, mo) for mo in range(1, 13)]
            else:
                continue
            if not all((v, p, district) in cells_of for p in parts):
                continue
            for (tab, a, b) in sorted(cells):
                line((v, period, district, tab, a, b), [(v, p, district, tab, a, b) for p in parts],
                     '%s %s months(%s %s/%s)' % (period, district, tab, a, b))

        # within a cell; and what the days figures say about over_threshold
        threshold = {}
        for pub in self.pubs:
            if pub.threshold is not None:
                threshold.setdefault(self.version(pub), set()).add(pub.threshold)
        any_threshold = {t for ts in threshold.values() for t in ts}
        for (v, period, district), cells in sorted(cells_of.items()):
            for (tab, a, b) in sorted(cells):
                c = (v, period, district, tab, a, b)
                g = {m: ids.get(c + (m,)) for m in MEASURES}
                if None in g.values():
                    continue
                lab = '%s %s %s %s/%s' % (period, district, tab, a, b)
                self.rel([(g['with_school_change'], 1), (g['school_started'], -1),
                          (g['not_started'], -1)], 0, 0, lab + ' with=started+not')
                for small, big in (('over_threshold', 'school_started'),
                                   ('with_school_change', 'placements_started'),
                                   ('children_placed', 'placements_started')):
                    self.rel([(g[big], 1), (g[small], -1)], 0, INF, lab + ' %s<=%s' % (small, big))
        self.days_bounds = []
        for pub in self.pubs:
            v = self.version(pub)
            t = pub.threshold
            if t is None:
                ts = threshold.get(v) or any_threshold
                if len(ts) != 1:
                    continue  # a CSV alone: the threshold is not published in it
                t = next(iter(ts))
            for period, district, tab, a, b, S, med, p90, mx in pub.days:
                tab, a, b = self.canon(tab, a, b)
                o = ids[(v, period, district, tab, a, b, 'over_threshold')]
                lo, hi = days_bounds(S, med, p90, mx, t)
                self.days_bounds.append((o, lo, hi, pub, period, district, tab, a, b))
                self.rel([(o, 1)], lo, hi, '%s %s %s %s/%s days' % (period, district, tab, a, b))


def days_bounds(S, median, p90, mx, threshold):
    """Bounds on over_threshold O from the days figures of a cell with S school starts.

    The value at ascending rank r exceeds the threshold iff O >= S - r + 1."""
    lo, hi = 0, S
    if mx is not None:
        if mx > threshold:
            lo = max(lo, 1)
        else:
            hi = min(hi, 0)
    if p90 is not None:
        r = (9 * S + 9) // 10  # ceil(0.9 S)
        if p90 > threshold:
            lo = max(lo, S - r + 1)
        else:
            hi = min(hi, S - r)
    if median is not None:
        r1, r2 = (S + 1) // 2, S // 2 + 1
        # lower middle <= median <= upper middle, all whole days
        if math.floor(median) <= threshold:
            hi = min(hi, S - r1)
        if math.ceil(median) > threshold:
            lo = max(lo, S - r2 + 1)
    return lo, hi


# ---------------------------------------------------------------------------------------------
# Solving
# ---------------------------------------------------------------------------------------------

class Solver:
    """Derived ranges of the hidden cells: propagate the one-unknown relations into bounds, split
    the rest into components, and for each component solve LPs with GLPK."""

    def __init__(self, model, glpk, small_of, exact=False, base_of=None):
        self.exact = exact  # exact ranges of every hidden cell, not only where the rule needs them
        self.base_of = base_of or (lambda i: None)  # a feasible point (the truth), for speed
        self.m = model
        self.g = glpk
        self.k = model.k
        self.small_of = small_of   # id -> True/False (truth small) or None (no truth)
        n = len(model.keys)
        self.L = [float(x) for x in model.lo]
        self.U = [float(x) for x in model.hi]
        self.range = [None] * n     # id -> (lo, hi) exact where needed, else None
        self.settled = [False] * n  # rule holds by witnesses (no exact range computed)
        self.outer_only = set()     # range is an outer bound (the verdict did not need more)
        self.components = 0
        self.largest = 0
        self.window_lps = 0
        self.zero_or_k = model.x_means == 'zero-or-k'

    def inconsistent(self, what):
        raise BadInput('the publications contradict each other: %s' % what)

    def tighten(self, i, lo, hi, label):
        if lo > self.L[i]:
            self.L[i] = lo
        if hi < self.U[i]:
            self.U[i] = hi
        if self.L[i] > self.U[i] + EPS:
            self.inconsistent('%s: %s has no value left' % (label, fmt_key(self.m.keys[i])))

    def prepare(self):
        """Bound propagation to a fixed point: shown values are fixed, every relation narrows the
        bounds of its cells from the bounds of the others (rounded to whole numbers), an x under
        zero-or-k is 0 below k and at least k above 0, and a cell with a placement has a child.
        Returns the relations that still have two or more unfixed cells, for the LPs."""
        m, k = self.m, self.k
        L, U = self.L, self.U
        n = len(m.keys)
        for i in range(n):
            if m.shown[i] is not None:
                L[i] = U[i] = float(m.shown[i])
        child_of = {}
        for key, i in m.ids.items():
            if key[-1] == 'placements_started':
                c = m.ids.get(key[:-1] + ('children_placed',))
                if c is not None:
                    child_of[i] = c
        xvar = [self.zero_or_k and m.symbol[i] == 'x' and m.shown[i] is None for i in range(n)]
        rows = m.rows
        var_rows = [[] for _ in range(n)]
        for r, (terms, _, _, _) in enumerate(rows):
            for i, _ in terms:
                var_rows[i].append(r)
        queue = list(range(len(rows)))
        inq = [True] * len(rows)
        changed_vars = []

        def touch(i):
            changed_vars.append(i)

        def follow(i, label):
            if xvar[i] and L[i] != U[i]:
                if U[i] <= k - 1:
                    self.tighten(i, 0, 0, label + ', x below k')
                elif 1 <= L[i] < k:
                    self.tighten(i, k, INF, label + ', x above 0')
            c = child_of.get(i)
            if c is not None and L[i] >= 1 and L[c] < 1:
                settle(c, 1, INF, label + ', a placement has a child')

        def settle(i, lo, hi, label):
            """Narrow [L, U] of i to [lo, hi] and what follows for that one cell."""
            if lo <= L[i] and hi >= U[i]:
                return
            self.tighten(i, lo, hi, label)
            follow(i, label)
            touch(i)

        for i in range(n):
            follow(i, 'known')
        head = 0
        budget = 200 * len(rows) + 1000
        while head < len(queue) and budget > 0:
            budget -= 1
            r = queue[head]
            head += 1
            inq[r] = False
            terms, lo, hi, label = rows[r]
            # activity bounds of the row, infinite parts counted apart
            mn = mx = 0.0
            mn_inf = mx_inf = 0
            for i, a in terms:
                if a > 0:
                    lo_c, hi_c = a * L[i], a * U[i]
                else:
                    lo_c, hi_c = a * U[i], a * L[i]
                if lo_c == -INF:
                    mn_inf += 1
                else:
                    mn += lo_c
                if hi_c == INF:
                    mx_inf += 1
                else:
                    mx += hi_c
            if (not mn_inf and mn > hi + EPS) or (not mx_inf and mx < lo - EPS):
                self.inconsistent('%s cannot hold' % label)
            del changed_vars[:]
            for i, a in terms:
                if L[i] == U[i]:
                    continue
                if a > 0:
                    lo_c, hi_c = a * L[i], a * U[i]
                else:
                    lo_c, hi_c = a * U[i], a * L[i]
                # the rest of the row lies in [rest_mn, rest_mx]
                if lo_c == -INF:
                    rest_mn = mn if mn_inf == 1 else -INF
                else:
                    rest_mn = mn - lo_c if not mn_inf else -INF
                if hi_c == INF:
                    rest_mx = mx if mx_inf == 1 else INF
                else:
                    rest_mx = mx - hi_c if not mx_inf else INF
                # lo - rest_mx <= a x <= hi - rest_mn
                t_lo = lo - rest_mx if rest_mx != INF and lo != -INF else -INF
                t_hi = hi - rest_mn if rest_mn != -INF and hi != INF else INF
                if a > 0:
                    nlo, nhi = t_lo / a, t_hi / a
                else:
                    nlo = t_hi / a if t_hi != INF else -INF
                    nhi = t_lo / a if t_lo != -INF else INF
                nlo = math.ceil(nlo - EPS) if nlo != -INF else -INF
                nhi = math.floor(nhi + EPS) if nhi != INF else INF
                if nlo > L[i] or nhi < U[i]:
                    settle(i, max(nlo, L[i]), min(nhi, U[i]), label)
            for i in changed_vars:
                for r2 in var_rows[i]:
                    if not inq[r2]:
                        inq[r2] = True
                        queue.append(r2)
            if head > 100000 and head * 2 > len(queue):
                del queue[:head]
                head = 0
        self.propagation_steps = 200 * len(rows) + 1000 - budget
        out = []
        for terms, lo, hi, label in rows:
            const = 0.0
            var = []
            for i, a in terms:
                if L[i] == U[i]:
                    const += a * L[i]
                else:
                    var.append((i, a))
            if len(var) >= (2 if budget > 0 else 1):
                out.append((var, lo - const, hi - const, label))
        return out

    def solve(self):
        m = self.m
        rows = self.prepare()
        rows = self.reduce(rows)
        hidden = [i for i in range(len(m.keys)) if m.shown[i] is None]
        cols = sorted({self.find(i)[0] for i in hidden if self.L[i] != self.U[i]})
        parent = {c: c for c in cols}

        def root(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for terms, _, _ in rows:
            r = root(terms[0][0])
            for c, _ in terms[1:]:
                q = root(c)
                if q != r:
                    parent[q] = r
        comp_cols, comp_rows, comp_vars = {}, {}, {}
        for c in cols:
            comp_cols.setdefault(root(c), []).append(c)
        for row in rows:
            comp_rows.setdefault(root(row[0][0][0]), []).append(row)
        for i in hidden:
            if self.L[i] == self.U[i]:
                self.range[i] = (self.L[i], self.U[i])
            else:
                comp_vars.setdefault(root(self.find(i)[0]), []).append(i)
        for r, cs in comp_cols.items():
            self.components += 1
            self.largest = max(self.largest, len(cs))
            self.solve_component(cs, comp_rows.get(r, []), comp_vars.get(r, []))

    # --- aliases: two-cell equations x_i = s x_j + c make one column of two cells ------------

    def find(self, i):
        """(column, sign, offset) with x_i = sign * x_column + offset."""
        al = self.alias
        if i not in al:
            return i, 1, 0.0
        p, s, c = al[i]
        if p == i:
            return i, 1, 0.0
        r, s2, c2 = self.find(p)
        al[i] = (r, s * s2, s * c2 + c)
        return al[i]

    def col_bounds(self, col):
        return self.CL.get(col, self.L[col]), self.CU.get(col, self.U[col])

    def set_col_bounds(self, col, lo, hi, label):
        clo, chi = self.col_bounds(col)
        lo, hi = max(lo, clo), min(hi, chi)
        if lo > hi + EPS:
            self.inconsistent('%s: %s has no value left' % (label, fmt_key(self.m.keys[col])))
        self.CL[col], self.CU[col] = lo, hi

    def var_to_col(self, i, lo, hi):
        """Bounds of cell i as bounds of its column."""
        col, s, c = self.find(i)
        return (col, lo - c, hi - c) if s > 0 else (col, c - hi, c - lo)

    def reduce(self, rows):
        """Make aliases of two-cell equations until none is left, rewrite the rows on columns,
        fold one-column rows into bounds, drop rows the bounds imply and duplicates."""
        self.alias = {}
        self.CL, self.CU = {}, {}
        while True:
            out = {}
            merged = False
            for terms, lo, hi, *_ in rows:
                acc = {}
                const = 0.0
                for i, a in terms:
                    col, s, c = self.find(i)
                    acc[col] = acc.get(col, 0.0) + a * s
                    const += a * c
                terms = [(col, a) for col, a in acc.items() if abs(a) > EPS]
                clo = lo - const if lo != -INF else -INF
                chi = hi - const if hi != INF else INF
                if not terms:
                    if clo > EPS or chi < -EPS:
                        self.inconsistent('a relation does not hold for the shown values')
                    continue
                if len(terms) == 1:
                    col, a = terms[0]
                    blo, bhi = (clo / a, chi / a) if a > 0 else (
                        chi / a if chi != INF else -INF, clo / a if clo != -INF else INF)
                    self.set_col_bounds(col, blo, bhi, 'relation')
                    continue
                if (len(terms) == 2 and clo == chi and abs(abs(terms[0][1]) - 1) < EPS
                        and abs(abs(terms[1][1]) - 1) < EPS):
                    # a1 y1 + a2 y2 = b: y2 = (-a1/a2) y1 + b/a2
                    (c1, a1), (c2, a2) = terms
                    s, off = -a1 / a2, clo / a2
                    s = 1 if s > 0 else -1
                    lo2, hi2 = self.col_bounds(c2)
                    self.alias[c2] = (c1, s, off)
                    blo, bhi = (lo2 - off, hi2 - off) if s > 0 else (off - hi2, off - lo2)
                    self.set_col_bounds(c1, blo, bhi, 'relation')
                    merged = True
                    continue
                key = tuple(sorted(terms))
                old = out.get(key)
                if old is not None:
                    clo, chi = max(clo, old[0]), min(chi, old[1])
                out[key] = (clo, chi)
            rows = [(list(key), lo, hi) for key, (lo, hi) in out.items()]
            if not merged:
                break
        # rows implied by the bounds of their columns tell nothing more
        kept = []
        for terms, lo, hi in rows:
            mn = mx = 0.0
            for col, a in terms:
                clo, chi = self.col_bounds(col)
                mn += a * clo if a > 0 else a * chi
                mx += a * chi if a > 0 else a * clo
            if mn > hi + EPS or mx < lo - EPS:
                self.inconsistent('a relation cannot hold')
            if mn >= lo - EPS and mx <= hi + EPS:
                continue
            kept.append((terms, lo, hi))
        return kept

    # --- one component -----------------------------------------------------------------------

    def solve_component(self, cols, rows, vars_):
        local = {c: j for j, c in enumerate(cols)}
        lrows = [([(local[c], a) for c, a in terms], lo, hi) for terms, lo, hi in rows]
        st = _State(self, cols, lrows, local, vars_)
        try:
            self.component_rules(st, vars_)
            for i in vars_:
                if self.exact:
                    self.range[i] = (st.var_min(i), st.var_max(i))
                elif st.settled(i):
                    self.settled[i] = True
                elif st.verdict_from_outer(i):
                    wlo, whi = st.var_witness(i)
                    olo, ohi = st.var_outer(i)
                    self.range[i] = (olo, ohi)
                    if wlo > olo + EPS or whi < ohi - EPS:
                        self.outer_only.add(i)  # the exact range may be narrower
                else:
                    self.range[i] = (st.var_min(i), st.var_max(i))
        finally:
            st.close()

    def component_rules(self, st, vars_):
        """The rules that are not linear, to a fixed point: an x under zero-or-k is 0 when it
        cannot reach k and at least k when it cannot be 0; a cell with a placement has a child."""
        m, k = self.m, self.k
        xvars = [i for i in vars_ if self.zero_or_k and m.symbol[i] == 'x']
        children = []
        for i in vars_:
            key = m.keys[i]
            if key[-1] == 'children_placed':
                children.append((i, m.ids[key[:-1] + ('placements_started',)]))
        while xvars or children:
            changes = []
            for i in xvars:
                lo, hi = st.var_bounds(i)
                if lo == hi or lo >= k:
                    continue
                if not st.hi_at_least(i, k):
                    changes.append((i, 0.0, 0.0))
                elif not st.lo_at_most(i, 0):
                    changes.append((i, float(k), hi))
            for c, p in children:
                if st.var_bounds(c)[0] < 1:
                    plo = self.L[p] if self.L[p] == self.U[p] else st.var_bounds(p)[0]
                    if plo >= 1 or (self.L[p] != self.U[p] and not st.lo_at_most(p, 0)):
                        changes.append((c, 1.0, INF))
            if not changes:
                break
            for i, lo, hi in changes:
                col, clo, chi = self.var_to_col(i, lo, hi)
                self.set_col_bounds(col, clo, chi, 'component')
            st.reset()


class _State:
    """What is known of the columns of one component while its bounds do not change.

    Witnesses: values seen in feasible points (the base point, and solutions of LPs whose every
    point is feasible for the whole component), so the derived range contains [wlo, whi].
    Outer bounds: optima of relaxations (fewer relations), so the range lies in [olo, ohi].
    Where they meet, the range is exact. Most questions are settled on small LPs around each
    (period, district) block of cells: its columns and their neighbours (sharing a relation),
    once with every other column held at the base point (restricted: solutions are feasible
    points) and once with them free within their bounds (relaxed: optima are outer bounds). What
    is left goes to the LP of the whole component. The base point is the truth when given (it is
    checked to satisfy every relation), else a solution of the whole LP; it only speeds things
    up, the ranges do not depend on it."""

    def __init__(self, solver, cols, rows, local, vars_):
        self.s = solver
        self.cols = cols
        self.rows = rows
        self.local = local
        self.k = solver.k
        self.col_rows = [[] for _ in cols]
        for r, (terms, _, _) in enumerate(rows):
            for j, _ in terms:
                self.col_rows[j].append(r)
        self.vars_of = [[] for _ in cols]
        for i in vars_:
            self.vars_of[local[solver.find(i)[0]]].append(i)
        self.small = {i: solver.small_of(i) for i in vars_}
        m = solver.m
        self.ask_lo0 = set()   # is the minimum <= 0?
        self.ask_hik = set()   # is the maximum >= k?
        for i in vars_:
            if solver.zero_or_k and m.symbol[i] == 'x':
                self.ask_lo0.add(i)
                self.ask_hik.add(i)
            key = m.keys[i]
            if key[-1] == 'children_placed':
                self.ask_lo0.add(m.ids[key[:-1] + ('placements_started',)])
        self.full = None
        self.base = None
        bases = {}
        for i in vars_:
            t = solver.base_of(i)
            if t is None:
                bases = None
                break
            col, s, c = solver.find(i)
            bases[local[col]] = s * (t - c)
        if bases is not None and len(bases) == len(cols):
            self.base = [bases[j] for j in range(len(cols))]
        self.reset()

    def close(self):
        if self.full is not None:
            self.full.close()
            self.full = None

    def reset(self):
        n = len(self.cols)
        self.CL = [self.s.col_bounds(c)[0] for c in self.cols]
        self.CU = [self.s.col_bounds(c)[1] for c in self.cols]
        self.olo = list(self.CL)
        self.ohi = list(self.CU)
        if self.full is not None:
            for j in range(n):
                self.full.set_bounds(j, self.CL[j], self.CU[j])
        if not self.rows:
            self.wlo, self.whi = list(self.CL), list(self.CU)
            return
        if self.base is None:
            self.base_from_full()
        for j in range(n):
            if not self.CL[j] - EPS <= self.base[j] <= self.CU[j] + EPS:
                self.s.inconsistent('the base point is outside the bounds of %s'
                                    % fmt_key(self.s.m.keys[self.cols[j]]))
        self.wlo = list(self.base)
        self.whi = list(self.base)
        self.open = [j for j in range(n) if not self.col_done(j)]
        self.local_phase()
        self.open = [j for j in range(n) if not self.col_done(j)]
        self.broad()

    # --- the LP of the whole component ---------------------------------------------------------

    def full_lp(self):
        if self.full is None:
            self.full = LP(self.s.g, list(zip(self.CL, self.CU)), self.rows)
        return self.full

    def base_from_full(self):
        lp = self.full_lp()
        lp.set_objective({})
        what, _ = lp.solve(GLP_MIN)
        if what != 'opt':
            self.s.inconsistent('no table fits the published figures (%d hidden cells linked '
                                'to %s)' % (len(self.cols), fmt_key(self.s.m.keys[self.cols[0]])))
        self.base = [lp.value(j) for j in range(len(self.cols))]

    def full_solve(self, j, direction):
        lp = self.full_lp()
        lp.set_objective({j: 1.0})
        what, val = lp.solve(direction)
        if what == 'infeasible':
            self.s.inconsistent('no table fits the published figures (%d hidden cells linked '
                                'to %s)' % (len(self.cols), fmt_key(self.s.m.keys[self.cols[0]])))
        if direction == GLP_MIN:
            self.olo[j] = val if what == 'opt' else -INF
        else:
            self.ohi[j] = val if what == 'opt' else INF
        if what == 'unbounded':  # the witnesses go as far: the range is exact on that side
            if direction == GLP_MIN:
                self.wlo[j] = -INF
            else:
                self.whi[j] = INF
        if what == 'opt':
            # every column of the optimum is a feasible point: witnesses for the open columns
            still = []
            for jj in self.open:
                x = lp.value(jj)
                if x < self.wlo[jj]:
                    self.wlo[jj] = x
                if x > self.whi[jj]:
                    self.whi[jj] = x
                if not self.col_done(jj):
                    still.append(jj)
            self.open = still
            if direction == GLP_MIN:
                self.wlo[j] = min(self.wlo[j], val)
            else:
                self.whi[j] = max(self.whi[j], val)

    # --- small LPs around each block ------------------------------------------------------------

    def local_phase(self):
        s, m = self.s, self.s.m
        blocks = {}
        for j in self.open:
            key = m.keys[self.cols[j]]
            blocks.setdefault(key[:3], []).append(j)
        for bkey in sorted(blocks):
            block = [j for j in blocks[bkey] if not self.col_done(j)]
            if block:
                self.local_block(block)
        self.open = [j for j in self.open if not self.col_done(j)]
        if self.open:
            self.windows()

    # --- witnesses from windows: a few periods of one family, the rest held at the base ------

    FAMILY = {'placements_started': 'P', 'children_placed': 'C', 'with_school_change': 'S',
              'school_started': 'S', 'not_started': 'S', 'over_threshold': 'O'}

    def windows(self):
        """Feasible points that move only the columns of one family in a few periods (a period,
        then two periods with a common parent, then any two months; always with the periods
        above them, and below them, since a total moves with its parts), every other column at
        the base point: each solution is a witness. Broad objectives first, then the open
        columns one by one."""
        m = self.s.m
        keys = [m.keys[c] for c in self.cols]
        periods = {}
        for j, key in enumerate(keys):
            periods.setdefault(key[0], set()).add(key[1])
        for version in sorted(periods):
            ps = periods[version]
            parent = {}
            for p in ps:
                kind = period_kind(p)
                if kind == 'month':
                    t = '%sT%d' % (p[:4], (int(p[5:7]) + 3) // 4)
                    parent[p] = t if t in ps else (p[:4] if p[:4] in ps else None)
                elif kind == 'tertial':
                    parent[p] = p[:4] if p[:4] in ps else None
                else:
                    parent[p] = None
            children = {}
            for p, q in parent.items():
                if q is not None:
                    children.setdefault(q, []).append(p)

            def up(p):
                out = []
                while parent.get(p):
                    p = parent[p]
                    out.append(p)
                return out

            def down(p):
                out = []
                for c in children.get(p, []):
                    out.append(c)
                    out.extend(down(c))
                return out

            def closure(sel):
                w = set(sel)
                for p in sel:
                    w.update(up(p))
                    w.update(down(p))
                return w

            plan = [((p,), closure([p])) for p in sorted(ps, key=lambda p: (len(p), p), reverse=True)]
            for q in sorted(children):
                cs = sorted(children[q])
                for a, b in itertools.combinations(cs, 2):
                    plan.append(((a, b), closure([a, b])))
            months = sorted(p for p in ps if period_kind(p) == 'month')
            for a, b in itertools.combinations(months, 2):
                if parent.get(a) != parent.get(b):
                    plan.append(((a, b), closure([a, b])))
            by_fam = {}
            for j, key in enumerate(keys):
                if key[0] == version:
                    by_fam.setdefault((self.FAMILY[key[-1]], key[1]), []).append(j)
            for sel, w in plan:
                for fam in 'PCSO':
                    core = [j for p in sel for j in by_fam.get((fam, p), []) if not self.col_done(j)]
                    if not core:
                        continue
                    S = [j for p in w for j in by_fam.get((fam, p), [])]
                    self.window(S, core)
                if not any(not self.col_done(j) for j in self.open):
                    return

    def window(self, S, core):
        rows, col_rows, base = self.rows, self.col_rows, self.base
        lj = {j: n for n, j in enumerate(S)}
        rset = sorted({r for j in S for r in col_rows[j]})
        lrows = []
        for r in rset:
            terms, lo, hi = rows[r]
            const = 0.0
            t = []
            for j, a in terms:
                if j in lj:
                    t.append((lj[j], a))
                else:
                    const += a * base[j]
            lrows.append((t, lo - const if lo != -INF else -INF, hi - const if hi != INF else INF))
        lp = LP(self.s.g, [(self.CL[j], self.CU[j]) for j in S], lrows)
        self.s.window_lps += 1
        rng = random.Random(len(S) * 7919 + len(core))
        try:
            def run(obj, direction):
                lp.set_objective(obj)
                what, _ = lp.solve(direction)
                if what == 'infeasible':
                    self.s.inconsistent('the base point does not fit (%s)'
                                        % fmt_key(self.s.m.keys[self.cols[S[0]]]))
                if what == 'unbounded' and len(obj) == 1:
                    j = S[next(iter(obj))]
                    if direction == GLP_MAX:
                        self.whi[j] = INF
                    else:
                        self.wlo[j] = -INF
                if what != 'opt':
                    return
                for n, j in enumerate(S):
                    x = lp.value(n)
                    if x < self.wlo[j]:
                        self.wlo[j] = x
                    if x > self.whi[j]:
                        self.whi[j] = x

            todo = [lj[j] for j in core]
            run({n: 1.0 for n in todo}, GLP_MIN)
            run({n: 1.0 for n in todo}, GLP_MAX)
            for _ in range(2):
                todo = [n for n in todo if not self.col_done(S[n])]
                if not todo:
                    return
                run({n: rng.choice((-1.0, 1.0)) for n in todo}, GLP_MAX)
            for n in todo:
                j = S[n]
                for direction in (GLP_MIN, GLP_MAX):
                    if self.col_done(j):
                        break
                    run({n: 1.0}, direction)
        finally:
            lp.close()

    def local_block(self, block):
        """Outer bounds of a block's columns: the LP of the relations that touch the block, the
        other columns in them free within their bounds (a relaxation: fewer relations)."""
        rows, col_rows = self.rows, self.col_rows
        inner = sorted(block)
        rset = sorted({r for j in inner for r in col_rows[j]})
        boundary = sorted({j2 for r in rset for j2, _ in rows[r][0]} - set(inner))
        cols = inner + boundary
        lj = {j: n for n, j in enumerate(cols)}
        lrows = [([(lj[j], a) for j, a in rows[r][0]], rows[r][1], rows[r][2]) for r in rset]
        lp = LP(self.s.g, [(self.CL[j], self.CU[j]) for j in cols], lrows)
        try:
            for n, j in enumerate(inner):
                for direction in (GLP_MIN, GLP_MAX):
                    if self.col_done(j):
                        break
                    if direction == GLP_MIN and self.lo_exact(j):
                        continue
                    if direction == GLP_MAX and self.hi_exact(j):
                        continue
                    lp.set_objective({n: 1.0})
                    what, val = lp.solve(direction)
                    if what == 'infeasible':
                        self.s.inconsistent('no table fits the published figures (%s)'
                                            % fmt_key(self.s.m.keys[self.cols[j]]))
                    if direction == GLP_MIN:
                        self.olo[j] = max(self.olo[j], val if what == 'opt' else -INF)
                    else:
                        self.ohi[j] = min(self.ohi[j], val if what == 'opt' else INF)
        finally:
            lp.close()

    def broad(self):
        """Two solutions of the whole LP: every open column as low, then as high as it can be."""
        lp = self.full_lp()
        for direction in (GLP_MIN, GLP_MAX):
            if not self.open:
                return
            lp.set_objective({j: 1.0 for j in self.open})
            what, _ = lp.solve(direction)
            if what == 'infeasible':
                self.s.inconsistent('no table fits the published figures (%d hidden cells linked '
                                    'to %s)' % (len(self.cols), fmt_key(self.s.m.keys[self.cols[0]])))
            if what == 'opt':
                still = []
                for jj in self.open:
                    x = lp.value(jj)
                    if x < self.wlo[jj]:
                        self.wlo[jj] = x
                    if x > self.whi[jj]:
                        self.whi[jj] = x
                    if not self.col_done(jj):
                        still.append(jj)
                self.open = still

    # --- column level ---------------------------------------------------------------------------

    def lo_exact(self, j):
        return self.wlo[j] <= self.olo[j] + EPS

    def hi_exact(self, j):
        return self.whi[j] >= self.ohi[j] - EPS

    def col_done(self, j):
        return all(self.done(i) for i in self.vars_of[j])

    def col_min(self, j):
        if not self.lo_exact(j):
            self.full_solve(j, GLP_MIN)
        return self.olo[j]

    def col_max(self, j):
        if not self.hi_exact(j):
            self.full_solve(j, GLP_MAX)
        return self.ohi[j]

    # --- cell level: x_i = s x_col + c ----------------------------------------------------------

    def _map(self, i):
        col, s, c = self.s.find(i)
        return self.local[col], s, c

    def var_bounds(self, i):
        j, s, c = self._map(i)
        return (self.CL[j] + c, self.CU[j] + c) if s > 0 else (c - self.CU[j], c - self.CL[j])

    def _tr(self, i, lo, hi):
        j, s, c = self._map(i)
        return (lo[j] + c, hi[j] + c) if s > 0 else (c - hi[j], c - lo[j])

    def var_witness(self, i):
        return self._tr(i, self.wlo, self.whi)

    def var_outer(self, i):
        return self._tr(i, self.olo, self.ohi)

    def var_min(self, i):
        j, s, c = self._map(i)
        return self.col_min(j) + c if s > 0 else c - self.col_max(j)

    def var_max(self, i):
        j, s, c = self._map(i)
        return self.col_max(j) + c if s > 0 else c - self.col_min(j)

    def lo_at_most(self, i, t):
        """Is the LP minimum of cell i at most t?"""
        if self.var_witness(i)[0] <= t + EPS:
            return True
        if self.var_outer(i)[0] > t + EPS:
            return False
        return self.var_min(i) <= t + EPS

    def hi_at_least(self, i, t):
        if self.var_witness(i)[1] >= t - EPS:
            return True
        if self.var_outer(i)[1] < t - EPS:
            return False
        return self.var_max(i) >= t - EPS

    def done(self, i):
        """Is every question about cell i answered (without the LP of the whole component)?"""
        wlo, whi = self.var_witness(i)
        olo, ohi = self.var_outer(i)
        lo_known, hi_known = wlo <= olo + EPS, whi >= ohi - EPS
        k = self.k
        if i in self.ask_lo0 and not (wlo <= EPS or olo > EPS):
            return False
        if i in self.ask_hik and not (whi >= k - EPS or ohi < k - EPS):
            return False
        if self.settled(i):
            return True
        if lo_known and hi_known:
            return True
        return not self.s.exact and self.verdict_from_outer(i)

    def verdict_from_outer(self, i):
        """Without --exact: a true 0 or >= k needs no verdict, and a cell whose outer range
        already fails the rule is narrowed whatever its exact range."""
        sm = self.small.get(i)
        if sm is False:
            return True
        olo, ohi = self.var_outer(i)
        lo = math.ceil(olo - EPS) if olo != -INF else -INF
        hi = math.floor(ohi + EPS) if ohi != INF else INF
        return not (hi - lo + 1 >= self.k and (lo <= 0 or hi >= self.k))

    def settled(self, i):
        """Is the final question about cell i answered by the witnesses alone?"""
        if i not in self.small:
            return True  # not a hidden cell of this component (a placements of a child rule)
        wlo, whi = self.var_witness(i)
        lo = math.ceil(wlo - EPS) if wlo != -INF else -INF
        hi = math.floor(whi + EPS) if whi != INF else INF
        if self.small[i] is False:
            return hi > lo  # not pinned; the rule is not asked of a true 0 or >= k
        return hi - lo + 1 >= self.k and (lo <= 0 or hi >= self.k)


def fmt_key(key):
    v, period, district, tab, a, b, measure = key
    return '%s %s %s/%s %s%s' % (period, district, a, b, measure,
                                 '' if v == '*' else ' (as of %s)' % v)


def truth_key(key):
    v, period, district, tab, a, b, measure = key
    return '|'.join((period, district, tab, a, b, measure))


def fmt_range(lo, hi):
    return '[%s,%s]' % ('-inf' if lo == -INF else int(lo), 'inf' if hi == INF else int(hi))


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def analyse(pub_args, truth_paths=(), k=None, same_data=False, as_of=None, x_means='auto',
            out=sys.stdout, glpk=None, exact=False, check_unpublished=False,
            child_equalities=True, unpublished=False):
    """Returns (exit code, results dict). Raises BadInput."""
    t0 = time.monotonic()
    unpublished = unpublished or check_unpublished
    pubs = [read_publication(a, as_of, unpublished) for a in pub_args]
    if not pubs:
        raise BadInput('no report files given')
    ks = {p.k for p in pubs if p.k is not None}
    if k is None:
        if len(ks) > 1:
            raise BadInput('the reports use different k: %s' % sorted(ks))
        if not ks:
            raise BadInput('k is not in the reports (CSV with no <k): give --k')
        k = ks.pop()
    elif any(p.k is not None and p.k != k for p in pubs):
        p = next(p for p in pubs if p.k is not None and p.k != k)
        raise BadInput('%s: k = %d, not --k %d' % (p.path, p.k, k))
    if k < 2:
        raise BadInput('--k: at least 2')
    if x_means == 'auto':
        x_means = 'zero-or-k' if any(p.uses_below for p in pubs) else 'any'
    truth = read_truth(truth_paths) if truth_paths else None

    model = Model(pubs, k, x_means, same_data, child_equalities)
    model.load()
    model.build()
    n = len(model.keys)

    def truth_of(i):
        if truth is None:
            return None
        key = model.keys[i]
        if same_data:
            cells = next(iter(truth.values()))
        else:
            cells = truth.get(key[0])
            if cells is None:
                raise BadInput('no --truth for as-of %s' % key[0])
        return cells.get(truth_key(key), 0)

    if truth is not None:
        if same_data and len(truth) > 1:
            vals = list(truth.values())
            if any(v != vals[0] for v in vals[1:]):
                raise BadInput('--same-data with truths that differ')
        check_truth(model, truth_of)

    def unpublished(i):
        return model.symbol[i] == 'np'

    def small_of(i):
        if unpublished(i) and not check_unpublished:
            return False  # no promise about counts no table publishes: only pinned is counted
        t = truth_of(i)
        return None if t is None else 1 <= t <= k - 1

    solver = Solver(model, glpk or Glpk(), small_of, exact, truth_of if truth else None)
    solver.solve()

    hidden = small = narrowed = pinned = 0
    unpub = unpub_pinned = unpub_small_pinned = 0
    tighter = 0   # small cells narrower than their own symbol says
    by_measure = {}
    lines = []
    for i in range(n):
        if model.shown[i] is not None:
            continue
        t = truth_of(i)
        is_small = small_of(i)
        if unpublished(i):
            unpub += 1
        else:
            hidden += 1
        if is_small:
            small += 1
        if solver.settled[i]:
            continue
        lo, hi = solver.range[i]
        ilo = math.ceil(lo - EPS) if lo != -INF else -INF
        ihi = math.floor(hi + EPS) if hi != INF else INF
        if t is not None and not (ilo <= t <= ihi):
            raise BadInput('the reader\'s model is wrong: %s true %d outside the derived range %s'
                           % (fmt_key(model.keys[i]), t, fmt_range(ilo, ihi)))
        if ilo == ihi and i not in solver.outer_only:
            if unpublished(i):
                unpub_pinned += 1
                if t is not None and 1 <= t <= k - 1:
                    unpub_small_pinned += 1
                    if not check_unpublished:
                        key = model.keys[i]
                        lines.append('pinned-unpublished: %s %s %s %s/%s %s true=%d %s(not '
                                     'published at this level)' % (
                                         key[1], key[2], key[3], key[4], key[5], key[6], t,
                                         '' if key[0] == '*' else 'as-of=%s ' % key[0]))
            else:
                pinned += 1
        if is_small is False:
            continue
        holds = ihi - ilo + 1 >= k and (ilo <= 0 or ihi >= k)
        if holds:
            continue
        if is_small is None and not (ilo <= k - 1 and ihi >= 1):
            continue  # without truth: the range does not meet 1..k-1, so no small value in it
        narrowed += 1
        measure = model.keys[i][-1]
        by_measure[measure] = by_measure.get(measure, 0) + 1
        sym = model.symbol[i]
        if sym == '<' and ilo <= 1 and ihi >= k - 1:
            why = 'symbol'
        else:
            why = 'derived'
            tighter += 1
        key = model.keys[i]
        lines.append(('narrowed-unpublished' if unpublished(i) else 'narrowed') + ': %s %s %s %s/%s %s true=%s %s=%s %s(%s)' % (
            key[1], key[2], key[3], key[4], key[5], measure, '?' if t is None else t,
            'outer' if i in solver.outer_only else 'range', fmt_range(ilo, ihi),
            '' if key[0] == '*' else 'as-of=%s ' % key[0], why))

    # required totals: every district's (and the city's) placements for all forms and bases
    required = []
    for pub in pubs:
        v = model.version(pub)
        for period, district, tab, a, b, measure, lo, hi, sym in pub.cells:
            if tab != 'fb' or a != ALL or b != ALL or measure != 'placements_started' or sym is None:
                continue
            i = model.ids[(v, period, district, 'fb', ALL, ALL, measure)]
            t = truth_of(i)
            if t is None:
                if solver.range[i] is None or solver.range[i][0] < k - EPS:
                    continue
            elif t < k:
                continue
            required.append('hidden-total: %s %s %s placements_started true=%s is %s' % (
                pub.path, period, district, '?' if t is None else t, sym))

    for line in lines:
        print(line, file=out)
    for line in required:
        print(line, file=out)
    print('reader: hidden=%d small=%d narrowed=%d pinned=%d' % (hidden, small, narrowed, pinned),
          file=out)
    print('reader: files=%d k=%d x=%s narrowed-by-symbol=%d narrowed-beyond-symbol=%d '
          'required-hidden=%d unpublished=%s %s%s' % (
              len(pubs), k, x_means, narrowed - tighter, tighter, len(required),
              ('%d (pinned %d, of them 1..k-1: %d; %s)' % (
                  unpub, unpub_pinned, unpub_small_pinned,
                  'in the rule' if check_unpublished else 'not in the rule'))
              if unpublished else 'left-out',
              ' '.join('%s=%d' % kv for kv in sorted(by_measure.items())),
              '' if exact else ' (without --exact: pinned and beyond-symbol count what the '
              'verdict needed; outer=[..] lines show a range the exact one lies in)'), file=out)
    elapsed = time.monotonic() - t0
    print('reader: %.1f s, %d unknowns, %d relations, %d components (largest %d), %d LPs' % (
        elapsed, n, len(model.rows), solver.components, solver.largest, solver.g.solves), file=out)
    ranges = {}
    for i in range(n):
        if model.shown[i] is None and solver.range[i] is not None and i not in solver.outer_only:
            lo, hi = solver.range[i]
            ranges[model.keys[i]] = (math.ceil(lo - EPS) if lo != -INF else -INF,
                                     math.floor(hi + EPS) if hi != INF else INF)
    res = {'hidden': hidden, 'small': small, 'narrowed': narrowed, 'pinned': pinned,
           'tighter': tighter, 'required': len(required), 'ranges': ranges, 'lines': lines,
           'model': model, 'solver': solver}
    return (1 if narrowed or required else 0), res


def check_truth(model, truth_of):
    """Shown values equal the truth; hidden symbols fit it; every relation holds for it."""
    k = model.k
    for i, key in enumerate(model.keys):
        t = truth_of(i)
        if model.shown[i] is not None:
            if t != model.shown[i]:
                raise BadInput('%s: %s is shown as %d, the truth says %d' % (
                    model.shown_in[i][0].path, fmt_key(key), model.shown[i], t))
        elif not (model.lo[i] <= t <= model.hi[i]):
            raise BadInput('%s: %s is hidden as %s, the truth says %d' % (
                model.hidden_in[i][0].path, fmt_key(key), model.symbol[i], t))
        elif model.x_means == 'zero-or-k' and model.symbol[i] == 'x' and 1 <= t <= k - 1:
            raise BadInput('%s: %s is x but the truth %d is 1..k-1: x does not mean 0 or >= k '
                           '(use --x-means any)' % (model.hidden_in[i][0].path, fmt_key(key), t))
    for terms, lo, hi, label in model.rows:
        s = sum(a * truth_of(i) for i, a in terms)
        if s < lo - EPS or s > hi + EPS:
            raise BadInput('the reader\'s model is wrong: the truth breaks %s (%s)' % (
                label, ', '.join('%+g*%s=%d' % (a, fmt_key(model.keys[i]), truth_of(i))
                                 for i, a in terms)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('reports', nargs='*', metavar='REPORT')
    ap.add_argument('--truth', action='append', default=[], metavar='FILE')
    ap.add_argument('--k', type=int)
    ap.add_argument('--same-data', action='store_true')
    ap.add_argument('--as-of', metavar='YYYY-MM-DD')
    ap.add_argument('--x-means', choices=('auto', 'any', 'zero-or-k'), default='auto')
    ap.add_argument('--exact', action='store_true',
                    help='the exact range of every hidden cell the rule or pinned asks about')
    ap.add_argument('--unpublished', action='store_true',
                    help='counts not published at their level (empty in the CSV, "not published" '
                    'in the JSON) become unknowns, so the lines through them are used too '
                    '(a stronger reader, much slower); by default they and their lines are left out')
    ap.add_argument('--check-unpublished', action='store_true',
                    help='--unpublished, and the rule applies to those counts too')
    ap.add_argument('--no-child-equalities', action='store_true',
                    help='distinct children only between each part and the sum also over sexes '
                    'and age groups (by default a child has one sex and one age group a year)')
    ap.add_argument('--selftest', action='store_true')
    args = ap.parse_args(argv)
    if args.selftest:
        here = os.path.dirname(os.path.abspath(__file__))
        os.execv(sys.executable, [sys.executable, os.path.join(here, 'reader_attack_selftest.py')])
    if args.as_of is not None and not RE_DATE.match(args.as_of):
        print('reader: error: --as-of %s: not YYYY-MM-DD' % args.as_of, file=sys.stderr)
        return 2
    try:
        rc, _ = analyse(args.reports, args.truth, args.k, args.same_data, args.as_of, args.x_means,
                        exact=args.exact, check_unpublished=args.check_unpublished,
                        child_equalities=not args.no_child_equalities,
                        unpublished=args.unpublished)
    except BadInput as e:
        print('reader: error: %s' % e, file=sys.stderr)
        return 2
    return rc


if __name__ == '__main__':
    sys.exit(main())
