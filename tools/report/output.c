// SPDX-License-Identifier: GPL-2.0
/*
 * A report as text (for people: standard error, `machexc-crashd show`)
 * and as JSON (for programs), with the same fields: what crashed, the
 * exception in Mach and in Linux terms, the registers, every thread's
 * backtrace, the memory map.
 */
#include <inttypes.h>
#include <string.h>

#include "report.h"

void report_stamp(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ts->tv_nsec / 1000000);
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *const reg_names[] = {
	"rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp", "r8", "r9", "r10", "r11",
	"r12", "r13", "r14", "r15", "rip", "rflags", "cs", "fs", "gs",
};

#define NREG_NAMES ((int)(sizeof(reg_names) / sizeof(reg_names[0])))

static const _STRUCT_XMM_REG *xmm(const x86_float_state64_t *fs, int i)
{
	const _STRUCT_XMM_REG *r[16] = {
		&fs->__fpu_xmm0, &fs->__fpu_xmm1, &fs->__fpu_xmm2, &fs->__fpu_xmm3,
		&fs->__fpu_xmm4, &fs->__fpu_xmm5, &fs->__fpu_xmm6, &fs->__fpu_xmm7,
		&fs->__fpu_xmm8, &fs->__fpu_xmm9, &fs->__fpu_xmm10, &fs->__fpu_xmm11,
		&fs->__fpu_xmm12, &fs->__fpu_xmm13, &fs->__fpu_xmm14, &fs->__fpu_xmm15,
	};

	return r[i];
}

/* An xmm register as one 128-bit hexadecimal number. */
static void xmm_hex(const _STRUCT_XMM_REG *r, char *out)
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)r->__xmm_reg[15 - i]);
}

static void fpu_words(const x86_float_state64_t *fs, uint16_t *fcw, uint16_t *fsw)
{
	memcpy(fcw, &fs->__fpu_fcw, sizeof(*fcw));
	memcpy(fsw, &fs->__fpu_fsw, sizeof(*fsw));
}

/* Calls @line for each line of the memory map. */
#define for_each_map_line(c, p, len) \
	for (p = (c)->maps; p && *p && ((len) = (int)strcspn(p, "\n"), 1); \
	     p += (len) + (p[len] == '\n'))

/* ---- text ---------------------------------------------------------------- */

static void text_fpu(FILE *f, const struct crash *c)
{
	uint16_t fcw, fsw;
	char hex[33];
	int i;

	if (!c->have_fpu)
		return;
	fpu_words(&c->fpu, &fcw, &fsw);
	fprintf(f, "\nFloating point and SSE:\n  fcw    0x%04x  fsw    0x%04x  mxcsr  0x%08x\n",
		fcw, fsw, c->fpu.__fpu_mxcsr);
	for (i = 0; i < 16; i++) {
		xmm_hex(xmm(&c->fpu, i), hex);
		fprintf(f, "  xmm%-2d  0x%s%s", i, hex, i % 2 ? "\n" : "");
	}
}

static void text_stack(FILE *f, const struct stack *s, bool crashed)
{
	int i;

	if (!s->nframes) {
		fprintf(f, "\nThread %d: not unwound: %s\n", s->tid, s->note ? s->note : "?");
		return;
	}
	fprintf(f, "\nBacktrace of thread %d%s:\n", s->tid, crashed ? " (crashed)" : "");
	for (i = 0; i < s->nframes; i++)
		fprintf(f, "  #%-2d 0x%016" PRIx64 " %s (%s)\n", i, s->frames[i].pc,
			s->frames[i].symbol[0] ? s->frames[i].symbol : "??",
			s->frames[i].module[0] ? s->frames[i].module : "?");
}

