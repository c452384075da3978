/* json.h - a small streaming JSON writer for the command's -j output. */
#ifndef BPFRT_TOOL_JSON_H
#define BPFRT_TOOL_JSON_H

#include <stdint.h>
#include <stdio.h>

struct json {
    FILE *out;
    int pretty;
    int depth;
    int need_comma;
};

void json_init(struct json *j, FILE *out, int pretty);
void json_obj_open(struct json *j);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j);
void json_arr_close(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
/* A number with that many decimals ("41.7") */
void json_fixed(struct json *j, double v, int decimals);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* key + value in one call */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_u64(struct json *j, const char *key, uint64_t v);
/* Finish the document with a newline. */
void json_end(struct json *j);

#endif
