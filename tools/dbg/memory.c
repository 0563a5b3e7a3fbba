// SPDX-License-Identifier: GPL-2.0
/* machexc-dbg: memory (see memory.h). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mach/mach.h>
#include <mach/mach_vm.h>

#include "breakpoints.h"
#include "memory.h"
#include "output.h"
#include "symbols.h"
#include "target.h"

long mem_read_raw(uint64_t addr, void *buf, size_t len)
{
	mach_vm_size_t got = 0;
	size_t done = 0;

	if (!target_alive())
		return -1;
	if (mach_vm_read_overwrite(T.task, addr, len, (mach_vm_address_t)(uintptr_t)buf, &got) ==
	    KERN_SUCCESS)
		return (long)got;
	/* A read that crosses into an unmapped page: what comes before it. */
	while (done < len) {
		size_t chunk = 4096 - ((addr + done) & 4095);

		if (chunk > len - done)
			chunk = len - done;
		if (mach_vm_read_overwrite(T.task, addr + done, chunk,
					   (mach_vm_address_t)(uintptr_t)((char *)buf + done),
					   &got) != KERN_SUCCESS)
			break;
		done += chunk;
	}
	return done ? (long)done : -1;
}

long mem_read(uint64_t addr, void *buf, size_t len)
{
	long n = mem_read_raw(addr, buf, len);

	if (n > 0)
		bp_shadow(addr, buf, (size_t)n);
	return n;
}

int mem_write_raw(uint64_t addr, const void *buf, size_t len)
{
	if (!target_alive())
		return -1;
	return mach_vm_write(T.task, addr, (vm_offset_t)(uintptr_t)buf,
			     (mach_msg_type_number_t)len) == KERN_SUCCESS ? 0 : -1;
}

int mem_write(uint64_t addr, const void *buf, size_t len)
{
	unsigned char copy[4096];

	if (len > sizeof(copy))
		return -1;
	memcpy(copy, buf, len);
	bp_overwrite(addr, copy, len);	/* planted breakpoints stay planted */
	return mem_write_raw(addr, copy, len);
}

/* ---- x ------------------------------------------------------------------ */

static void label(uint64_t addr, char *buf, size_t size)
{
	char sym[256];

	sym_format_label(addr, sym, sizeof(sym));
	snprintf(buf, size, "0x%" PRIx64 "%s%s:", addr, sym[0] ? " " : "", sym);
}

static void x_string(uint64_t addr, long count)
{
	char where[300], s[4096];
	long i;

	for (i = 0; i < count; i++) {
		long n = mem_read(addr, s, sizeof(s) - 1);
		size_t len;

		if (n <= 0) {
			out_error("Cannot access memory at address 0x%" PRIx64, addr);
			return;
		}
		s[n] = 0;
		len = strlen(s);
		label(addr, where, sizeof(where));
		if (out_json()) {
			js_begin("memory");
			js_hex("address", addr);
			js_str("string", s);
			js_end();
		} else {
			out_text("%s\t\"", where);
			for (size_t j = 0; j < len; j++) {
				unsigned char c = (unsigned char)s[j];

				if (c == '"' || c == '\\')
					out_text("\\%c", c);
				else if (isprint(c))
					out_text("%c", c);
				else if (c == '\n')
					out_text("\\n");
				else
					out_text("\\%03o", c);
			}
			out_text("\"\n");
		}
		addr += len + 1;
	}
}

void cmd_x(const char *fmt, const char *expr)
{
	long count = 1, i;
	char format = 'x';
	int size = 4, per_line;
	uint64_t addr;
	unsigned char buf[8192];
	char where[300];

	if (fmt) {
		char *end;

		count = strtol(fmt, &end, 10);
		if (end == fmt)
			count = 1;
		for (; *end && !isspace((unsigned char)*end); end++) {
			switch (*end) {
			case 'b': size = 1; break;
			case 'h': size = 2; break;
			case 'w': size = 4; break;
			case 'g': size = 8; break;
			case 'x': case 'd': case 'u': case 'o': case 'c': case 's': case 'a':
				format = *end;
				break;
			case 'i':
				out_error("x/i: no disassembler in machexc-dbg");
				return;
			default:
				out_error("Undefined output format \"%c\".", *end);
				return;
			}
		}
	}
	if (!expr || !*expr) {
		out_error("Argument required (starting display address).");
		return;
	}
	if (sym_eval(expr, &addr))
		return;
	if (format == 's') {
		x_string(addr, count);
		return;
	}
	if (format == 'c')
		size = 1;
	if (format == 'a')
		size = 8;
	if (count < 1 || count * size > (long)sizeof(buf)) {
		out_error("x: bad count %ld", count);
		return;
	}
	if (mem_read(addr, buf, (size_t)(count * size)) < count * size) {
		out_error("Cannot access memory at address 0x%" PRIx64, addr);
		return;
	}
	per_line = size == 8 ? 2 : size == 4 ? 4 : 8;
	if (out_json()) {
		js_begin("memory");
		js_hex("address", addr);
		js_int("size", size);
		js_arr("values");
	}
	for (i = 0; i < count; i++) {
		uint64_t v = 0;
		char text[320];

		memcpy(&v, buf + i * size, (size_t)size);
		if (out_json()) {
			js_hex(NULL, v);
			continue;
		}
		if (i % per_line == 0) {
			label(addr + (uint64_t)(i * size), where, sizeof(where));
			out_text("%s%s", i ? "\n" : "", where);
		}
		switch (format) {
		case 'x':
			snprintf(text, sizeof(text), "0x%0*" PRIx64, size * 2, v);
			break;
		case 'o':
			snprintf(text, sizeof(text), "0%" PRIo64, v);
			break;
		case 'u':
			snprintf(text, sizeof(text), "%" PRIu64, v);
			break;
		case 'c':
			snprintf(text, sizeof(text), "%d '%c'", (int)(signed char)v,
				 isprint((int)v) ? (int)v : '?');
			break;
		case 'a': {
			char sym[256];

			sym_format_label(v, sym, sizeof(sym));
			snprintf(text, sizeof(text), "0x%" PRIx64 "%s%s", v, sym[0] ? " " : "",
				 sym);
			break;
		}
		default: {	/* 'd': sign-extended from the unit */
			int shift = 64 - 8 * size;

			snprintf(text, sizeof(text), "%" PRId64,
				 (int64_t)(v << shift) >> shift);
			break;
		}
		}
		out_text("\t%s", text);
	}
	if (out_json())
		js_end();
	else
		out_text("\n");
}

