/*
 * report_html.c — the statistics as one self-contained HTML page in Swedish (report.h).
 *
 * Written for a committee secretary: it opens in any browser without a network or JavaScript
 * (styles inline, charts inline SVG) and prints on A4. It states the as-of date, k and the
 * threshold, says that small numbers are hidden and how, and mentions district mergers inside
 * the period. Content: an overview per district, a chart of days from placement to school start
 * per district (median and 90th percentile), tables per district and placement form, legal sex ×
 * age group, and for a tertial or a year the months and tertials it is made of.
 */
#include "hub/stats/report.h"

#include <inttypes.h>
#include <string.h>

#include "hub/core/date.h"

#define CHART_LABEL_W 230
#define CHART_BAR_W 560
#define CHART_ROW_H 30
#define CHART_TOP 58
#define CHART_BOTTOM 44

static const char *const month_names[12] = {"januari",   "februari", "mars",     "april",
                                            "maj",       "juni",     "juli",     "augusti",
                                            "september", "oktober",  "november", "december"};

static const char *const form_names[HUB_STATS_FORMS] = {"Alla placeringsformer",
                                                        "Jourhem",
                                                        "Familjehem",
                                                        "HVB-hem",
                                                        "Stödboende",
                                                        "Skyddat boende",
                                                        "Särskilt ungdomshem (SiS)",
                                                        "Behandlingsfamilj"};
static const char *const sex_names[HUB_STATS_SEXES] = {"Alla", "Flickor", "Pojkar"};
static const char *const age_names[HUB_STATS_AGES] = {"Alla åldrar", "0–5 år",   "6–12 år",
                                                      "13–15 år",    "16–17 år", "18 år –"};

/* "januari 2026", "tertial 1 2026 (januari–april)" or "år 2026"; `cap` capitalises the first
 * letter (the names are ASCII-initial except "år"). */