void report_text(FILE *f, const struct crash *c, const char *tool)
{
	const uint64_t *r = (const uint64_t *)&c->regs;
	const char *p;
	char when[64];
	int i, len;

	report_stamp(&c->when, when, sizeof(when));
	fprintf(f, "Crash report (%s) %s\n", tool, when);
	if (c->id[0])
		fprintf(f, "ID:        %s\n", c->id);
	fprintf(f, "Program:   %s\n", c->program);
	if (c->command[0])
		fprintf(f, "Command:   %s\n", c->command);
	fprintf(f, "PID:       %d\nThread:    %d\n", c->pid, c->tid);
	fprintf(f, "Exception: %s (codes 0x%" PRIx64 ", 0x%" PRIx64 ")\n", exc_name(c->exception),
		(uint64_t)c->code[0], (uint64_t)c->code[1]);
	if (c->exception == EXC_CRASH)
		fprintf(f, "Crash:     %s, from %s (code 0x%x)\n", signal_name(c->crash_signal),
			c->crash_orig_exception ? exc_name(c->crash_orig_exception) :
			"a signal (no exception)", c->crash_orig_code);
	if (c->have_fault)
		fprintf(f, "Signal:    %s (%s), address 0x%" PRIx64 ", trap %u, error code %u\n",
			signal_name(c->fault.signo), si_code_name(c->fault.signo, c->fault.code),
			(uint64_t)c->fault.addr, c->fault.trapno, c->fault.error_code);
	else if (report_signal(c))
		fprintf(f, "Signal:    %s\n", signal_name(report_signal(c)));
	fprintf(f, "Mapping:   %s\n\nRegisters:\n", c->mapping);
	for (i = 0; i < NREG_NAMES; i++)
		fprintf(f, "  %-6s 0x%016" PRIx64 "%s", reg_names[i], r[i], i % 3 == 2 ? "\n" : "");
	text_fpu(f, c);
	text_stack(f, &c->stack, true);
	for (i = 0; i < c->nothers; i++)
		text_stack(f, &c->others[i], false);
	fprintf(f, "\nThreads (%d):", c->nthreads);
	for (i = 0; i < c->nthreads; i++)
		fprintf(f, " %d%s", c->threads[i], c->threads[i] == c->tid ? "*" : "");
	fputc('\n', f);
	if (!c->maps)
		return;
	fprintf(f, "\nMemory map%s:\n", c->maps_cut ? " (cut)" : "");
	for_each_map_line(c, p, len)
		fprintf(f, "  %.*s\n", len, p);
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_stack(FILE *f, const struct stack *s, bool crashed)
{
	int i;

	fprintf(f, "    { \"tid\": %d, \"crashed\": %s, ", s->tid, crashed ? "true" : "false");
	if (!s->nframes) {
		fprintf(f, "\"note\": ");
		json_string(f, s->note ? s->note : "?");
		fprintf(f, " }");
		return;
	}
	fprintf(f, "\"backtrace\": [\n");
	for (i = 0; i < s->nframes; i++) {
		fprintf(f, "      { \"pc\": \"0x%" PRIx64 "\", \"symbol\": ", s->frames[i].pc);
		json_string(f, s->frames[i].symbol);
		fprintf(f, ", \"module\": ");
		json_string(f, s->frames[i].module);
		fprintf(f, " }%s\n", i + 1 < s->nframes ? "," : "");
	}
	fprintf(f, "    ] }");
}

void report_json(FILE *f, const struct crash *c, const char *tool)
{
	const uint64_t *r = (const uint64_t *)&c->regs;
	const char *p;
	char when[64];
	int i, len, sig = report_signal(c);

	report_stamp(&c->when, when, sizeof(when));
	fprintf(f, "{\n  \"tool\": \"%s\",\n", tool);
	if (c->id[0]) {
		fprintf(f, "  \"id\": ");
		json_string(f, c->id);
		fprintf(f, ",\n");
	}
	fprintf(f, "  \"time\": \"%s\",\n  \"program\": ", when);
	json_string(f, c->program);
	fprintf(f, ",\n  \"command\": ");
	json_string(f, c->command);
	fprintf(f, ",\n  \"pid\": %d,\n  \"tid\": %d,\n", c->pid, c->tid);
	fprintf(f, "  \"exception\": { \"type\": \"%s\", \"codes\": [%" PRId64 ", %" PRId64 "]",
		exc_name(c->exception), c->code[0], c->code[1]);
	if (c->exception == EXC_CRASH)
		fprintf(f, ", \"signal\": %d, \"original_type\": \"%s\", \"original_code\": %d",
			c->crash_signal, c->crash_orig_exception ?
			exc_name(c->crash_orig_exception) : "", c->crash_orig_code);
	fprintf(f, " },\n");
	if (c->have_fault)
		fprintf(f, "  \"signal\": { \"name\": \"%s\", \"number\": %d, \"code\": \"%s\", "
			"\"si_code\": %d, \"address\": \"0x%" PRIx64 "\", \"trapno\": %u },\n",
			signal_name(c->fault.signo), c->fault.signo,
			si_code_name(c->fault.signo, c->fault.code), c->fault.code,
			(uint64_t)c->fault.addr, c->fault.trapno);
	else if (sig)
		fprintf(f, "  \"signal\": { \"name\": \"%s\", \"number\": %d },\n",
			signal_name(sig), sig);
	fprintf(f, "  \"mapping\": ");
	json_string(f, c->mapping);
	fprintf(f, ",\n  \"registers\": {");
	for (i = 0; i < NREG_NAMES; i++)
		fprintf(f, "%s \"%s\": \"0x%" PRIx64 "\"", i ? "," : "", reg_names[i], r[i]);
	fprintf(f, " },\n");
	if (c->have_fpu) {
		uint16_t fcw, fsw;
		char hex[33];

		fpu_words(&c->fpu, &fcw, &fsw);
		fprintf(f, "  \"fpu\": { \"fcw\": \"0x%x\", \"fsw\": \"0x%x\", \"mxcsr\": \"0x%x\", "
			"\"xmm\": [", fcw, fsw, c->fpu.__fpu_mxcsr);
		for (i = 0; i < 16; i++) {
			xmm_hex(xmm(&c->fpu, i), hex);
			fprintf(f, "%s\"0x%s\"", i ? ", " : "", hex);
		}
		fprintf(f, "] },\n");
	}
	fprintf(f, "  \"threads\": [\n");
	json_stack(f, &c->stack, true);
	for (i = 0; i < c->nothers; i++) {
		fprintf(f, ",\n");
		json_stack(f, &c->others[i], false);
	}
	fprintf(f, "\n  ],\n  \"thread_ids\": [");
	for (i = 0; i < c->nthreads; i++)
		fprintf(f, "%s%d", i ? ", " : "", c->threads[i]);
	fprintf(f, "],\n  \"maps_cut\": %s,\n  \"maps\": [", c->maps_cut ? "true" : "false");
	i = 0;
	for_each_map_line(c, p, len) {
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", len, p);
		fprintf(f, "%s\n    ", i++ ? "," : "");
		json_string(f, line);
	}
	fprintf(f, "%s]\n}\n", i ? "\n  " : "");
}