/* ---- set {TYPE} ADDR = VALUE -------------------------------------------- */

static int type_size(const char *type)
{
	static const struct { const char *name; int size; } types[] = {
		{ "char", 1 }, { "signed char", 1 }, { "unsigned char", 1 }, { "int8_t", 1 },
		{ "uint8_t", 1 }, { "short", 2 }, { "unsigned short", 2 }, { "int16_t", 2 },
		{ "uint16_t", 2 }, { "int", 4 }, { "unsigned", 4 }, { "unsigned int", 4 },
		{ "int32_t", 4 }, { "uint32_t", 4 }, { "long", 8 }, { "unsigned long", 8 },
		{ "long long", 8 }, { "unsigned long long", 8 }, { "int64_t", 8 },
		{ "uint64_t", 8 }, { "void *", 8 }, { "char *", 8 },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i].name))
			return types[i].size;
	return 0;
}

void cmd_set_memory(const char *arg)
{
	char type[64], target[256];
	const char *close = strchr(arg, '}'), *eq;
	uint64_t addr, value;
	size_t tlen;
	int size;

	while (isspace((unsigned char)*arg))
		arg++;
	if (*arg != '{' || !close || !(eq = strchr(close, '='))) {
		out_error("usage: set {TYPE} ADDRESS = VALUE");
		return;
	}
	tlen = (size_t)(close - arg - 1);
	if (tlen >= sizeof(type)) {
		out_error("No symbol table is loaded.");
		return;
	}
	memcpy(type, arg + 1, tlen);
	type[tlen] = 0;
	while (tlen && isspace((unsigned char)type[tlen - 1]))
		type[--tlen] = 0;
	size = type_size(type + strspn(type, " "));
	if (!size) {
		out_error("No symbol \"%s\" in current context.", type);
		return;
	}
	snprintf(target, sizeof(target), "%.*s", (int)(eq - close - 1), close + 1);
	if (sym_eval(target, &addr) || sym_eval(eq + 1, &value))
		return;
	if (mem_write(addr, &value, (size_t)size)) {
		out_error("Cannot access memory at address 0x%" PRIx64, addr);
		return;
	}
	if (out_json()) {
		js_begin("memory-write");
		js_hex("address", addr);
		js_int("size", size);
		js_hex("value", value);
		js_end();
	}
}

/* ---- regions ----------------------------------------------------------- */

void cmd_info_regions(void)
{
	mach_vm_address_t addr = 0;

	if (!target_alive()) {
		out_error("The program is not being run.");
		return;
	}
	if (out_json()) {
		js_begin("regions");
		js_arr("regions");
	} else {
		out_text("%18s %18s %10s  %s\n", "Start Addr", "End Addr", "Size", "Perms");
	}
	for (;;) {
		vm_region_basic_info_data_64_t info;
		mach_msg_type_number_t n = VM_REGION_BASIC_INFO_COUNT_64;
		mach_vm_size_t size = 0;
		mach_port_t object = MACH_PORT_NULL;
		char perms[4];

		if (mach_vm_region(T.task, &addr, &size, VM_REGION_BASIC_INFO_64,
				   (vm_region_info_t)&info, &n, &object) != KERN_SUCCESS)
			break;
		snprintf(perms, sizeof(perms), "%c%c%c", info.protection & VM_PROT_READ ? 'r' : '-',
			 info.protection & VM_PROT_WRITE ? 'w' : '-',
			 info.protection & VM_PROT_EXECUTE ? 'x' : '-');
		if (out_json()) {
			js_obj(NULL);
			js_hex("start", addr);
			js_hex("end", addr + size);
			js_str("perms", perms);
			js_close();
		} else {
			out_text("%#18" PRIx64 " %#18" PRIx64 " %#10" PRIx64 "  %s\n", addr,
				 addr + size, size, perms);
		}
		addr += size;
	}
	if (out_json())
		js_end();
}