static void period_title(int year, size_t p, bool cap, char *buf, size_t n)
{
    switch (hub_stats_period_kind(p)) {
    case HUB_STATS_MONTH:
        snprintf(buf, n, "%s %d", month_names[hub_stats_period_month(p) - 1], year);
        break;
    case HUB_STATS_TERTIAL:
        snprintf(buf, n, "tertial %d %d (%s–%s)", (int)p, year, month_names[4 * (p - 1)],
                 month_names[4 * (p - 1) + 3]);
        break;
    default:
        snprintf(buf, n, "%s %d", cap ? "År" : "år", year);
        return;
    }
    if (cap && buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
}

static void td_count(FILE *f, const struct hub_stats_cell *c, enum hub_stats_count which, int64_t k)
{
    char t[HUB_REPORT_TEXT_MAX];
    hub_report_count_text(c, which, k, t);
    switch (c->mark[which]) {
    case HUB_STATS_HIDDEN:
        fputs("<td class=\"hidden\">x</td>", f);
        break;
    case HUB_STATS_NOT_PUBLISHED:
        fputs("<td class=\"na\">·</td>", f);
        break;
    default:
        fprintf(f, "<td>%s</td>", t);
    }
}

/* Median, 90th percentile and max (each optional) or a dash when not shown. */
static void td_days(FILE *f, const struct hub_stats_cell *c, bool median, bool p90, bool max)
{
    char t[HUB_REPORT_TEXT_MAX];
    bool shown = c->days_mark == HUB_STATS_SHOWN;
    const char *cls =
        c->days_mark == HUB_STATS_DAYS_WITHHELD || c->days_mark == HUB_STATS_NOT_PUBLISHED
            ? " class=\"na\""
            : "";
    if (median) {
        hub_report_median_text(c->days_median_x10, ',', t);
        fprintf(f, "<td%s>%s</td>", cls, shown ? t : "–");
    }
    if (p90) {
        snprintf(t, sizeof t, "%" PRId64, c->days_p90);
        fprintf(f, "<td%s>%s</td>", cls, shown ? t : "–");
    }
    if (max) {
        snprintf(t, sizeof t, "%" PRId64, c->days_max);
        fprintf(f, "<td%s>%s</td>", cls, shown ? t : "–");
    }
}

static int get(const hub_stats_t *s, size_t p, size_t d, size_t fm, size_t b, size_t x, size_t a,
               struct hub_stats_cell *c)
{
    struct hub_stats_key k = {p, d, fm, b, x, a};
    return hub_stats_get(s, &k, c);
}

/* The districts of the overview in order: each district in scope, then the city last. */
static size_t overview_districts(const hub_stats_t *s, const struct hub_report_scope *sc, size_t p,
                                 size_t *out)
{
    size_t n = 0;
    for (size_t d = 1; d < hub_stats_district_count(s); d++)
        if (hub_report_includes(s, sc, p, d))
            out[n++] = d;
    if (hub_report_includes(s, sc, p, 0))
        out[n++] = 0;
    return n;
}

static void overview_head(FILE *f, const char *first, int64_t threshold)
{
    fprintf(f,
            "<table><thead><tr><th>%s</th><th>Påbörjade placeringar</th><th>Placerade barn</th>"
            "<th>Med skolbyte</th><th>Har börjat skolan</th><th>Median dagar</th>"
            "<th>90:e percentil dagar</th><th>Längst dagar</th><th>Över %" PRId64
            " dagar</th><th>Har inte börjat</th></tr></thead><tbody>\n",
            first, threshold);
}

static void overview_row(FILE *f, const struct hub_stats_cell *c, const char *label, bool total,
                         int64_t k)
{
    fputs(total ? "<tr class=\"total\"><td>" : "<tr><td>", f);
    hub_report_html_escape(f, label);
    fputs("</td>", f);
    td_count(f, c, HUB_STATS_PLACEMENTS, k);
    td_count(f, c, HUB_STATS_CHILDREN, k);
    td_count(f, c, HUB_STATS_WITH_SCHOOL_CHANGE, k);
    td_count(f, c, HUB_STATS_SCHOOL_STARTED, k);
    td_days(f, c, true, true, true);
    td_count(f, c, HUB_STATS_OVER_THRESHOLD, k);
    td_count(f, c, HUB_STATS_NOT_STARTED, k);
    fputs("</tr>\n", f);
}

static int write_overview(FILE *f, const hub_stats_t *s, const struct hub_report_scope *sc,
                          const size_t *ds, size_t nd)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    overview_head(f, "Stadsdel", o->threshold_days);
    for (size_t i = 0; i < nd; i++) {
        struct hub_stats_cell c;
        if (get(s, sc->period, ds[i], 0, 0, 0, 0, &c) != 0)
            return -1;
        overview_row(f, &c, hub_stats_district_name(s, ds[i]), ds[i] == 0, o->k);
    }
    fputs("</tbody></table>\n", f);
    return 0;
}

/* Rounds up to 1, 2 or 5 times a power of ten (at least 10). */
static int64_t nice_max(int64_t v)
{
    int64_t base = 10;
    while (v > base * 10)
        base *= 10;
    if (v <= base)
        return base;
    if (v <= 2 * base)
        return 2 * base;
    if (v <= 5 * base)
        return 5 * base;
    return 10 * base;
}

