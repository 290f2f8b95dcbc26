/*
 * sdc_audit.h — the attacker as code: what a reader can derive about hidden cells of published
 * tables, by linear programming (GLPK).
 *
 * Not hub/audit.h, which is the disclosure log. This is the statistical-disclosure-control audit
 * of tau-Argus and sdcTable: given every cell a reader holds (shown with its value, or hidden with
 * the range its symbol reveals) and every linear relation between cells the reader knows (margins,
 * months -> tertial -> year, started + not started = with school change, children <= placements,
 * earlier published versions ...), it computes for each hidden cell the tightest [min, max] the
 * reader can derive: two linear programs per hidden cell, max and min of the cell subject to all
 * relations, the shown values and the symbols' ranges.
 *
 * LP relaxation, rounded: the reader knows counts are whole numbers, so the derived range is
 * [ceil(LP min), floor(LP max)]. An integer program could be tighter in tables that are not
 * totally unimodular (three or more linked dimensions); see consumers/STATISTICS.md §5 for why the
 * LP bound is what we use.
 *
 * The protection rule (consumers/STATISTICS.md §5): a hidden cell whose true value is 1..k-1 must
 * have a derivable range that spans at least k values and includes a value outside 1..k-1. A cell
 * that breaks it is "narrowed".
 *
 * Speed: hidden cells are split into independent components (cells linked by relations through
 * other hidden cells); each component is one LP, re-optimised per objective from the previous
 * basis. Every solution the solver returns is a table the reader cannot exclude, so it widens the
 * known range of every cell of the component; in rule mode a small cell whose known range already
 * passes needs no LP of its own.
 *
 * Pure computation, no I/O; deterministic (no randomness, cells in index order).
 */
#ifndef HUB_SDC_AUDIT_H
#define HUB_SDC_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

/* No upper bound ("x" reveals only that the count is >= 0). */
#define HUB_SDC_UNBOUNDED INT64_MAX

enum hub_sdc_rel { HUB_SDC_EQ, HUB_SDC_LE, HUB_SDC_GE };

enum hub_sdc_mode {
    HUB_SDC_RULE,  /* only decide the rule for small cells; ranges may be partial (wide enough) */
    HUB_SDC_EXACT, /* the exact range of every hidden cell (what the attack counts need) */
};

struct hub_sdc_result {
    size_t hidden;   /* hidden cells */
    size_t small;    /* hidden cells whose true value is 1..k-1 */
    size_t pinned;   /* hidden cells whose range is one value (EXACT mode; in RULE mode only
                        small ones are decided) */
    size_t narrowed; /* small cells that break the rule */
    size_t components, lps;
};

typedef struct hub_sdc_audit hub_sdc_audit_t;

/* An audit over `ncells` cells, each shown with value 0 until set. *out is the caller's
 * (hub_sdc_audit_destroy). HUB_ENOMEM. */
int hub_sdc_audit_new(size_t ncells, hub_sdc_audit_t **out, struct hub_error *err) HUB_MUST_CHECK;

void hub_sdc_audit_destroy(hub_sdc_audit_t *a);

size_t hub_sdc_audit_cells(const hub_sdc_audit_t *a);

/* A shown cell: the reader knows `value`. */
void hub_sdc_audit_shown(hub_sdc_audit_t *a, size_t cell, int64_t value);

/* A hidden cell with true value `value`; the reader knows only lo <= cell <= hi (hi may be
 * HUB_SDC_UNBOUNDED). */
void hub_sdc_audit_hidden(hub_sdc_audit_t *a, size_t cell, int64_t value, int64_t lo, int64_t hi);

bool hub_sdc_audit_is_hidden(const hub_sdc_audit_t *a, size_t cell);

/* A relation the reader knows: sum of coef[i] * cell[i]  rel  rhs. Copied. HUB_EINVAL for a cell
 * out of range, HUB_ENOMEM. */
int hub_sdc_audit_relation(hub_sdc_audit_t *a, size_t n, const size_t *cells, const int *coef,
                           enum hub_sdc_rel rel, int64_t rhs, struct hub_error *err) HUB_MUST_CHECK;

/* A move a reader cannot see, offered as a shortcut: adding t × coef[i] to cells[i] for some t
 * (often a hypercube of the suppression). At each run the audit finds how far t can go each way
 * with every relation and range still holding; both ends are tables the reader cannot exclude,
 * so they widen the known ranges and spare LPs. A move that is not invisible (it changes a shown
 * cell or an equation) is ignored: moves never make the audit less strict. Copied. */
