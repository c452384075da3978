/* json.c - streaming JSON writer: values are written as they come, commas
 * and (with pretty) indentation handled here. */
#include <inttypes.h>

#include "json.h"

void json_init(struct json *j, FILE *out, int pretty)
{
    j->out = out;
    j->pretty = pretty;
    j->depth = 0;
    j->need_comma = 0;
}

static void newline(struct json *j)
{
    if (!j->pretty)
        return;
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++)
        fputs("    ", j->out);
}

/* Separator from the previous element.  Pretty output breaks lines as
 * bpftool's json_writer does: before each key and before the closing
 * bracket of a non-empty container; array elements follow the comma
 * ("[{", "},{", "[1,2]"), so `-p` output is bpftool's byte for byte. */
static void sep(struct json *j)
{
    if (j->need_comma)
        fputc(',', j->out);
}

/* A value directly after a key takes no separator. */
static void value_prefix(struct json *j)
{
    if (j->depth < 0)
        j->depth = -j->depth - 1;
    else
        sep(j);
}

static void open(struct json *j, char c)
{
    value_prefix(j);
    fputc(c, j->out);
    j->depth++;
    j->need_comma = 0;
}

static void close_(struct json *j, char c)
{
    j->depth--;
    if (j->need_comma)
        newline(j);
    fputc(c, j->out);
    j->need_comma = 1;
}

void json_obj_open(struct json *j)
{
    open(j, '{');
}

void json_obj_close(struct json *j)
{
    close_(j, '}');
}

void json_arr_open(struct json *j)
{
    open(j, '[');
}

void json_arr_close(struct json *j)
{
    close_(j, ']');
}

static void put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (c < 0x20)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
    sep(j);
    newline(j);
    put_string(j->out, key);
    fputs(j->pretty ? ": " : ":", j->out);
    j->need_comma = 0;
    j->depth = -j->depth - 1; /* mark: the next value follows the key directly */
}

void json_str(struct json *j, const char *s)
{
    value_prefix(j);
    put_string(j->out, s);
    j->need_comma = 1;
}

void json_u64(struct json *j, uint64_t v)
{
    value_prefix(j);
    fprintf(j->out, "%" PRIu64, v);
    j->need_comma = 1;
}

void json_i64(struct json *j, int64_t v)
{
    value_prefix(j);
    fprintf(j->out, "%" PRId64, v);
    j->need_comma = 1;
}

void json_fixed(struct json *j, double v, int decimals)
{
    value_prefix(j);
    fprintf(j->out, "%.*f", decimals, v);
    j->need_comma = 1;
}

void json_bool(struct json *j, int v)
{
    value_prefix(j);
    fputs(v ? "true" : "false", j->out);
    j->need_comma = 1;
}

void json_null(struct json *j)
{
    value_prefix(j);
    fputs("null", j->out);
    j->need_comma = 1;
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
    json_key(j, key);
    json_str(j, s);
}

void json_kv_u64(struct json *j, const char *key, uint64_t v)
{
    json_key(j, key);
    json_u64(j, v);
}

void json_end(struct json *j)
{
    fputc('\n', j->out);
}