static int write_chart(FILE *f, const hub_stats_t *s, const struct hub_report_scope *sc,
                       const size_t *ds, size_t nd, const char *title)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    struct hub_stats_cell cells[256];
    int64_t top = o->threshold_days;
    int height = CHART_TOP + (int)nd * CHART_ROW_H + CHART_BOTTOM;
    int width = CHART_LABEL_W + CHART_BAR_W + 40;

    if (nd > sizeof cells / sizeof cells[0])
        nd = sizeof cells / sizeof cells[0];
    for (size_t i = 0; i < nd; i++) {
        if (get(s, sc->period, ds[i], 0, 0, 0, 0, &cells[i]) != 0)
            return -1;
        if (cells[i].days_mark == HUB_STATS_SHOWN && cells[i].days_p90 > top)
            top = cells[i].days_p90;
    }
    top = nice_max(top);
    fprintf(f,
            "<svg width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            width, height, width, height);
    hub_report_html_escape(f, title);
    fputs("\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"13\">\n<title>", f);
    hub_report_html_escape(f, title);
    fputs("</title>\n", f);
    /* legend */
    fprintf(f,
            "<rect x=\"%d\" y=\"8\" width=\"14\" height=\"14\" fill=\"#1f5fa8\"/>"
            "<text x=\"%d\" y=\"20\">Median</text>"
            "<rect x=\"%d\" y=\"8\" width=\"14\" height=\"14\" fill=\"#9dbce3\"/>"
            "<text x=\"%d\" y=\"20\">90:e percentil</text>"
            "<line x1=\"%d\" y1=\"15\" x2=\"%d\" y2=\"15\" stroke=\"#c0392b\" stroke-width=\"2\" "
            "stroke-dasharray=\"5,3\"/><text x=\"%d\" y=\"20\">Tröskel %" PRId64 " dagar</text>\n",
            CHART_LABEL_W, CHART_LABEL_W + 20, CHART_LABEL_W + 100, CHART_LABEL_W + 120,
            CHART_LABEL_W + 250, CHART_LABEL_W + 280, CHART_LABEL_W + 288, o->threshold_days);
    /* grid and axis */
    for (int g = 0; g <= 5; g++) {
        int x = CHART_LABEL_W + g * CHART_BAR_W / 5;
        int64_t v = top * g / 5;
        fprintf(f,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d9dee5\"/>"
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%" PRId64 "</text>\n",
                x, CHART_TOP - 6, x, CHART_TOP + (int)nd * CHART_ROW_H, x,
                CHART_TOP + (int)nd * CHART_ROW_H + 18, v);
    }
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">dagar från placering "
            "till skolstart</text>\n",
            CHART_LABEL_W + CHART_BAR_W / 2, height - 6);
    for (size_t i = 0; i < nd; i++) {
        const struct hub_stats_cell *c = &cells[i];
        int y = CHART_TOP + (int)i * CHART_ROW_H;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>", CHART_LABEL_W - 8, y + 19,
                ds[i] == 0 ? " font-weight=\"bold\"" : "");
        hub_report_html_escape(f, hub_stats_district_name(s, ds[i]));
        fputs("</text>", f);
        if (c->days_mark != HUB_STATS_SHOWN) {
            fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#777\" font-style=\"italic\">%s</text>\n",
                    CHART_LABEL_W + 6, y + 19,
                    c->days_mark == HUB_STATS_DAYS_WITHHELD ? "visas inte – skyddar små tal"
                                                            : "ingen skolstart");
            continue;
        }
        int w90 = (int)(c->days_p90 * CHART_BAR_W / top);
        int wmed = (int)(c->days_median_x10 * CHART_BAR_W / (top * 10));
        char med[HUB_REPORT_TEXT_MAX];
        hub_report_median_text(c->days_median_x10, ',', med);
        fprintf(f,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" fill=\"#9dbce3\"/>"
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"12\" fill=\"#1f5fa8\"/>"
                "<text x=\"%d\" y=\"%d\" fill=\"#1b1b1b\">%s / %" PRId64 "</text>\n",
                CHART_LABEL_W, y + 4, w90 > 0 ? w90 : 1, CHART_LABEL_W, y + 9, wmed > 0 ? wmed : 1,
                CHART_LABEL_W + (w90 > 0 ? w90 : 1) + 6, y + 19, med, c->days_p90);
    }
    int tx = CHART_LABEL_W + (int)(o->threshold_days * CHART_BAR_W / top);
    fprintf(f,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c0392b\" stroke-width=\"2\" "
            "stroke-dasharray=\"5,3\"/>\n</svg>\n",
            tx, CHART_TOP - 6, tx, CHART_TOP + (int)nd * CHART_ROW_H);
    return 0;
}