int hub_sdc_audit_move(hub_sdc_audit_t *a, size_t n, const size_t *cells, const int *coef,
                       struct hub_error *err) HUB_MUST_CHECK;

/* A window: cells worth deciding together before the whole component (often the keys of one
 * hypercube, every measure). In rule mode each run solves, for every window with an undecided
 * small cell, the LP of the window's hidden cells with every other cell fixed at its true value:
 * that LP allows fewer tables than the reader's, so whatever range it reaches is reachable and a
 * cell it decides needs no LP of the whole component. Copied. */
int hub_sdc_audit_window(hub_sdc_audit_t *a, size_t n, const size_t *cells,
                         struct hub_error *err) HUB_MUST_CHECK;

/* After a run: the relations that hold `cell` (n of them; owned by the audit, valid until the
 * next run). */
const size_t *hub_sdc_audit_cell_relations(const hub_sdc_audit_t *a, size_t cell, size_t *n);

/* Withdraws relation r (e.g. figures that will not be published after all). */
void hub_sdc_audit_relation_off(hub_sdc_audit_t *a, size_t r);

/* The relations added so far, and the cells of relation r (n of them; owned by the audit, valid
 * until the next hub_sdc_audit_relation). */
size_t hub_sdc_audit_relation_count(const hub_sdc_audit_t *a);
const size_t *hub_sdc_audit_relation_cells(const hub_sdc_audit_t *a, size_t r, size_t *n);

/* Runs the audit with protection level k (>= 2) in `mode`; fills *res (may be NULL). HUB_EINVAL
 * when the published system contradicts the true values (a relation the true table breaks: a bug
 * in whoever built it), HUB_EINTERNAL when the solver fails, HUB_ENOMEM. */
int hub_sdc_audit_run(hub_sdc_audit_t *a, int64_t k, enum hub_sdc_mode mode,
                      struct hub_sdc_result *res, struct hub_error *err) HUB_MUST_CHECK;

/* Decides the rule again for the cells with focus[cell] set only (rule mode), after cells were
 * hidden or relations withdrawn since the last run; other cells keep their earlier ranges (which
 * can only have widened: hiding a cell or withdrawing a relation takes knowledge away). */
int hub_sdc_audit_recheck(hub_sdc_audit_t *a, int64_t k, const bool *focus,
                          struct hub_sdc_result *res, struct hub_error *err) HUB_MUST_CHECK;

/* After a run, for a hidden `cell` that breaks the rule: the relations that bind its range (a
 * non-zero dual of the LP that widens it: down to 0 when that would pass, else up), at most cap
 * of them into rels. Relaxing one — hiding one of its shown cells, or withdrawing it — is what
 * can widen the range. HUB_EINVAL before a run, HUB_EINTERNAL, HUB_ENOMEM. */
int hub_sdc_audit_blockers(hub_sdc_audit_t *a, size_t cell, int64_t k, size_t *rels, size_t cap,
                           size_t *n, struct hub_error *err) HUB_MUST_CHECK;

/* The same, supposing the shown cells with supposed[cell] set were hidden too: what would still
 * bind if they were given up. Hiding a cell found this way and auditing again makes progress
 * without giving up the supposed ones (e.g. the totals a publication promises to show). */
int hub_sdc_audit_blockers_supposing(hub_sdc_audit_t *a, size_t cell, int64_t k,
                                     const bool *supposed, size_t *rels, size_t cap, size_t *n,
                                     struct hub_error *err) HUB_MUST_CHECK;

/* The same within the first window that holds `cell` (cells outside it fixed at their true
 * values): cheaper, and relaxing what binds there also widens the reader's range; *n = 0 when
 * no window holds it. */
int hub_sdc_audit_blockers_local(hub_sdc_audit_t *a, size_t cell, int64_t k, size_t *rels,
                                 size_t cap, size_t *n, struct hub_error *err) HUB_MUST_CHECK;

/* After a run: the range derived for `cell` (a shown cell: its value twice). In RULE mode a range
 * is exact only for small cells that fail; others are at least as wide as returned. */
void hub_sdc_audit_range(const hub_sdc_audit_t *a, size_t cell, int64_t *min, int64_t *max);

/* After a run: whether `cell` is a small hidden cell that breaks the rule. */
bool hub_sdc_audit_narrowed(const hub_sdc_audit_t *a, size_t cell);

/* The rule itself, for a cell of true value `value` with derived range [min, max]: true when the
 * cell is not small, or the range spans at least k values and includes one outside 1..k-1. */
bool hub_sdc_audit_rule_holds(int64_t value, int64_t min, int64_t max, int64_t k);

#endif
