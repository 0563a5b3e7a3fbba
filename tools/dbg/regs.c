// SPDX-License-Identifier: GPL-2.0
/* machexc-dbg: registers (see regs.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "regs.h"
#include "symbols.h"
#include "target.h"

struct reg {
	const char *name;
	size_t offset;
	enum { NATURAL, POINTER, CODE, FLAGS } kind;
};

#define R(n, k) { #n, offsetof(x86_thread_state64_t, __##n), k }

/* gdb's order. */
static const struct reg regs[] = {
	R(rax, NATURAL), R(rbx, NATURAL), R(rcx, NATURAL), R(rdx, NATURAL),
	R(rsi, NATURAL), R(rdi, NATURAL), R(rbp, POINTER), R(rsp, POINTER),
	R(r8, NATURAL), R(r9, NATURAL), R(r10, NATURAL), R(r11, NATURAL),
	R(r12, NATURAL), R(r13, NATURAL), R(r14, NATURAL), R(r15, NATURAL),
	R(rip, CODE), { "eflags", offsetof(x86_thread_state64_t, __rflags), FLAGS },
	R(cs, NATURAL), R(fs, NATURAL), R(gs, NATURAL),
};

#define NREGS (sizeof(regs) / sizeof(regs[0]))

int regs_get(struct dthread *th, x86_thread_state64_t *s)
{
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;

	if (!th || thread_get_state(th->port, x86_THREAD_STATE64, (thread_state_t)s, &n))
		return -1;
	return 0;
}

int regs_set(struct dthread *th, const x86_thread_state64_t *s)
{
	if (!th || thread_set_state(th->port, x86_THREAD_STATE64, (thread_state_t)s,
				    x86_THREAD_STATE64_COUNT))
		return -1;
	return 0;
}

uint64_t regs_pc(struct dthread *th)
{
	x86_thread_state64_t s;

	return regs_get(th, &s) ? 0 : s.__rip;
}

static uint64_t *field(x86_thread_state64_t *s, const struct reg *r)
{
	return (uint64_t *)((char *)s + r->offset);
}

/* A register by name, with gdb's aliases; *width 8 or 4 (eax and friends). */
static const struct reg *find(const char *name, int *width)
{
	static const struct { const char *alias, *reg; } aliases[] = {
		{ "pc", "rip" }, { "sp", "rsp" }, { "fp", "rbp" }, { "rflags", "eflags" },
	};
	char wide[8];
	size_t i;

	*width = 8;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(name, aliases[i].alias))
			name = aliases[i].reg;
	for (i = 0; i < NREGS; i++)
		if (!strcmp(name, regs[i].name))
			return &regs[i];
	/* eax .. edi, esp, ebp, eip: the low 32 bits. */
	if (name[0] == 'e' && strlen(name) == 3) {
		snprintf(wide, sizeof(wide), "r%s", name + 1);
		for (i = 0; i < NREGS; i++)
			if (!strcmp(wide, regs[i].name)) {
				*width = 4;
				return &regs[i];
			}
	}
	return NULL;
}

bool regs_lookup(const char *name, uint64_t *value)
{
	x86_thread_state64_t s;
	const struct reg *r;
	int width;

	r = find(name, &width);
	if (!r || regs_get(cur_thread, &s))
		return false;
	*value = *field(&s, r);
	if (width == 4)
		*value &= 0xffffffffu;
	return true;
}

static void flags_text(uint64_t f, char *buf, size_t size)
{
	static const struct { int bit; const char *name; } bits[] = {
		{ 0, "CF" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" }, { 7, "SF" }, { 8, "TF" },
		{ 9, "IF" }, { 10, "DF" }, { 11, "OF" }, { 14, "NT" }, { 16, "RF" }, { 17, "VM" },
		{ 18, "AC" }, { 19, "VIF" }, { 20, "VIP" }, { 21, "ID" },
	};
	size_t i, len;

	len = (size_t)snprintf(buf, size, "[ ");
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]) && len < size; i++)
		if (f & (1UL << bits[i].bit))
			len += (size_t)snprintf(buf + len, size - len, "%s ", bits[i].name);
	if (len < size)
		snprintf(buf + len, size - len, "]");
}

void cmd_info_registers(const char *args)
{
	x86_thread_state64_t s;
	char want[64] = "";
	size_t i;

	if (!target_alive()) {
		out_error("The program has no registers now.");
		return;
	}
	if (regs_get(cur_thread, &s)) {
		out_error("cannot read the registers of thread %d", cur_thread ? cur_thread->num : 0);
		return;
	}
	if (args)
		sscanf(args, " %63s", want);
	if (want[0] == '$')
		memmove(want, want + 1, strlen(want));
	if (want[0]) {
		int width;

		if (!find(want, &width)) {
			out_error("Invalid register `%s'", want);
			return;
		}
	}
	if (out_json()) {
		js_begin("registers");
		js_int("thread", cur_thread->num);
		js_obj("registers");
	}
	for (i = 0; i < NREGS; i++) {
		const struct reg *r = &regs[i];
		uint64_t v = *field(&s, r);
		char hex[32], natural[256];
		int width;

		if (want[0] && find(want, &width) != r)
			continue;
		if (out_json()) {
			js_hex(r->name, v);
			continue;
		}
		snprintf(hex, sizeof(hex), "0x%" PRIx64, v);
		switch (r->kind) {
		case NATURAL:
			snprintf(natural, sizeof(natural), "%" PRId64, (int64_t)v);
			break;
		case POINTER:
			snprintf(natural, sizeof(natural), "0x%" PRIx64, v);
			break;
		case CODE:
			sym_format_address(v, natural, sizeof(natural));
			break;
		case FLAGS:
			flags_text(v, natural, sizeof(natural));
			break;
		}
		out_text("%-15s%-19s%s\n", r->name, hex, natural);
	}
	if (out_json())
		js_end();
}

void cmd_set_register(const char *assign)
{
	char name[32];
	const char *eq = strchr(assign, '=');
	const struct reg *r;
	x86_thread_state64_t s;
	uint64_t v;
	int width;

	if (!eq || sscanf(assign, " %31[a-z0-9]", name) != 1) {
		out_error("usage: set $REG = VALUE");
		return;
	}
	r = find(name, &width);
	if (!r) {
		out_error("Invalid register `%s'", name);
		return;
	}
	if (!target_alive() || regs_get(cur_thread, &s)) {
		out_error("The program has no registers now.");
		return;
	}
	if (sym_eval(eq + 1, &v))
		return;
	if (width == 4)
		v &= 0xffffffffu;
	*field(&s, r) = v;
	if (regs_set(cur_thread, &s)) {
		out_error("Could not set register `%s'", name);
		return;
	}
	if (out_json()) {
		js_begin("set-register");
		js_str("register", r->name);
		js_hex("value", v);
		js_end();
	}
}