static int write_forms(FILE *f, const hub_stats_t *s, const struct hub_report_scope *sc, size_t d)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    fputs("<h3>", f);
    hub_report_html_escape(f, hub_stats_district_name(s, d));
    fprintf(f,
            "</h3>\n<table><thead><tr><th>Placeringsform</th><th>Påbörjade placeringar</th>"
            "<th>varav SoL</th><th>varav LVU</th><th>Placerade barn</th><th>Har börjat "
            "skolan</th><th>Median dagar</th><th>Över %" PRId64 " dagar</th><th>Har inte "
            "börjat</th></tr></thead><tbody>\n",
            o->threshold_days);
    for (size_t i = 1; i <= HUB_STATS_FORMS; i++) {
        size_t fm = i % HUB_STATS_FORMS; /* the forms, then all forms last */
        struct hub_stats_cell c, sol, lvu;
        if (get(s, sc->period, d, fm, 0, 0, 0, &c) || get(s, sc->period, d, fm, 1, 0, 0, &sol) ||
            get(s, sc->period, d, fm, 2, 0, 0, &lvu))
            return -1;
        fputs(fm == 0 ? "<tr class=\"total\"><td>" : "<tr><td>", f);
        hub_report_html_escape(f, form_names[fm]);
        fputs("</td>", f);
        td_count(f, &c, HUB_STATS_PLACEMENTS, o->k);
        td_count(f, &sol, HUB_STATS_PLACEMENTS, o->k);
        td_count(f, &lvu, HUB_STATS_PLACEMENTS, o->k);
        td_count(f, &c, HUB_STATS_CHILDREN, o->k);
        td_count(f, &c, HUB_STATS_SCHOOL_STARTED, o->k);
        td_days(f, &c, true, false, false);
        td_count(f, &c, HUB_STATS_OVER_THRESHOLD, o->k);
        td_count(f, &c, HUB_STATS_NOT_STARTED, o->k);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    return 0;
}

static int write_sex_age(FILE *f, const hub_stats_t *s, const struct hub_report_scope *sc, size_t d)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    fputs("<div class=\"grid\"><div><h3>Påbörjade placeringar efter kön och ålder – ", f);
    hub_report_html_escape(f, hub_stats_district_name(s, d));
    fputs("</h3>\n<table><thead><tr><th>Kön</th>", f);
    for (size_t i = 1; i <= HUB_STATS_AGES; i++)
        fprintf(f, "<th>%s</th>", age_names[i % HUB_STATS_AGES]);
    fputs("</tr></thead><tbody>\n", f);
    for (size_t j = 1; j <= HUB_STATS_SEXES; j++) {
        size_t x = j % HUB_STATS_SEXES;
        fprintf(f, "<tr%s><td>%s</td>", x == 0 ? " class=\"total\"" : "", sex_names[x]);
        for (size_t i = 1; i <= HUB_STATS_AGES; i++) {
            struct hub_stats_cell c;
            if (get(s, sc->period, d, 0, 0, x, i % HUB_STATS_AGES, &c))
                return -1;
            td_count(f, &c, HUB_STATS_PLACEMENTS, o->k);
        }
        fputs("</tr>\n", f);
    }
    fprintf(f,
            "</tbody></table></div><div><h3>Tid till skolstart efter kön</h3>\n<table><thead>"
            "<tr><th>Kön</th><th>Med skolbyte</th><th>Har börjat skolan</th><th>Median "
            "dagar</th><th>Över %" PRId64 " dagar</th><th>Har inte börjat</th></tr></thead>"
            "<tbody>\n",
            o->threshold_days);
    for (size_t j = 1; j <= HUB_STATS_SEXES; j++) {
        size_t x = j % HUB_STATS_SEXES;
        struct hub_stats_cell c;
        if (get(s, sc->period, d, 0, 0, x, 0, &c))
            return -1;
        fprintf(f, "<tr%s><td>%s</td>", x == 0 ? " class=\"total\"" : "", sex_names[x]);
        td_count(f, &c, HUB_STATS_WITH_SCHOOL_CHANGE, o->k);
        td_count(f, &c, HUB_STATS_SCHOOL_STARTED, o->k);
        td_days(f, &c, true, false, false);
        td_count(f, &c, HUB_STATS_OVER_THRESHOLD, o->k);
        td_count(f, &c, HUB_STATS_NOT_STARTED, o->k);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div></div>\n", f);
    return 0;
}

/* A month report's trend: every district's placements, month by month since January, as bars
 * (protected like everything else: the year is one publication; a hidden month has no bar). */
