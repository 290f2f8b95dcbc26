/*
 * followup_report.c — the follow-up tables as CSV, JSON and HTML (followup_report.h).
 */
#include "hub/stats/followup_report.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "hub/core/csv.h"
#include "hub/core/date.h"
#include "hub/stats/report_layout.h"
#include "hub/stats/stats.h"

#define FU_TEXT_MAX 32
#define CHART_LABEL_W 230
#define CHART_BAR_W 500
#define CHART_ROW_H 28
#define CHART_TOP 50
#define CHART_BOTTOM 44

/* The columns after the row's keys: a count or a share of one measure. */
struct column {
    const char *name; /* CSV and JSON */
    const char *sv;   /* HTML heading */
    enum hub_fu_measure m;
    int outcome; /* an outcome, or -1 for the share */
};

static const struct column columns[] = {
    {"followed_up", "Följda upp", HUB_FU_ATTENDANCE, HUB_FU_BASE},
    {"attendance_90", "Närvaro ≥ 90 %", HUB_FU_ATTENDANCE, HUB_FU_YES},
    {"attendance_90_share", "Andel närvaro ≥ 90 %", HUB_FU_ATTENDANCE, -1},
    {"goals_assessed", "Bedömda i grundskolan", HUB_FU_GOALS, HUB_FU_BASE},
    {"goals_reached", "Når kunskapsmålen", HUB_FU_GOALS, HUB_FU_YES},
    {"goals_reached_share", "Andel som når målen (mål 75 %)", HUB_FU_GOALS, -1},
    {"eligibility_given", "Åk 9, svar om behörighet", HUB_FU_ELIGIBLE, HUB_FU_BASE},
    {"eligible", "Gymnasiebehöriga", HUB_FU_ELIGIBLE, HUB_FU_YES},
    {"eligible_share", "Andel gymnasiebehöriga", HUB_FU_ELIGIBLE, -1},
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static const char *const sex_sv[HUB_FU_SEXES] = {"Alla", "Flickor", "Pojkar"};
static const char *const form_sv[HUB_FU_FORMS] = {"Alla placeringsformer",
                                                  "Jourhem",
                                                  "Familjehem",
                                                  "HVB-hem",
                                                  "Stödboende",
                                                  "Skyddat boende",
                                                  "Särskilt ungdomshem (SiS)",
                                                  "Behandlingsfamilj"};
static const char *const school_sv[HUB_FU_SCHOOLS] = {"Alla skolformer", "Grundskola",
                                                      "Gymnasieskola"};
static const char *const table_sv[HUB_FU__TABLES] = {"Kön", "Placeringsform", "Skolform"};

static const char *group_sv(enum hub_fu_table t, size_t g)
{
    return t == HUB_FU_BY_SEX ? sex_sv[g] : t == HUB_FU_BY_FORM ? form_sv[g] : school_sv[g];
}

enum cell_kind { CELL_VALUE, CELL_HIDDEN, CELL_EMPTY };

/* One column of one row: its kind and value (a count, or a share in per mille). */
static enum cell_kind cell(const hub_followup_t *f, size_t d, enum hub_fu_table t, size_t g,
                           const struct column *c, int64_t *v)
{
    if (!hub_followup_applies(c->m, t, g))
        return CELL_EMPTY;
    if (c->outcome >= 0) {
        struct hub_fu_count n = hub_followup_get(f, d, t, g, c->m, (enum hub_fu_outcome)c->outcome);
        *v = n.value;
        return n.hidden ? CELL_HIDDEN : CELL_VALUE;
    }
    if (hub_followup_share(f, d, t, g, c->m, v))
        return CELL_VALUE;
    struct hub_fu_count b = hub_followup_get(f, d, t, g, c->m, HUB_FU_BASE);
    return !b.hidden && b.value == 0 ? CELL_EMPTY : CELL_HIDDEN;
}

/* "x", "", a count, or a share in percent with one decimal and `point`. */
static void cell_text(enum cell_kind k, int64_t v, bool share, char point, char buf[FU_TEXT_MAX])
{
    if (k == CELL_HIDDEN)
        snprintf(buf, FU_TEXT_MAX, "x");
    else if (k == CELL_EMPTY)
        buf[0] = '\0';
    else if (share)
        snprintf(buf, FU_TEXT_MAX, "%" PRId64 "%c%" PRId64, v / 10, point, v % 10);
    else
        snprintf(buf, FU_TEXT_MAX, "%" PRId64, v);
}

static bool in_scope(const struct hub_fu_scope *sc, size_t d)
{
    return sc->district == SIZE_MAX || d == sc->district || d == 0;
}

/* ---- CSV ---- */

static int write_csv(FILE *out, const hub_followup_t *f, const struct hub_fu_scope *sc,
                     bool swedish, struct hub_error *err)
{
    const char *sep = swedish ? ";" : ",";
    char point = swedish ? ',' : '.';
    char label[HUB_STATS_PERIOD_LABEL_MAX], t[FU_TEXT_MAX];
    static const char *const keys[] = {"period", "district", "district_name", "table", "group"};

    hub_stats_period_label(hub_followup_options(f)->year, hub_followup_options(f)->period, label);
    fputs("\xEF\xBB\xBF", out);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        hub_csv_write_field(out, keys[i], sep);
    for (size_t i = 0; i < NCOLUMNS; i++)
        hub_csv_write_field(out, columns[i].name, i + 1 == NCOLUMNS ? "\r\n" : sep);
    for (size_t d = 0; d < hub_followup_district_count(f); d++) {
        if (!in_scope(sc, d))
            continue;
        for (int tb = 0; tb < HUB_FU__TABLES; tb++) {
            enum hub_fu_table tt = (enum hub_fu_table)tb;
            for (size_t g = 0; g < hub_followup_group_count(tt); g++) {
                hub_csv_write_field(out, label, sep);
                hub_csv_write_field(out, hub_followup_district_code(f, d), sep);
                hub_csv_write_field(out, hub_followup_district_name(f, d), sep);
                hub_csv_write_field(out, hub_followup_table_code(tt), sep);
                hub_csv_write_field(out, hub_followup_group_code(tt, g), sep);
                for (size_t i = 0; i < NCOLUMNS; i++) {
                    int64_t v = 0;
                    enum cell_kind k = cell(f, d, tt, g, &columns[i], &v);
                    cell_text(k, v, columns[i].outcome < 0, point, t);
                    hub_csv_write_field(out, t, i + 1 == NCOLUMNS ? "\r\n" : sep);
                }
            }
        }
    }
    if (ferror(out))
        return hub_error_set(err, HUB_EIO, "follow-up report: writing the CSV failed");
    return 0;
}

/* ---- JSON ---- */

static int set(json_t *obj, const char *key, json_t *v)
{
    return v ? json_object_set_new(obj, key, v) : -1;
}

static json_t *json_row(const hub_followup_t *f, size_t d, enum hub_fu_table t, size_t g)
{
    json_t *row = json_object(), *hidden = json_object();
    int rc = row && hidden ? 0 : -1;
    if (rc == 0)
        rc = set(row, "district", json_string(hub_followup_district_code(f, d)));
    if (rc == 0)
        rc = set(row, "table", json_string(hub_followup_table_code(t)));
    if (rc == 0)
        rc = set(row, "group", json_string(hub_followup_group_code(t, g)));
    for (size_t i = 0; rc == 0 && i < NCOLUMNS; i++) {
        int64_t v = 0;
        enum cell_kind k = cell(f, d, t, g, &columns[i], &v);
        if (k == CELL_VALUE)
            rc = set(row, columns[i].name,
                     columns[i].outcome < 0 ? json_real((double)v / 10.0) : json_integer(v));
        else
            rc = set(row, columns[i].name, json_null());
        if (rc == 0 && k == CELL_HIDDEN)
            rc = set(hidden, columns[i].name, json_string("x"));
    }
    if (rc == 0)
        rc = set(row, "hidden", hidden);
    else
        json_decref(hidden);
    if (rc != 0) {
        json_decref(row);
        return NULL;
    }
    return row;
}

static int write_json(FILE *out, const hub_followup_t *f, const struct hub_fu_scope *sc,
                      struct hub_error *err)
{
    const struct hub_fu_options *o = hub_followup_options(f);
    char label[HUB_STATS_PERIOD_LABEL_MAX], when[40];
    time_t secs = (time_t)(sc->generated_ms / 1000);
    struct tm tm;
    json_t *doc = json_object(), *rows = json_array(), *districts = json_array();
    int rc = doc && rows && districts ? 0 : -1;

    hub_stats_period_label(o->year, o->period, label);
    if (!gmtime_r(&secs, &tm) || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(when, sizeof when, "unknown");
    if (rc == 0)
        rc = set(doc, "report", json_string("follow-up-of-schooling"));
    if (rc == 0)
        rc = set(doc, "definitions_version", json_string(HUB_FU_DEFINITIONS_VERSION));
    if (rc == 0)
        rc = set(doc, "period", json_string(label));
    if (rc == 0)
        rc = set(doc, "generated_at", json_string(when));
    if (rc == 0)
        rc = set(doc, "k", json_integer(o->k));
    if (rc == 0)
        rc = set(doc, "goals_target_percent", json_integer(HUB_FU_GOALS_TARGET_PCT));
    if (rc == 0)
        rc = set(doc, "hidden_symbol", json_string("x"));
    for (size_t d = 0; rc == 0 && d < hub_followup_district_count(f); d++) {
        if (!in_scope(sc, d))
            continue;
        json_t *dj = json_object();
        rc = dj ? 0 : -1;
        if (rc == 0)
            rc = set(dj, "code", json_string(hub_followup_district_code(f, d)));
        if (rc == 0)
            rc = set(dj, "name", json_string(hub_followup_district_name(f, d)));
        if (rc == 0)
            rc = json_array_append_new(districts, dj);
        else
            json_decref(dj);
        for (int tb = 0; rc == 0 && tb < HUB_FU__TABLES; tb++)
            for (size_t g = 0; rc == 0 && g < hub_followup_group_count((enum hub_fu_table)tb);
                 g++) {
                json_t *row = json_row(f, d, (enum hub_fu_table)tb, g);
                rc = row ? json_array_append_new(rows, row) : -1;
            }
    }
    if (rc == 0) {
        rc = set(doc, "districts", districts);
        districts = NULL;
    }
    if (rc == 0) {
        rc = set(doc, "rows", rows);
        rows = NULL;
    }
    if (rc == 0)
        rc = json_dumpf(doc, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(districts);
    json_decref(rows);
    json_decref(doc);
    if (rc != 0 || fputc('\n', out) == EOF || ferror(out))
        return hub_error_set(err, rc == 0 ? HUB_EIO : HUB_ENOMEM,
                             "follow-up report: writing the JSON failed");
    return 0;
}

/* ---- HTML ---- */

static void period_title(const struct hub_fu_options *o, char *buf, size_t n)
{
    static const char *const months[] = {"januari", "april",     "maj",
                                         "augusti", "september", "december"};
    if (o->period == 0)
        snprintf(buf, n, "år %d", o->year);
    else
        snprintf(buf, n, "tertial %zu %d (%s–%s)", o->period, o->year, months[2 * (o->period - 1)],
                 months[2 * (o->period - 1) + 1]);
}

static void td(FILE *out, enum cell_kind k, int64_t v, bool share)
{
    char t[FU_TEXT_MAX];
    cell_text(k, v, share, ',', t);
    fputs(k == CELL_HIDDEN  ? "<td class=\"hidden\">"
          : k == CELL_EMPTY ? "<td class=\"na\">"
                            : "<td>",
          out);
    fputs(k == CELL_EMPTY ? "–" : t, out);
    if (k == CELL_VALUE && share)
        fputs(" %", out);
    fputs("</td>", out);
}

static void table_head(FILE *out, const char *first)
{
    fputs("<table><thead><tr><th>", out);
    hub_report_html_escape(out, first);
    fputs("</th>", out);
    for (size_t i = 0; i < NCOLUMNS; i++) {
        fputs("<th>", out);
        hub_report_html_escape(out, columns[i].sv);
        fputs("</th>", out);
    }
    fputs("</tr></thead><tbody>\n", out);
}

static void table_row(FILE *out, const hub_followup_t *f, size_t d, enum hub_fu_table t, size_t g,
                      const char *label, bool total)
{
    fputs(total ? "<tr class=\"total\"><td>" : "<tr><td>", out);
    hub_report_html_escape(out, label);
    fputs("</td>", out);
    for (size_t i = 0; i < NCOLUMNS; i++) {
        int64_t v = 0;
        enum cell_kind k = cell(f, d, t, g, &columns[i], &v);
        td(out, k, v, columns[i].outcome < 0);
    }
    fputs("</tr>\n", out);
}

/* Bars of the share reaching the knowledge goals per district, with the 75 % target. */
static void write_chart(FILE *out, const hub_followup_t *f, const struct hub_fu_scope *sc)
{
    size_t nd = 0;
    for (size_t d = 0; d < hub_followup_district_count(f); d++)
        nd += in_scope(sc, d);
    int height = CHART_TOP + (int)nd * CHART_ROW_H + CHART_BOTTOM;
    int width = CHART_LABEL_W + CHART_BAR_W + 90;
    const char *title = "Andel som når kunskapsmålen i grundskolan, per stadsdel";

    fprintf(out, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            width, height, width, height);
    hub_report_html_escape(out, title);
    fputs("\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"13\">\n<title>", out);
    hub_report_html_escape(out, title);
    fprintf(out,
            "</title>\n<rect x=\"%d\" y=\"8\" width=\"14\" height=\"14\" fill=\"#1f5fa8\"/>"
            "<text x=\"%d\" y=\"20\">Andel som når kunskapsmålen</text>"
            "<line x1=\"%d\" y1=\"15\" x2=\"%d\" y2=\"15\" stroke=\"#c0392b\" stroke-width=\"2\" "
            "stroke-dasharray=\"5,3\"/><text x=\"%d\" y=\"20\">Mål %d %%</text>\n",
            CHART_LABEL_W, CHART_LABEL_W + 20, CHART_LABEL_W + 250, CHART_LABEL_W + 280,
            CHART_LABEL_W + 288, HUB_FU_GOALS_TARGET_PCT);
    int bottom = CHART_TOP + (int)nd * CHART_ROW_H;
    for (int g = 0; g <= 5; g++) {
        int x = CHART_LABEL_W + g * CHART_BAR_W / 5;
        fprintf(out,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d9dee5\"/>"
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%d %%</text>\n",
                x, CHART_TOP - 6, x, bottom, x, bottom + 18, g * 20);
    }
    size_t row = 0;
    for (size_t d = 0; d < hub_followup_district_count(f); d++) {
        if (!in_scope(sc, d))
            continue;
        int y = CHART_TOP + (int)row++ * CHART_ROW_H;
        int64_t pm = 0;
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>", CHART_LABEL_W - 8, y + 18,
                d == 0 ? " font-weight=\"bold\"" : "");
        hub_report_html_escape(out, hub_followup_district_name(f, d));
        fputs("</text>", out);
        enum cell_kind k = cell(f, d, HUB_FU_BY_SEX, 0, &columns[5], &pm);
        if (k != CELL_VALUE) {
            fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#777\" font-style=\"italic\">%s</text>\n",
                    CHART_LABEL_W + 6, y + 18,
                    k == CELL_HIDDEN ? "visas inte – skyddar små tal" : "inga bedömda");
            continue;
        }
        int w = (int)(pm * CHART_BAR_W / 1000);
        char t[FU_TEXT_MAX];
        cell_text(k, pm, true, ',', t);
        fprintf(out,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\">%s %%</text>\n",
                CHART_LABEL_W, y + 4, w > 0 ? w : 1,
                pm >= HUB_FU_GOALS_TARGET_PCT * 10 ? "#1f5fa8" : "#9dbce3",
                CHART_LABEL_W + (w > 0 ? w : 1) + 6, y + 18, t);
    }
    int tx = CHART_LABEL_W + HUB_FU_GOALS_TARGET_PCT * CHART_BAR_W / 100;
    fprintf(out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c0392b\" stroke-width=\"2\" "
            "stroke-dasharray=\"5,3\"/>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
            "fill=\"#444\">andel av bedömda elever i grundskolan</text>\n</svg>\n",
            tx, CHART_TOP - 6, tx, bottom, CHART_LABEL_W + CHART_BAR_W / 2, height - 6);
}

static int write_html(FILE *out, const hub_followup_t *f, const struct hub_fu_scope *sc,
                      struct hub_error *err)
{
    const struct hub_fu_options *o = hub_followup_options(f);
    char title[96], day[HUB_DATE_ISO_LEN];
    period_title(o, title, sizeof title);
    if (hub_date_format(hub_days_stockholm_from_ms(sc->generated_ms), day) != 0)
        snprintf(day, sizeof day, "?");

    fprintf(out, "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<title>Uppföljning av placerade barns skolgång – ");
    hub_report_html_escape(out, title);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", hub_report_html_style);
    fputs("<h1>Uppföljning av placerade barns skolgång</h1>\n<p class=\"sub\">", out);
    hub_report_html_escape(out, title);
    fprintf(out, " · framtagen %s</p>\n", day);
    fprintf(out,
            "<div class=\"info\"><ul>"
            "<li>Varje barn räknas en gång: den senaste uppföljningen (vid övervägande eller "
            "omprövning) i perioden, för en placering som hade börjat.</li>"
            "<li>Målet är att %d %% av de placerade barnen når kunskapsmålen i grundskolan; "
            "andelen räknas på de elever vars kunskaper har bedömts.</li>"
            "<li>Gymnasiebehörighet gäller årskurs 9 där svaret är angivet; närvaro räknas på "
            "alla som följts upp.</li>"
            "<li>Små tal (1–%" PRId64 ") och tal som skulle avslöja dem visas som "
            "<b>x</b>; en andel visas bara när både täljare och nämnare visas.</li>"
            "</ul></div>\n",
            HUB_FU_GOALS_TARGET_PCT, o->k - 1);
    fputs("<h2>Kunskapsmålen per stadsdel</h2>\n", out);
    write_chart(out, f, sc);
    fputs("<h2>Översikt</h2>\n", out);
    table_head(out, "Stadsdel");
    for (size_t d = 0; d < hub_followup_district_count(f); d++)
        if (in_scope(sc, d))
            table_row(out, f, d, HUB_FU_BY_SEX, 0, hub_followup_district_name(f, d), d == 0);
    fputs("</tbody></table>\n", out);
    for (size_t d = 0; d < hub_followup_district_count(f); d++) {
        if (!in_scope(sc, d))
            continue;
        fputs("<h2>", out);
        hub_report_html_escape(out, hub_followup_district_name(f, d));
        fputs("</h2>\n", out);
        for (int tb = 0; tb < HUB_FU__TABLES; tb++) {
            enum hub_fu_table t = (enum hub_fu_table)tb;
            table_head(out, table_sv[tb]);
            for (size_t i = 1; i <= hub_followup_group_count(t); i++) {
                size_t g = i % hub_followup_group_count(t); /* the groups, then all last */
                table_row(out, f, d, t, g, group_sv(t, g), g == 0);
            }
            fputs("</tbody></table>\n", out);
        }
    }
    fprintf(out,
            "<footer>Källa: SAMS-hubben, uppföljningar från stadsdelarnas socialtjänst. "
            "Definitioner version %s (consumers/STATISTICS.md). x = visas inte för att skydda "
            "enskilda barn.</footer>\n</body>\n</html>\n",
            HUB_FU_DEFINITIONS_VERSION);
    if (ferror(out))
        return hub_error_set(err, HUB_EIO, "follow-up report: writing the HTML failed");
    return 0;
}

int hub_followup_write(FILE *f, enum hub_report_format format, const hub_followup_t *t,
                       const struct hub_fu_scope *scope, struct hub_error *err)
{
    if (scope->district != SIZE_MAX &&
        (scope->district == 0 || scope->district >= hub_followup_district_count(t)))
        return hub_error_set(err, HUB_EINVAL, "follow-up report: no such district");
    switch (format) {
    case HUB_REPORT_CSV:
    case HUB_REPORT_CSV_SV:
        return write_csv(f, t, scope, format == HUB_REPORT_CSV_SV, err);
    case HUB_REPORT_JSON:
        return write_json(f, t, scope, err);
    case HUB_REPORT_HTML:
        return write_html(f, t, scope, err);
    default:
        return hub_error_set(err, HUB_EINVAL, "follow-up report: unknown format");
    }
}
