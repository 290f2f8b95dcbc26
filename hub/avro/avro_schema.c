/*
 * avro_schema.c — parsing Avro schema JSON (jansson) into a node tree, its Parsing Canonical Form
 * and CRC-64-AVRO fingerprint, and the reader/writer compatibility check.
 *
 * All nodes and strings of one schema come from a small arena freed at once, and the parsed JSON
 * document is kept alive so that docs and defaults can point into it.
 */
#include "hub/avro/avro_schema.h"
#include "hub/core/strbuf.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRC64_AVRO_EMPTY 0xc15d213aa4d7a795ULL
#define PATH_MAX_LEN 256

struct arena_block {
    struct arena_block *next;
    max_align_t data[];
};

struct named {
    const char *fullname;
    struct hub_avro_node *node;
};

struct hub_avro_schema {
    struct arena_block *blocks;
    json_t *doc;
    struct hub_avro_node *root;
    char *canonical;
    uint64_t fingerprint;
};

struct parse_ctx {
    hub_avro_schema_t *s;
    struct hub_error *err;
    struct named *names;
    size_t n_names, cap_names;
    char path[PATH_MAX_LEN];
    size_t path_len;
};

/* ---- arena ---- */

static void *arena_alloc(hub_avro_schema_t *s, size_t size)
{
    struct arena_block *b;
    if (size > SIZE_MAX - sizeof *b)
        return NULL;
    b = calloc(1, sizeof *b + size);
    if (!b)
        return NULL;
    b->next = s->blocks;
    s->blocks = b;
    return b->data;
}

static char *arena_strdup(hub_avro_schema_t *s, const char *str)
{
    size_t n = strlen(str) + 1;
    char *p = arena_alloc(s, n);
    if (p)
        memcpy(p, str, n);
    return p;
}

/* ---- errors with a path ---- */