#define TREND_BAR_W 26
#define TREND_BAR_H 34
static int write_trend(FILE *f, const hub_stats_t *s, const struct hub_report_scope *sc,
                       const size_t *ds, size_t nd)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    int last = hub_stats_period_month(sc->period);
    int64_t top = 1;

    for (size_t i = 0; i < nd; i++)
        for (int m = 1; m <= last; m++) {
            struct hub_stats_cell c;
            if (ds[i] != 0 && hub_stats_get_month_total(s, m, ds[i], &c) == 0 &&
                c.mark[HUB_STATS_PLACEMENTS] == HUB_STATS_SHOWN &&
                c.count[HUB_STATS_PLACEMENTS] > top)
                top = c.count[HUB_STATS_PLACEMENTS];
        }
    fputs("<table class=\"trend\"><thead><tr><th>Stadsdel</th><th>Påbörjade placeringar per "
          "månad, januari till och med rapportmånaden</th>",
          f);
    if (sc->last_year)
        fprintf(f, "<th>%s %d</th>", month_names[last - 1],
                hub_stats_options_of(sc->last_year)->year);
    fputs("</tr></thead><tbody>\n", f);
    for (size_t i = 0; i < nd; i++) {
        if (ds[i] == 0)
            continue; /* the city's scale would flatten the districts */
        fputs("<tr><td>", f);
        hub_report_html_escape(f, hub_stats_district_name(s, ds[i]));
        fprintf(f, "</td><td><svg width=\"%d\" height=\"%d\" role=\"img\">", last * TREND_BAR_W,
                TREND_BAR_H + 14);
        for (int m = 1; m <= last; m++) {
            struct hub_stats_cell c;
            char t[HUB_REPORT_TEXT_MAX];
            int x = (m - 1) * TREND_BAR_W;
            if (hub_stats_get_month_total(s, m, ds[i], &c) != 0)
                return -1;
            hub_report_count_text(&c, HUB_STATS_PLACEMENTS, o->k, t);
            if (c.mark[HUB_STATS_PLACEMENTS] == HUB_STATS_SHOWN) {
                int h = (int)(c.count[HUB_STATS_PLACEMENTS] * TREND_BAR_H / top);
                fprintf(f,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                        "<title>%s: %s</title></rect>",
                        x + 3, TREND_BAR_H - h, TREND_BAR_W - 6, h > 0 ? h : 0,
                        m == last ? "#1f5f8b" : "#9cc1dc", month_names[m - 1], t);
            }
            fprintf(f,
                    "<text class=\"trend-n\" x=\"%d\" y=\"%d\" font-size=\"9\" "
                    "text-anchor=\"middle\" fill=\"#444\">%s</text>",
                    x + TREND_BAR_W / 2, TREND_BAR_H + 11, t);
        }
        fputs("</svg></td>", f);
        if (sc->last_year) {
            /* matched by code: a district that did not exist then has no figure (·) */
            size_t prev = hub_stats_district_find(sc->last_year, hub_stats_district_code(s, ds[i]));
            struct hub_stats_cell c;
            char t[HUB_REPORT_TEXT_MAX] = "·";
            if (prev != SIZE_MAX && prev != 0 &&
                hub_stats_get_month_total(sc->last_year, last, prev, &c) == 0)
                hub_report_count_text(&c, HUB_STATS_PLACEMENTS,
                                      hub_stats_options_of(sc->last_year)->k, t);
            fputs("<td class=\"num\">", f);
            hub_report_html_escape(f, t);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n<p class=\"key\">Staplarna visar antalet påbörjade placeringar "
          "per månad (mörk: rapportmånaden); under varje stapel står talet, x där det är dolt.",
          f);
    if (sc->last_year)
        fputs(" Sista kolumnen: samma månad förra året, så som förra årets rapporter visar den "
              "(x: dolt där; ·: stadsdelen fanns inte).",
              f);
    fputs("</p>\n", f);
    return 0;
}

/* For a tertial or a year: one row per month and tertial for district d (the city by default). */
static int write_periods(FILE *f, const hub_stats_t *s, const struct hub_report_scope *sc, size_t d)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    size_t list[HUB_STATS_PERIODS], np = hub_report_periods(sc, list);
    char title[64];

    fputs("<h2>Per månad – ", f);
    hub_report_html_escape(f, hub_stats_district_name(s, d));
    fputs("</h2>\n", f);
    overview_head(f, "Period", o->threshold_days);
    for (size_t i = 0; i < np; i++) {
        struct hub_stats_cell c;
        if (!hub_stats_district_in_period(s, list[i], d))
            continue;
        if (get(s, list[i], d, 0, 0, 0, 0, &c))
            return -1;
        period_title(o->year, list[i], true, title, sizeof title);
        overview_row(f, &c, title, hub_stats_period_kind(list[i]) != HUB_STATS_MONTH, o->k);
    }
    fputs("</tbody></table>\n", f);
    return 0;
}

