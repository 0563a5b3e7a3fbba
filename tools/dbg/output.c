// SPDX-License-Identifier: GPL-2.0
/* machexc-dbg: text and JSON output (see output.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "output.h"

#define JS_DEPTH 16

static bool json;
static int depth;			/* open objects and arrays */
static bool need_comma[JS_DEPTH];
static char closer[JS_DEPTH];

void out_init(bool json_mode)
{
	json = json_mode;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

bool out_json(void)
{
	return json;
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static void string(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

void out_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!json) {
		fflush(stdout);
		fprintf(stderr, "%s\n", msg);
		return;
	}
	js_begin("error");
	js_str("message", msg);
	js_end();
}

/* The separator and key of a new member of the innermost level. */
static void member(const char *key)
{
	if (need_comma[depth])
		putchar(',');
	need_comma[depth] = true;
	if (key) {
		string(key);
		putchar(':');
	}
}

static void open_level(const char *key, char open, char close)
{
	member(key);
	putchar(open);
	if (depth + 1 < JS_DEPTH) {
		depth++;
		need_comma[depth] = false;
		closer[depth] = close;
	}
}

void js_begin(const char *type)
{
	depth = 0;
	need_comma[0] = false;
	open_level(NULL, '{', '}');
	js_str("type", type);
}

void js_str(const char *key, const char *value)
{
	member(key);
	string(value);
}

void js_int(const char *key, long long value)
{
	member(key);
	printf("%lld", value);
}

void js_hex(const char *key, uint64_t value)
{
	member(key);
	printf("\"0x%" PRIx64 "\"", value);
}

void js_bool(const char *key, bool value)
{
	member(key);
	fputs(value ? "true" : "false", stdout);
}

void js_obj(const char *key)
{
	open_level(key, '{', '}');
}

void js_arr(const char *key)
{
	open_level(key, '[', ']');
}

void js_close(void)
{
	if (depth > 0)
		putchar(closer[depth--]);
}

void js_end(void)
{
	while (depth > 0)
		js_close();
	putchar('\n');
	fflush(stdout);
}
