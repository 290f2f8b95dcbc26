/*
 * suppress.h — small-count protection of a table of counts: primary and secondary suppression.
 *
 * Pure computation, no I/O. The table is a full cube: the product of a few dimensions, each a
 * tree whose every internal node is the total of its children (a flat dimension is a root
 * "all" over its leaves; a calendar is year → tertials → months). Every line of the cube (one
 * internal node and its children, all other coordinates fixed) is an equation a reader knows:
 * total = sum of the parts.
 *
 * Each cell is one of:
 *   UNPUBLISHED  in no published table (e.g. form × sex when only form and sex tables are
 *                published); an unknown to the reader, who knows only that it is >= 0
 *   PUBLISHED    shown as its value
 *   FIXED        known to the reader whatever we do (a structural zero, e.g. a district that did
 *                not exist that month); never hidden, never used to protect another cell
 * and hub_suppress_run() turns some PUBLISHED cells into
 *   PRIMARY      a count from 1 to k-1
 *   SECONDARY    hidden so that no PRIMARY cell can be worked out from the totals
 * Both are published with one symbol ("x"), so the reader knows of a hidden cell only that it is
 * at least 0.
 *
 * Method (the hypercube method of GHMITER / tau-Argus): every PRIMARY cell not yet protected
 * becomes a corner of a "hypercube" — in every dimension the cell is paired with a sibling leaf
 * (or a leaf-to-root chain), giving a set of cells with alternating signs such that adding
 * t, -t, ... to them keeps every line total unchanged. All PUBLISHED corners are hidden
 * (SECONDARY). Then no hidden cell is determined by the line equations: a reader cannot tell the
 * real table from the one with t added. The corners are chosen to hide little (few new cells,
 * small values, no FIXED cell, no kept cell), and with protection levels: t may range as far as
 * no corner goes below 0, and the cube is chosen so that the target's range over that move
 * passes the protection rule (hub_sdc_audit_rule_holds: at least k values, one outside 1..k-1).
 * When no such hypercube is found the best one protecting against the equations alone is used
 * and counted in interval_fallbacks; the audit of the whole publication repairs those
 * (hub/stats/stats_audit.h).
 * Finally the classic rule is applied as a safety net: any fully published line with exactly one
 * hidden cell gets its smallest other non-zero cell hidden, repeated to a fixed point (with the
 * hypercubes this never fires; classic_fixes counts it if it ever does).
 *
 * The result depends only on the table (no randomness), so a report can be rerun exactly.
 */
#ifndef HUB_SUPPRESS_H
#define HUB_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

#define HUB_SUPPRESS_MAX_DIMS 8
#define HUB_SUPPRESS_MAX_DEPTH 6 /* edges from the root to the deepest leaf */

/* One dimension: nodes 0..n-1, node 0 the root ("all"), parent[i] < i for every other node. */
struct hub_suppress_dim {
    size_t n;
    const int *parent; /* parent[0] == -1 */
};

enum hub_suppress_state {
    HUB_SUPPRESS_UNPUBLISHED = 0,
    HUB_SUPPRESS_PUBLISHED,
    HUB_SUPPRESS_FIXED,
    HUB_SUPPRESS_PRIMARY,
    HUB_SUPPRESS_SECONDARY,
};

struct hub_suppress_report {
    size_t primary;            /* cells 1..k-1 */
    size_t secondary;          /* cells hidden to protect them */
    size_t hypercubes;         /* hypercubes applied */
    size_t interval_fallbacks; /* hypercubes short of the protection rule for their target */
    size_t classic_fixes;      /* cells hidden by the classic-rule safety net */
};

typedef struct hub_suppress hub_suppress_t;

/* Creates a table over `ndims` dimensions (copied), every cell UNPUBLISHED with value 0.
 * *out is the caller's (hub_suppress_destroy). HUB_EINVAL for a malformed dimension (no nodes,
 * node 0 not the root, a parent not before its child, deeper than HUB_SUPPRESS_MAX_DEPTH) or too
 * many cells; HUB_ENOMEM. */
int hub_suppress_new(size_t ndims, const struct hub_suppress_dim *dims, hub_suppress_t **out,
                     struct hub_error *err) HUB_MUST_CHECK;

void hub_suppress_destroy(hub_suppress_t *s);

/* Number of cells (the product of the dimension sizes). */
size_t hub_suppress_cell_count(const hub_suppress_t *s);

/* The cell index of a coordinate (coord[d] < size of dimension d; not checked). */
size_t hub_suppress_index(const hub_suppress_t *s, const size_t *coord);

/* The coordinate of a cell index. */
void hub_suppress_coord(const hub_suppress_t *s, size_t cell, size_t *coord);

/* Sets a cell's value and state (UNPUBLISHED, PUBLISHED or FIXED), before hub_suppress_run. */
void hub_suppress_set(hub_suppress_t *s, size_t cell, int64_t value, enum hub_suppress_state st);

/* Asks that a PUBLISHED cell stay shown unless no hypercube avoids it (a district's total). */
void hub_suppress_keep(hub_suppress_t *s, size_t cell);

int64_t hub_suppress_value(const hub_suppress_t *s, size_t cell);
enum hub_suppress_state hub_suppress_state(const hub_suppress_t *s, size_t cell);

/* Marks PUBLISHED cells with 1 <= value < k as PRIMARY and hides SECONDARY cells as described
 * above; fills *rep (may be NULL). Runs once per table. HUB_EINVAL when k < 2 or a published or
 * fixed value is negative; HUB_ENOMEM. */
int hub_suppress_run(hub_suppress_t *s, int64_t k, struct hub_suppress_report *rep,
                     struct hub_error *err) HUB_MUST_CHECK;

/* The hypercubes applied by hub_suppress_run: each as its published corners (cells) with their
 * signs; adding t × sign to every corner changes no published line. The audit uses them as
 * moves to try before any LP (hub_sdc_audit_move). Valid until hub_suppress_destroy. */
size_t hub_suppress_cube_count(const hub_suppress_t *s);
const size_t *hub_suppress_cube(const hub_suppress_t *s, size_t i, const int **signs, size_t *n);

/* The number of lines whose cells are all published (PUBLISHED, FIXED, PRIMARY or SECONDARY)
 * with exactly one hidden cell: always 0 after hub_suppress_run. For tests and audits. */
size_t hub_suppress_lines_with_one_hidden(const hub_suppress_t *s);

#endif