/* The sentence about districts: as on the start date (and the mergers inside the period), or
 * today's districts. */
static void district_note(FILE *f, const hub_stats_t *s, const struct hub_report_scope *sc)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    const struct hub_stats_notes *n = hub_stats_notes_of(s);
    char day[HUB_DATE_ISO_LEN];
    bool any = false;

    if (o->current_districts) {
        hub_date_format(o->as_of, day);
        fprintf(f,
                "<li>Stadsdelar enligt indelningen den %s: placeringar i stadsdelar som "
                "senare slagits samman räknas till den stadsdel de ingår i i dag.</li>\n",
                day);
        return;
    }
    fputs("<li>Varje placering redovisas under stadsdelen som den var på placeringens "
          "startdag",
          f);
    for (size_t d = 1; d < hub_stats_district_count(s); d++) {
        bool ended, began;
        const struct hub_district *ref = hub_stats_district_ref(s, d);
        if (!hub_report_district_changed(s, sc, d, &ended, &began) || !ended)
            continue;
        size_t succ = ref->successor[0] ? hub_stats_district_find(s, ref->successor) : SIZE_MAX;
        if (!any)
            fputs(". Under perioden ändrades indelningen:", f);
        hub_date_format(ref->valid_to, day);
        fputs(any ? "; " : " ", f);
        hub_report_html_escape(f, ref->name);
        fprintf(f, " fanns till och med %s", day);
        if (succ != SIZE_MAX) {
            fputs(" och ingår sedan i ", f);
            hub_report_html_escape(f, hub_stats_district_name(s, succ));
        }
        any = true;
    }
    if (any)
        fputs(". Båda visas, var och en med placeringarna från sina egna dagar", f);
    fputs(".</li>\n", f);
    if (n->kept_successor > 0)
        fprintf(f,
                "<li>%zu placeringar under året är registrerade på en stadsdel som ännu inte "
                "fanns på startdagen; de redovisas under den registrerade stadsdelen.</li>\n",
                n->kept_successor);
}

int hub_report_write_html(FILE *f, const hub_stats_t *s, const struct hub_report_scope *sc,
                          struct hub_error *err)
{
    const struct hub_stats_options *o = hub_stats_options_of(s);
    static const char *const kinds[] = {"Årsrapport", "Tertialrapport", "Månadsrapport"};
    size_t ds[1024], nd;
    char title[80], asof[HUB_DATE_ISO_LEN], generated[HUB_TIMESTAMP_LEN], chart[160];

    if (hub_stats_district_count(s) > sizeof ds / sizeof ds[0])
        return hub_error_set(err, HUB_EINVAL, "report: too many districts");
    nd = overview_districts(s, sc, sc->period, ds);
    period_title(o->year, sc->period, false, title, sizeof title);
    hub_date_format(o->as_of, asof);
    /* Stockholm time, which the office reads (CET/CEST from the hub's own rules) */
    int offset_min = hub_stockholm_utc_offset_minutes(sc->generated_ms);
    if (hub_timestamp_format_rfc3339(sc->generated_ms + (int64_t)offset_min * 60000, generated) !=
        0)
        generated[0] = '\0';
    generated[16] = '\0'; /* YYYY-MM-DDTHH:MM */
    if (generated[10] == 'T')
        generated[10] = ' ';

    fputs("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
          f);
    fprintf(f, "<title>Placerade barn och skolstart – %s</title>\n<style>%s</style>\n", title,
            hub_report_html_style);
    fputs("</head>\n<body>\n<header>\n<h1>Placerade barn och skolstart</h1>\n", f);
    fprintf(f, "<p class=\"sub\">%s %s", kinds[hub_stats_period_kind(sc->period)], title);
    if (sc->district != SIZE_MAX) {
        fputs(" · ", f);
        hub_report_html_escape(f, hub_stats_district_name(s, sc->district));
    }
    fputs(" · Stockholms stad, rapport till socialnämnden</p>\n</header>\n", f);