static size_t path_push(struct parse_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t path_push(struct parse_ctx *c, const char *fmt, ...)
{
    size_t old = c->path_len;
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(c->path + old, sizeof c->path - old, fmt, ap);
    va_end(ap);
    if (n > 0)
        c->path_len = old + (size_t)n < sizeof c->path ? old + (size_t)n : sizeof c->path - 1;
    return old;
}

static void path_pop(struct parse_ctx *c, size_t old)
{
    c->path_len = old;
    c->path[old] = '\0';
}

static int parse_fail(struct parse_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int parse_fail(struct parse_ctx *c, const char *fmt, ...)
{
    char msg[HUB_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hub_error_set(c->err, HUB_EAVRO_SCHEMA, "schema: %s: %s",
                         c->path_len ? c->path : "(root)", msg);
}

static int oom(struct parse_ctx *c)
{
    return hub_error_set(c->err, HUB_ENOMEM, "schema: out of memory");
}

/* ---- names ---- */

static const char *const primitive_names[] = {"null",  "boolean", "int",   "long",
                                              "float", "double",  "bytes", "string"};

static int primitive_type(const char *name)
{
    for (size_t i = 0; i < sizeof primitive_names / sizeof primitive_names[0]; i++)
        if (strcmp(primitive_names[i], name) == 0)
            return (int)i; /* HUB_AVRO_NULL .. HUB_AVRO_STRING in the same order */
    return -1;
}

const char *hub_avro_type_name(enum hub_avro_type t)
{
    static const char *const names[] = {"null",   "boolean", "int",    "long",   "float",
                                        "double", "bytes",   "string", "record", "enum",
                                        "array",  "map",     "union",  "fixed"};
    if ((size_t)t < sizeof names / sizeof names[0])
        return names[t];
    return "?";
}

static bool name_part_valid(const char *p, size_t n)
{
    if (n == 0)
        return false;
    if (!((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z') || p[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char ch = p[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return false;
    }
    return true;
}

/* A dotted name: every part valid. */
static bool dotted_valid(const char *s)
{
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == '.' || *p == '\0') {
            if (!name_part_valid(start, (size_t)(p - start)))
                return false;
            if (*p == '\0')
                return true;
            start = p + 1;
        }
    }
}

/* Joins a namespace (may be NULL or "") and a simple name into an arena string. */
static char *join_name(hub_avro_schema_t *s, const char *ns, const char *name)
{
    size_t a = ns ? strlen(ns) : 0, b = strlen(name);
    char *p;
    if (a == 0)
        return arena_strdup(s, name);
    p = arena_alloc(s, a + 1 + b + 1);
    if (!p)
        return NULL;
    memcpy(p, ns, a);
    p[a] = '.';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

static struct hub_avro_node *lookup_name(struct parse_ctx *c, const char *fullname)
{
    for (size_t i = 0; i < c->n_names; i++)
        if (strcmp(c->names[i].fullname, fullname) == 0)
            return c->names[i].node;
    return NULL;
}

static int register_name(struct parse_ctx *c, struct hub_avro_node *n)
{
    if (lookup_name(c, n->fullname))
        return parse_fail(c, "type '%s' is defined twice", n->fullname);
    if (c->n_names == c->cap_names) {
        size_t cap = c->cap_names ? c->cap_names * 2 : 16;
        struct named *p = realloc(c->names, cap * sizeof *p);
        if (!p)
            return oom(c);
        c->names = p;
        c->cap_names = cap;
    }
    c->names[c->n_names].fullname = n->fullname;
    c->names[c->n_names].node = n;
    c->n_names++;
    return 0;
}

/* The namespace part of a full name, as an arena string ("" for none). */
static const char *namespace_of(hub_avro_schema_t *s, const char *fullname)
{
    const char *dot = strrchr(fullname, '.');
    char *p;
    if (!dot)
        return "";
    p = arena_alloc(s, (size_t)(dot - fullname) + 1);
    if (p)
        memcpy(p, fullname, (size_t)(dot - fullname));
    return p;
}

/* ---- parsing ---- */

static int parse_node(struct parse_ctx *c, json_t *j, const char *ns, struct hub_avro_node **out);

static struct hub_avro_node *new_node(struct parse_ctx *c, enum hub_avro_type t)
{
    struct hub_avro_node *n = arena_alloc(c->s, sizeof *n);
    if (!n)
        return NULL;
    n->type = t;
    switch (t) {
    case HUB_AVRO_NULL:
        n->min_size = 0;
        break;
    case HUB_AVRO_FLOAT:
        n->min_size = 4;
        break;
    case HUB_AVRO_DOUBLE:
        n->min_size = 8;
        break;
    case HUB_AVRO_RECORD:
    case HUB_AVRO_FIXED:
        n->min_size = 0;
        break; /* computed once known */
    default:
        n->min_size = 1;
        break;
    }
    return n;
}

static int resolve_reference(struct parse_ctx *c, const char *name, const char *ns,
                             struct hub_avro_node **out)
{
    struct hub_avro_node *n = NULL;
    int prim = primitive_type(name);
    if (prim >= 0) {
        n = new_node(c, (enum hub_avro_type)prim);
        if (!n)
            return oom(c);
        *out = n;
        return 0;
    }
    if (strchr(name, '.')) {
        n = lookup_name(c, name);
    } else {
        if (ns && *ns) {
            char buf[512];
            int k = snprintf(buf, sizeof buf, "%s.%s", ns, name);
            if (k > 0 && (size_t)k < sizeof buf)
                n = lookup_name(c, buf);
        }
        if (!n)
            n = lookup_name(c, name);
    }
    if (!n)
        return parse_fail(c, "unknown type '%s'", name);
    *out = n;
    return 0;
}

static int parse_aliases(struct parse_ctx *c, json_t *obj, const char *ns, bool qualify,
                         size_t *n_out, char ***out)
{
    json_t *a = json_object_get(obj, "aliases");
    size_t i, n;
    char **v;
    *n_out = 0;
    *out = NULL;
    if (!a)
        return 0;
    if (!json_is_array(a))
        return parse_fail(c, "aliases must be an array of names");
    n = json_array_size(a);
    if (n == 0)
        return 0;
    v = arena_alloc(c->s, n * sizeof *v);
    if (!v)
        return oom(c);
    for (i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!s || !dotted_valid(s))
            return parse_fail(c, "aliases[%zu] is not a valid name", i);
        v[i] = qualify && !strchr(s, '.') ? join_name(c->s, ns, s) : arena_strdup(c->s, s);
        if (!v[i])
            return oom(c);
    }
    *n_out = n;
    *out = v;
    return 0;
}

/* Name, namespace, doc and aliases of a named type; registers it. Sets *child_ns to the
 * namespace that nested definitions inherit. */
static int parse_named(struct parse_ctx *c, json_t *j, const char *ns, struct hub_avro_node *n,
                       const char **child_ns)
{
    const char *name = json_string_value(json_object_get(j, "name"));
    json_t *jns = json_object_get(j, "namespace");
    const char *space = ns;
    int rc;

    if (!name)
        return parse_fail(c, "%s needs a string \"name\"", hub_avro_type_name(n->type));
    if (!dotted_valid(name))
        return parse_fail(c, "'%s' is not a valid name", name);
    if (jns && !json_is_null(jns)) {
        if (!json_is_string(jns))
            return parse_fail(c, "namespace must be a string");
        space = json_string_value(jns);
        if (*space && !dotted_valid(space))
            return parse_fail(c, "'%s' is not a valid namespace", space);
    }
    n->fullname = strchr(name, '.') ? arena_strdup(c->s, name) : join_name(c->s, space, name);
    if (!n->fullname)
        return oom(c);
    n->name = strrchr(n->fullname, '.') ? strrchr(n->fullname, '.') + 1 : n->fullname;
    if (primitive_type(n->name) >= 0)
        return parse_fail(c, "'%s' redefines a primitive type", name);
    *child_ns = namespace_of(c->s, n->fullname);
    if (!*child_ns)
        return oom(c);
    n->doc = json_string_value(json_object_get(j, "doc"));
    rc = parse_aliases(c, j, *child_ns, true, &n->n_aliases, &n->aliases);
    if (rc)
        return rc;
    return register_name(c, n);
}

static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static int parse_record(struct parse_ctx *c, json_t *j, const char *ns, struct hub_avro_node *n)
{
    const char *child_ns = NULL;
    json_t *fields = json_object_get(j, "fields");
    size_t nf, i, k;
    int rc = parse_named(c, j, ns, n, &child_ns);
    if (rc)
        return rc;
    if (!json_is_array(fields))
        return parse_fail(c, "record '%s' needs a \"fields\" array", n->fullname);
    nf = json_array_size(fields);
    if (nf) {
        n->fields = arena_alloc(c->s, nf * sizeof *n->fields);
        if (!n->fields)
            return oom(c);
    }
    for (i = 0; i < nf; i++) {
        json_t *f = json_array_get(fields, i);
        struct hub_avro_field *fd = &n->fields[i];
        json_t *jt, *def;
        size_t mark = path_push(c, "%sfields[%zu]", c->path_len ? "." : "", i);
        if (!json_is_object(f))
            return parse_fail(c, "a field must be an object");
        fd->name = json_string_value(json_object_get(f, "name"));
        if (!fd->name || !name_part_valid(fd->name, strlen(fd->name)))
            return parse_fail(c, "a field needs a valid \"name\"");
        for (k = 0; k < i; k++)
            if (strcmp(n->fields[k].name, fd->name) == 0)
                return parse_fail(c, "field '%s' appears twice", fd->name);
        path_pop(c, mark);
        mark = path_push(c, "%s%s", c->path_len ? "." : "", fd->name);
        jt = json_object_get(f, "type");
        if (!jt)
            return parse_fail(c, "field needs a \"type\"");
        rc = parse_node(c, jt, child_ns, &fd->type);
        if (rc)
            return rc;
        fd->doc = json_string_value(json_object_get(f, "doc"));
        def = json_object_get(f, "default");
        if (def) {
            if (!hub_avro_default_valid(fd->type, def))
                return parse_fail(c, "default does not match the field's type");
            fd->default_value = def;
        }
        rc = parse_aliases(c, f, NULL, false, &fd->n_aliases, &fd->aliases);
        if (rc)
            return rc;
        n->min_size = add_sat(n->min_size, fd->type->min_size);
        path_pop(c, mark);
        n->n_fields = i + 1;
    }
    n->n_fields = nf;
    return 0;
}

static int parse_enum(struct parse_ctx *c, json_t *j, const char *ns, struct hub_avro_node *n)
{
    const char *child_ns = NULL;
    json_t *syms = json_object_get(j, "symbols");
    json_t *def = json_object_get(j, "default");
    size_t i, k, ns_count;
    int rc = parse_named(c, j, ns, n, &child_ns);
    if (rc)
        return rc;
    if (!json_is_array(syms))
        return parse_fail(c, "enum '%s' needs a \"symbols\" array", n->fullname);
    ns_count = json_array_size(syms);
    if (ns_count) {
        n->symbols = arena_alloc(c->s, ns_count * sizeof *n->symbols);
        if (!n->symbols)
            return oom(c);
    }
    for (i = 0; i < ns_count; i++) {
        const char *s = json_string_value(json_array_get(syms, i));
        if (!s || !name_part_valid(s, strlen(s)))
            return parse_fail(c, "enum '%s': symbols[%zu] is not a valid symbol", n->fullname, i);
        for (k = 0; k < i; k++)
            if (strcmp(n->symbols[k], s) == 0)
                return parse_fail(c, "enum '%s': symbol '%s' appears twice", n->fullname, s);
        n->symbols[i] = (char *)s;
    }
    n->n_symbols = ns_count;
    if (def) {
        n->enum_default = json_string_value(def);
        if (!n->enum_default || hub_avro_enum_index(n, n->enum_default) < 0)
            return parse_fail(c, "enum '%s': default is not one of its symbols", n->fullname);
    }
    return 0;
}

static int parse_fixed(struct parse_ctx *c, json_t *j, const char *ns, struct hub_avro_node *n)
{
    const char *child_ns = NULL;
    json_t *size = json_object_get(j, "size");
    int rc = parse_named(c, j, ns, n, &child_ns);
    if (rc)
        return rc;
    if (!json_is_integer(size) || json_integer_value(size) < 0 ||
        json_integer_value(size) > INT32_MAX)
        return parse_fail(c, "fixed '%s' needs a non-negative integer \"size\"", n->fullname);
    n->size = (size_t)json_integer_value(size);
    n->min_size = n->size;
    return 0;
}

static int parse_union(struct parse_ctx *c, json_t *j, const char *ns, struct hub_avro_node **out)
{
    struct hub_avro_node *n = new_node(c, HUB_AVRO_UNION);
    size_t nb = json_array_size(j), i, k;
    int rc;
    if (!n)
        return oom(c);
    if (nb) {
        n->branches = arena_alloc(c->s, nb * sizeof *n->branches);
        if (!n->branches)
            return oom(c);
    }
    for (i = 0; i < nb; i++) {
        struct hub_avro_node *b = NULL;
        size_t mark = path_push(c, "[%zu]", i);
        rc = parse_node(c, json_array_get(j, i), ns, &b);
        if (rc)
            return rc;
        if (b->type == HUB_AVRO_UNION)
            return parse_fail(c, "a union may not directly contain a union");
        for (k = 0; k < i; k++) {
            const struct hub_avro_node *o = n->branches[k];
            bool named =
                b->type == HUB_AVRO_RECORD || b->type == HUB_AVRO_ENUM || b->type == HUB_AVRO_FIXED;
            if (o->type == b->type && (!named || strcmp(o->fullname, b->fullname) == 0))
                return parse_fail(c, "union has two branches of type %s",
                                  named ? b->fullname : hub_avro_type_name(b->type));
        }
        n->branches[i] = b;
        path_pop(c, mark);
    }
    n->n_branches = nb;
    *out = n;
    return 0;
}

static int parse_node(struct parse_ctx *c, json_t *j, const char *ns, struct hub_avro_node **out)
{
    const char *type;
    struct hub_avro_node *n;
    int prim, rc = 0;

    if (json_is_string(j))
        return resolve_reference(c, json_string_value(j), ns, out);
    if (json_is_array(j))
        return parse_union(c, j, ns, out);
    if (!json_is_object(j))
        return parse_fail(c, "a schema must be a string, an array or an object");

    type = json_string_value(json_object_get(j, "type"));
    if (!type)
        return parse_fail(c, "\"type\" must be a string");
    prim = primitive_type(type);
    if (prim >= 0) {
        n = new_node(c, (enum hub_avro_type)prim);
        if (!n)
            return oom(c);
        n->logical_type = json_string_value(json_object_get(j, "logicalType"));
        *out = n;
        return 0;
    }
    if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
        n = new_node(c, HUB_AVRO_RECORD);
        if (n)
            rc = parse_record(c, j, ns, n);
    } else if (strcmp(type, "enum") == 0) {
        n = new_node(c, HUB_AVRO_ENUM);
        if (n)
            rc = parse_enum(c, j, ns, n);
    } else if (strcmp(type, "fixed") == 0) {
        n = new_node(c, HUB_AVRO_FIXED);
        if (n)
            rc = parse_fixed(c, j, ns, n);
    } else if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
        bool is_array = type[0] == 'a';
        json_t *inner = json_object_get(j, is_array ? "items" : "values");
        n = new_node(c, is_array ? HUB_AVRO_ARRAY : HUB_AVRO_MAP);
        if (n) {
            if (!inner)
                return parse_fail(c, "%s needs \"%s\"", type, is_array ? "items" : "values");
            rc = parse_node(c, inner, ns, &n->items);
        }
    } else {
        /* {"type": "SomeName"}: a reference to a named type */
        return resolve_reference(c, type, ns, out);
    }
    if (!n)
        return oom(c);
    if (rc)
        return rc;
    n->logical_type = json_string_value(json_object_get(j, "logicalType"));
    *out = n;
    return 0;
}

/* ---- canonical form ---- */

/* Names and symbols are validated identifiers, so quoting needs no escapes. */
static void sb_quoted(struct hub_strbuf *b, const char *s)
{
    hub_strbuf_add(b, "\"", 1);
    hub_strbuf_str(b, s);
    hub_strbuf_add(b, "\"", 1);
}

static void canon(struct hub_strbuf *b, struct hub_avro_node *n)
{
    size_t i;
    char num[32];
    switch (n->type) {
    case HUB_AVRO_RECORD:
    case HUB_AVRO_ENUM:
    case HUB_AVRO_FIXED:
        if (n->canon_done) {
            sb_quoted(b, n->fullname);
            return;
        }
        n->canon_done = true;
        hub_strbuf_str(b, "{\"name\":");
        sb_quoted(b, n->fullname);
        hub_strbuf_str(b, ",\"type\":");
        sb_quoted(b, hub_avro_type_name(n->type));
        if (n->type == HUB_AVRO_RECORD) {
            hub_strbuf_str(b, ",\"fields\":[");
            for (i = 0; i < n->n_fields; i++) {
                hub_strbuf_str(b, i ? ",{\"name\":" : "{\"name\":");
                sb_quoted(b, n->fields[i].name);
                hub_strbuf_str(b, ",\"type\":");
                canon(b, n->fields[i].type);
                hub_strbuf_str(b, "}");
            }
            hub_strbuf_str(b, "]}");
        } else if (n->type == HUB_AVRO_ENUM) {
            hub_strbuf_str(b, ",\"symbols\":[");
            for (i = 0; i < n->n_symbols; i++) {
                if (i)
                    hub_strbuf_str(b, ",");
                sb_quoted(b, n->symbols[i]);
            }
            hub_strbuf_str(b, "]}");
        } else {
            snprintf(num, sizeof num, ",\"size\":%zu}", n->size);
            hub_strbuf_str(b, num);
        }
        return;
    case HUB_AVRO_ARRAY:
        hub_strbuf_str(b, "{\"type\":\"array\",\"items\":");
        canon(b, n->items);
        hub_strbuf_str(b, "}");
        return;
    case HUB_AVRO_MAP:
        hub_strbuf_str(b, "{\"type\":\"map\",\"values\":");
        canon(b, n->items);
        hub_strbuf_str(b, "}");
        return;
    case HUB_AVRO_UNION:
        hub_strbuf_str(b, "[");
        for (i = 0; i < n->n_branches; i++) {
            if (i)
                hub_strbuf_str(b, ",");
            canon(b, n->branches[i]);
        }
        hub_strbuf_str(b, "]");
        return;
    default:
        sb_quoted(b, hub_avro_type_name(n->type));
        return;
    }
}

uint64_t hub_avro_crc64(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t fp = CRC64_AVRO_EMPTY;
    for (size_t i = 0; i < len; i++) {
        fp ^= p[i];
        for (int k = 0; k < 8; k++)
            fp = (fp >> 1) ^ (CRC64_AVRO_EMPTY & (0 - (fp & 1)));
    }
    return fp;
}

/* ---- public ---- */

int hub_avro_schema_parse(const char *json, size_t len, hub_avro_schema_t **out,
                          struct hub_error *err)
{
    struct parse_ctx c;
    struct hub_strbuf b = HUB_STRBUF_INIT;
    json_error_t jerr;
    hub_avro_schema_t *s = NULL;
    int rc;

    *out = NULL;
    memset(&c, 0, sizeof c);
    c.err = err;
    s = calloc(1, sizeof *s);
    if (!s)
        return hub_error_set(err, HUB_ENOMEM, "schema: out of memory");
    c.s = s;
    s->doc = json_loadb(json, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!s->doc) {
        rc = hub_error_set(err, HUB_EAVRO_SCHEMA, "schema: line %d column %d: %s", jerr.line,
                           jerr.column, jerr.text);
        goto out;
    }
    rc = parse_node(&c, s->doc, "", &s->root);
    if (rc)
        goto out;
    canon(&b, s->root);
    s->canonical = hub_strbuf_take(&b);
    if (!s->canonical) {
        rc = hub_error_set(err, HUB_ENOMEM, "schema: out of memory");
        goto out;
    }
    s->fingerprint = hub_avro_crc64(s->canonical, strlen(s->canonical));
    *out = s;
    s = NULL;
out:
    hub_strbuf_free(&b);
    free(c.names);
    hub_avro_schema_destroy(s);
    return rc;
}

void hub_avro_schema_destroy(hub_avro_schema_t *s)
{
    struct arena_block *b, *next;
    if (!s)
        return;
    for (b = s->blocks; b; b = next) {
        next = b->next;
        free(b);
    }
    json_decref(s->doc);
    free(s->canonical);
    free(s);
}

const struct hub_avro_node *hub_avro_schema_root(const hub_avro_schema_t *s)
{
    return s->root;
}

const char *hub_avro_schema_canonical(const hub_avro_schema_t *s)
{
    return s->canonical;
}

uint64_t hub_avro_schema_fingerprint(const hub_avro_schema_t *s)
{
    return s->fingerprint;
}

const struct hub_avro_field *hub_avro_record_field(const struct hub_avro_node *rec,
                                                   const char *name)
{
    for (size_t i = 0; i < rec->n_fields; i++)
        if (strcmp(rec->fields[i].name, name) == 0)
            return &rec->fields[i];
    return NULL;
}

int hub_avro_enum_index(const struct hub_avro_node *en, const char *symbol)
{
    for (size_t i = 0; i < en->n_symbols; i++)
        if (strcmp(en->symbols[i], symbol) == 0)
            return (int)i;
    return -1;
}

/* ---- defaults ---- */

/* A JSON string whose code points are all <= 255 (Avro's JSON form of bytes); counts them. */
static bool latin1_string(const json_t *v, size_t *count)
{
    const unsigned char *s = (const unsigned char *)json_string_value(v);
    size_t n = json_string_length(v), cnt = 0;
    if (!s)
        return false;
    for (size_t i = 0; i < n; i++, cnt++) {
        if (s[i] < 0x80)
            continue;
        if ((s[i] == 0xc2 || s[i] == 0xc3) && i + 1 < n && (s[i + 1] & 0xc0) == 0x80) {
            i++;
            continue;
        }
        return false;
    }
    *count = cnt;
    return true;
}

static bool default_valid(const struct hub_avro_node *t, const json_t *v, int depth)
{
    size_t i, cnt;
    if (depth > 64)
        return false;
    switch (t->type) {
    case HUB_AVRO_NULL:
        return json_is_null(v);
    case HUB_AVRO_BOOLEAN:
        return json_is_boolean(v);
    case HUB_AVRO_INT:
        return json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
               json_integer_value(v) <= INT32_MAX;
    case HUB_AVRO_LONG:
        return json_is_integer(v);
    case HUB_AVRO_FLOAT:
    case HUB_AVRO_DOUBLE:
        return json_is_number(v);
    case HUB_AVRO_STRING:
        return json_is_string(v);
    case HUB_AVRO_BYTES:
        return json_is_string(v) && latin1_string(v, &cnt);
    case HUB_AVRO_FIXED:
        return json_is_string(v) && latin1_string(v, &cnt) && cnt == t->size;
    case HUB_AVRO_ENUM:
        return json_is_string(v) && hub_avro_enum_index(t, json_string_value(v)) >= 0;
    case HUB_AVRO_ARRAY:
        if (!json_is_array(v))
            return false;
        for (i = 0; i < json_array_size(v); i++)
            if (!default_valid(t->items, json_array_get(v, i), depth + 1))
                return false;
        return true;
    case HUB_AVRO_MAP: {
        const char *key;
        json_t *val;
        if (!json_is_object(v))
            return false;
        json_object_foreach((json_t *)v, key, val)
        {
            if (!default_valid(t->items, val, depth + 1))
                return false;
        }
        return true;
    }
    case HUB_AVRO_RECORD:
        if (!json_is_object(v))
            return false;
        for (i = 0; i < t->n_fields; i++) {
            const json_t *fv = json_object_get(v, t->fields[i].name);
            if (fv ? !default_valid(t->fields[i].type, fv, depth + 1) : !t->fields[i].default_value)
                return false;
        }
        return true;
    case HUB_AVRO_UNION:
        return t->n_branches > 0 && default_valid(t->branches[0], v, depth + 1);
    }
    return false;
}

bool hub_avro_default_valid(const struct hub_avro_node *type, const json_t *value)
{
    return default_valid(type, value, 0);
}

/* ---- resolution ---- */

static bool is_named(const struct hub_avro_node *n)
{
    return n->type == HUB_AVRO_RECORD || n->type == HUB_AVRO_ENUM || n->type == HUB_AVRO_FIXED;
}

static bool names_match(const struct hub_avro_node *r, const struct hub_avro_node *w)
{
    if (strcmp(r->name, w->name) == 0)
        return true;
    for (size_t i = 0; i < r->n_aliases; i++)
        if (strcmp(r->aliases[i], w->fullname) == 0)
            return true;
    return false;
}

bool hub_avro_node_matches(const struct hub_avro_node *r, const struct hub_avro_node *w)
{
    if (r->type == w->type) {
        if (!is_named(r))
            return true;
        if (!names_match(r, w))
            return false;
        return r->type != HUB_AVRO_FIXED || r->size == w->size;
    }
    switch (w->type) {
    case HUB_AVRO_INT:
        return r->type == HUB_AVRO_LONG || r->type == HUB_AVRO_FLOAT || r->type == HUB_AVRO_DOUBLE;
    case HUB_AVRO_LONG:
        return r->type == HUB_AVRO_FLOAT || r->type == HUB_AVRO_DOUBLE;
    case HUB_AVRO_FLOAT:
        return r->type == HUB_AVRO_DOUBLE;
    case HUB_AVRO_STRING:
        return r->type == HUB_AVRO_BYTES;
    case HUB_AVRO_BYTES:
        return r->type == HUB_AVRO_STRING;
    default:
        return false;
    }
}

int hub_avro_union_pick(const struct hub_avro_node *r, const struct hub_avro_node *w)
{
    size_t i;
    if (r->type != HUB_AVRO_UNION)
        return hub_avro_node_matches(r, w) ? 0 : -1;
    /* An exact type match wins over a promotion (as in the Java implementation). */
    for (i = 0; i < r->n_branches; i++)
        if (r->branches[i]->type == w->type && hub_avro_node_matches(r->branches[i], w))
            return (int)i;
    for (i = 0; i < r->n_branches; i++)
        if (hub_avro_node_matches(r->branches[i], w))
            return (int)i;
    return -1;
}

struct compat_pair {
    const struct hub_avro_node *r, *w;
    const struct compat_pair *up;
};

struct compat_ctx {
    unsigned flags;
    struct hub_error *err;
    char path[PATH_MAX_LEN];
    size_t path_len;
};

static int compat_fail(struct compat_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int compat_fail(struct compat_ctx *c, const char *fmt, ...)
{
    char msg[HUB_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hub_error_set(c->err, HUB_EAVRO_SCHEMA, "incompatible: %s: %s",
                         c->path_len ? c->path : "(root)", msg);
}

static size_t cpath_push(struct compat_ctx *c, const char *part)
{
    size_t old = c->path_len;
    int n = snprintf(c->path + old, sizeof c->path - old, "%s%s", old ? "." : "", part);
    if (n > 0)
        c->path_len = old + (size_t)n < sizeof c->path ? old + (size_t)n : sizeof c->path - 1;
    return old;
}

static void cpath_pop(struct compat_ctx *c, size_t old)
{
    c->path_len = old;
    c->path[old] = '\0';
}

static int compat(struct compat_ctx *c, const struct hub_avro_node *r,
                  const struct hub_avro_node *w, const struct compat_pair *up, int depth)
{
    struct compat_pair here = {r, w, up};
    size_t i, mark;
    int rc;

    for (const struct compat_pair *p = up; p; p = p->up)
        if (p->r == r && p->w == w)
            return 0; /* recursive type: assumed compatible while being checked */
    if (depth > 256)
        return compat_fail(c, "schema nests too deeply");

    if (w->type == HUB_AVRO_UNION) {
        for (i = 0; i < w->n_branches; i++) {
            char part[32];
            snprintf(part, sizeof part, "<branch %zu>", i);
            mark = cpath_push(c, part);
            rc = compat(c, r, w->branches[i], &here, depth + 1);
            if (rc)
                return rc;
            cpath_pop(c, mark);
        }
        return 0;
    }
    if (r->type == HUB_AVRO_UNION) {
        int k = hub_avro_union_pick(r, w);
        if (k < 0)
            return compat_fail(c, "no branch of the reader's union can hold the writer's %s",
                               is_named(w) ? w->fullname : hub_avro_type_name(w->type));
        return compat(c, r->branches[k], w, &here, depth + 1);
    }
    if (!hub_avro_node_matches(r, w))
        return compat_fail(c, "type changed from %s to %s",
                           is_named(w) ? w->fullname : hub_avro_type_name(w->type),
                           is_named(r) ? r->fullname : hub_avro_type_name(r->type));

    switch (r->type) {
    case HUB_AVRO_RECORD:
        for (i = 0; i < r->n_fields; i++) {
            const struct hub_avro_field *rf = &r->fields[i];
            const struct hub_avro_field *wf = hub_avro_record_field(w, rf->name);
            for (size_t a = 0; !wf && a < rf->n_aliases; a++)
                wf = hub_avro_record_field(w, rf->aliases[a]);
            mark = cpath_push(c, rf->name);
            if (wf) {
                rc = compat(c, rf->type, wf->type, &here, depth + 1);
                if (rc)
                    return rc;
            } else if (!rf->default_value) {
                return compat_fail(c, "field added without a default");
            }
            cpath_pop(c, mark);
        }
        return 0;
    case HUB_AVRO_ENUM:
        for (i = 0; i < w->n_symbols; i++) {
            if (c->flags & HUB_AVRO_COMPAT_STRICT_ENUMS) {
                if (i >= r->n_symbols || strcmp(r->symbols[i], w->symbols[i]) != 0)
                    return compat_fail(c,
                                       "enum %s: symbol '%s' moved or removed (symbols may only "
                                       "be appended)",
                                       r->fullname, w->symbols[i]);
            } else if (hub_avro_enum_index(r, w->symbols[i]) < 0 && !r->enum_default &&
                       !(c->flags & HUB_AVRO_COMPAT_LAZY_ENUMS)) {
                return compat_fail(c, "enum %s: writer symbol '%s' unknown to the reader",
                                   r->fullname, w->symbols[i]);
            }
        }
        return 0;
    case HUB_AVRO_ARRAY:
    case HUB_AVRO_MAP:
        mark = cpath_push(c, r->type == HUB_AVRO_ARRAY ? "<items>" : "<values>");
        rc = compat(c, r->items, w->items, &here, depth + 1);
        if (rc)
            return rc;
        cpath_pop(c, mark);
        return 0;
    default:
        return 0;
    }
}

int hub_avro_schema_check_compatible(const struct hub_avro_node *reader,
                                     const struct hub_avro_node *writer, unsigned flags,
                                     struct hub_error *err)
{
    struct compat_ctx c;
    memset(&c, 0, sizeof c);
    c.flags = flags;
    c.err = err;
    return compat(&c, reader, writer, NULL, 0);
}
