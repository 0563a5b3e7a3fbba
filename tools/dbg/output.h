/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machexc-dbg's output: gdb-like text on stdout (errors on stderr), or,
 * with --json, one JSON object per line for each event and command result.
 */
#ifndef MACHEXC_DBG_OUTPUT_H
#define MACHEXC_DBG_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

void out_init(bool json);
bool out_json(void);

/* Text for the user; nothing in JSON mode. */
__attribute__((format(printf, 1, 2))) void out_text(const char *fmt, ...);

/* An error: "msg" on stderr, or {"type":"error","message":"msg"}. */
__attribute__((format(printf, 1, 2))) void out_error(const char *fmt, ...);

/*
 * A JSON object written as it is built: js_begin("stop") opens
 * {"type":"stop", members follow, js_end() closes every open level and
 * ends the line.  Keys are NULL inside arrays.
 */
void js_begin(const char *type);
void js_str(const char *key, const char *value);
void js_int(const char *key, long long value);
void js_hex(const char *key, uint64_t value);	/* "0x..." */
void js_bool(const char *key, bool value);
void js_obj(const char *key);
void js_arr(const char *key);
void js_close(void);
void js_end(void);

#endif