    fprintf(f,
            "<section class=\"info\" id=\"om\">\n<p><strong>Uppgifterna avser läget den "
            "<span id=\"as-of\">%s</span>.</strong> Skolstarter daterade efter den dagen räknas "
            "inte.</p>\n<ul>\n"
            "<li><strong>Små tal visas inte.</strong> Ett dolt tal visas som <strong>x</strong>"
            ": antingen är det mellan 1 och %" PRId64 " (k&nbsp;=&nbsp;<span id=\"k\">%" PRId64
            "</span>) eller så är det dolt för att ett sådant tal annars skulle kunna räknas "
            "fram ur summorna, i den här rapporten eller tillsammans med månads-, tertial- och "
            "årsrapporterna. Vilket det är går inte att se, och det är meningen: före "
            "publicering prövas varje tal som en läsare skulle kunna räkna fram.</li>\n"
            "<li>En stadsdels månad redovisas som totalsiffror; uppdelningen på placeringsform, "
            "kön och ålder finns per stadsdel i tertial- och årsrapporterna. Skolstarter, dagar "
            "och antal barn redovisas för totaler (<span class=\"na\">·</span> = redovisas "
            "inte på den nivån).</li>\n"
            "<li>Median, 90:e percentil och längsta tid visas bara när minst %" PRId64
            " barn har börjat skolan och antalet visas; annars står –.</li>\n"
            "<li>Dagar till skolstart räknas för placeringar med skolbyte: första skoldagen "
            "minus placeringens startdag (en skolstart före placeringen räknas som 0). Gränsen "
            "för lång väntan är %" PRId64 " dagar.</li>\n",
            asof, o->k - 1, o->k, o->k, o->threshold_days);
    district_note(f, s, sc);
    fputs("<li>Rapporten innehåller inga uppgifter om enskilda barn.</li>\n</ul>\n</section>\n", f);

    fprintf(f, "<h2>Översikt per stadsdel – %s</h2>\n", title);
    if (write_overview(f, s, sc, ds, nd) != 0)
        goto bad;
    fprintf(f, "<h2>Dagar från placering till skolstart – %s</h2>\n", title);
    snprintf(chart, sizeof chart, "Dagar från placering till skolstart per stadsdel, %s", title);
    if (write_chart(f, s, sc, ds, nd, chart) != 0)
        goto bad;
    fputs("<p class=\"key\">Mörk stapel: median. Ljus stapel: 90:e percentil (9 av 10 barn "
          "har börjat skolan inom så många dagar). Streckad linje: gränsen för lång väntan.</p>\n",
          f);

    bool month = hub_stats_period_kind(sc->period) == HUB_STATS_MONTH;
    if (month && hub_stats_period_month(sc->period) > 1) {
        fprintf(f, "<h2>Utveckling under året – %s</h2>\n", title);
        if (write_trend(f, s, sc, ds, nd) != 0)
            goto bad;
    }
    fprintf(f, "<h2>Per placeringsform – %s</h2>\n", title);
    if (month)
        fputs("<p class=\"key\">En månad redovisas per placeringsform, kön och ålder bara för "
              "hela staden: i en stadsdel är de flesta av de talen under gränsen och skulle ändå "
              "döljas. Stadsdelarnas fördelning finns i tertial- och årsrapporterna.</p>\n",
              f);
    for (size_t i = 0; i < nd; i++) {
        size_t d = ds[(i + nd - 1) % nd]; /* the city (last in ds) first */
        if (month && d != 0)
            continue;
        if (write_forms(f, s, sc, d) != 0)
            goto bad;
    }
    fprintf(f, "<h2>Kön och ålder – %s</h2>\n", title);
    if (write_sex_age(f, s, sc, sc->district == SIZE_MAX || month ? 0 : sc->district) != 0)
        goto bad;
    if (hub_stats_period_kind(sc->period) != HUB_STATS_MONTH &&
        write_periods(f, s, sc, sc->district == SIZE_MAX ? 0 : sc->district) != 0)
        goto bad;
    fprintf(
        f,
        "<footer>Definitioner version %s (consumers/STATISTICS.md i hubbens källkod). "
        "Ålder = startår minus födelseår. Skapad %s svensk tid (%s) av hubctl report.</footer>\n"
        "</body>\n</html>\n",
        HUB_STATS_DEFINITIONS_VERSION, generated, offset_min == 120 ? "CEST" : "CET");
    if (ferror(f))
        return hub_error_set(err, HUB_EIO, "report: writing the HTML failed");
    return 0;
bad:
    return hub_error_set(err, HUB_EINTERNAL, "report: a cell of the cube is missing");
}
