// SPDX-License-Identifier: GPL-2.0
/* machexc-dbg: breakpoints and watchpoints (see breakpoints.h). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mach/mach.h>

#include "breakpoints.h"
#include "memory.h"
#include "output.h"
#include "symbols.h"
#include "target.h"

#define INT3 0xcc

struct breakpoint bps[MAX_BREAKPOINTS];
static int next_num = 1;
static bool watch_dirty;	/* debug registers to be set again */

static struct breakpoint *new_bp(void)
{
	int i;

	for (i = 0; i < MAX_BREAKPOINTS; i++)
		if (!bps[i].used) {
			memset(&bps[i], 0, sizeof(bps[i]));
			bps[i].used = true;
			return &bps[i];
		}
	out_error("too many breakpoints (%d)", MAX_BREAKPOINTS);
	return NULL;
}

struct breakpoint *bp_at(uint64_t addr)
{
	int i;

	for (i = 0; i < MAX_BREAKPOINTS; i++)
		if (bps[i].used && bps[i].kind == BP_BREAK && bps[i].addr == addr && bps[i].inserted)
			return &bps[i];
	return NULL;
}

struct breakpoint *bp_user_at(uint64_t addr)
{
	int i;

	for (i = 0; i < MAX_BREAKPOINTS; i++)
		if (bps[i].used && bps[i].kind == BP_BREAK && bps[i].addr == addr && bps[i].num)
			return &bps[i];
	return NULL;
}

/* Plant the int3 (a second breakpoint at the same place shares the first's). */
static int plant(struct breakpoint *b)
{
	struct breakpoint *other = bp_at(b->addr);
	uint8_t int3 = INT3;

	if (other) {
		b->orig = other->orig;
		b->inserted = true;
		return 0;
	}
	if (mem_read_raw(b->addr, &b->orig, 1) != 1 || mem_write_raw(b->addr, &int3, 1))
		return -1;
	b->inserted = true;
	return 0;
}

/* Take the int3 out unless another breakpoint still needs it. */
static void unplant(struct breakpoint *b)
{
	int i;

	if (!b->inserted)
		return;
	b->inserted = false;
	for (i = 0; i < MAX_BREAKPOINTS; i++)
		if (&bps[i] != b && bps[i].used && bps[i].kind == BP_BREAK &&
		    bps[i].addr == b->addr && bps[i].inserted)
			return;
	if (target_alive())
		mem_write_raw(b->addr, &b->orig, 1);
}

struct breakpoint *bp_add_break(const char *spec, bool temporary)
{
	struct breakpoint *b;
	struct location loc;
	uint64_t addr;

	if (!target_alive()) {
		out_error("The program is not being run.");
		return NULL;
	}
	if (sym_break_address(spec, &addr))
		return NULL;
	b = new_bp();
	if (!b)
		return NULL;
	b->kind = BP_BREAK;
	b->addr = addr;
	b->temporary = temporary;
	snprintf(b->expr, sizeof(b->expr), "%s", spec);
	if (plant(b)) {
		out_error("Cannot insert breakpoint at 0x%" PRIx64 ": cannot access memory", addr);
		b->used = false;
		return NULL;
	}
	b->num = next_num++;
	sym_describe(addr, &loc);
	if (out_json()) {
		js_begin("breakpoint-created");
		js_int("number", b->num);
		js_str("kind", temporary ? "temporary breakpoint" : "breakpoint");
		js_hex("address", addr);
		if (loc.func[0])
			js_str("func", loc.func);
		if (loc.line) {
			js_str("file", loc.file);
			js_int("line", loc.line);
		}
		js_end();
	} else if (loc.line) {
		out_text("%s %d at 0x%" PRIx64 ": file %s, line %d.\n",
			 temporary ? "Temporary breakpoint" : "Breakpoint", b->num, addr,
			 loc.file, loc.line);
	} else {
		out_text("%s %d at 0x%" PRIx64 "\n",
			 temporary ? "Temporary breakpoint" : "Breakpoint", b->num, addr);
	}
	return b;
}

struct breakpoint *bp_add_internal(uint64_t addr, uint64_t frame_sp)
{
	struct breakpoint *b = new_bp();

	if (!b)
		return NULL;
	b->kind = BP_BREAK;
	b->addr = addr;
	b->frame_sp = frame_sp;
	if (plant(b)) {
		b->used = false;
		return NULL;
	}
	return b;
}

void bp_remove_internal(void)
{
	int i;

	for (i = 0; i < MAX_BREAKPOINTS; i++)
		if (bps[i].used && !bps[i].num)
			bp_delete(&bps[i]);
}

/* ---- watchpoints --------------------------------------------------------- */

static int watch_len(const char *type)
{
	if (strstr(type, "*"))
		return 8;
	if (strstr(type, "char"))
		return 1;
	if (strstr(type, "short"))
		return 2;
	if (strstr(type, "long"))
		return 8;
	return 4;
}

static const char *watch_title(enum bp_kind kind)
{
	return kind == BP_RWATCH ? "Hardware read watchpoint" :
	       kind == BP_AWATCH ? "Hardware access (read/write) watchpoint" :
				   "Hardware watchpoint";
}

void bp_add_watch(const char *spec, enum bp_kind kind)
{
	char expr[256], *len_arg, *p = expr;
	uint64_t addr, size = 0;
	int len = 0, slot, i;
	bool used[MAX_WATCH_SLOTS] = { false };
	struct breakpoint *b;

	if (!target_alive()) {
		out_error("The program is not being run.");
		return;
	}
	snprintf(expr, sizeof(expr), "%s", spec);
	expr[strcspn(expr, "\n")] = 0;
	/* An optional length after the expression: "watch 0x1234 4". */
	len_arg = strrchr(expr, ' ');
	if (len_arg && isdigit((unsigned char)len_arg[1]) && len_arg != expr &&
	    !strchr(len_arg, 'x')) {
		len = atoi(len_arg + 1);
		*len_arg = 0;
	}
	while (*p == ' ')
		p++;
	if (*p == '*') {
		/* *ADDR or *(TYPE *)ADDR */
		p++;
		while (*p == ' ')
			p++;
		if (*p == '(' && strchr(p, ')')) {
			char type[64];

			snprintf(type, sizeof(type), "%.*s", (int)(strchr(p, ')') - p - 1), p + 1);
			if (!len)
				len = watch_len(type);
			p = strchr(p, ')') + 1;
		}
		if (sym_eval(p, &addr))
			return;
	} else if (sym_lookup(p, &addr, &size) == 0) {
		if (!len)
			len = size == 1 || size == 2 || size == 4 ? (int)size : 8;
	} else if (sym_eval(p, &addr)) {
		return;
	}
	if (!len)
		len = 4;
	if (len != 1 && len != 2 && len != 4 && len != 8) {
		out_error("watchpoint length must be 1, 2, 4 or 8");
		return;
	}
	if (addr % (uint64_t)len) {
		out_error("watchpoint address 0x%" PRIx64 " is not aligned to its length %d", addr,
			  len);
		return;
	}
	for (i = 0; i < MAX_BREAKPOINTS; i++)
		if (bps[i].used && bps[i].kind != BP_BREAK)
			used[bps[i].slot] = true;
	for (slot = 0; slot < MAX_WATCH_SLOTS && used[slot]; slot++)
		;
	if (slot == MAX_WATCH_SLOTS) {
		out_error("Hardware watchpoints used exceeds limit (%d debug registers).",
			  MAX_WATCH_SLOTS);
		return;
	}
	b = new_bp();
	if (!b)
		return;
	b->kind = kind;
	b->addr = addr;
	b->len = len;
	b->slot = slot;
	b->num = next_num++;
	snprintf(b->expr, sizeof(b->expr), "%s", expr + strspn(expr, " "));
	bp_watch_value(b, &b->old_value);
	watch_dirty = true;
	if (out_json()) {
		js_begin("watchpoint-created");
		js_int("number", b->num);
		js_str("kind", kind == BP_RWATCH ? "read" : kind == BP_AWATCH ? "access" : "write");
		js_str("expression", b->expr);
		js_hex("address", addr);
		js_int("length", len);
		js_end();
	} else {
		out_text("%s %d: %s\n", watch_title(kind), b->num, b->expr);
	}
}

int bp_watch_value(const struct breakpoint *b, uint64_t *value)
{
	*value = 0;
	return mem_read(b->addr, value, (size_t)b->len) == b->len ? 0 : -1;
}

long long bp_value_signed(const struct breakpoint *b, uint64_t v)
{
	int shift = 64 - 8 * b->len;

	return (long long)((int64_t)(v << shift) >> shift);
}

/* The debug state every thread gets: dr0-dr3 and dr7 of the watchpoints. */
static void debug_state(x86_debug_state64_t *d)
{
	static const unsigned int len_bits[9] = { 0, 0, 1, 0, 3, 0, 0, 0, 2 };
	uint64_t *dr = &d->__dr0;
	int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < MAX_BREAKPOINTS; i++) {
		const struct breakpoint *b = &bps[i];
		unsigned int rw;

		if (!b->used || b->kind == BP_BREAK)
			continue;
		rw = b->kind == BP_WATCH ? 1 : 3;	/* x86 has no read-only: access */
		dr[b->slot] = b->addr;
		d->__dr7 |= 1UL << (2 * b->slot);
		d->__dr7 |= (uint64_t)rw << (16 + 4 * b->slot);
		d->__dr7 |= (uint64_t)len_bits[b->len] << (18 + 4 * b->slot);
	}
}

void bp_apply_watchpoints(void)
{
	x86_debug_state64_t d;
	int i;

	if (!watch_dirty)
		return;
	debug_state(&d);
	for (i = 0; i < nthreads; i++) {
		kern_return_t kr = thread_set_state(threads[i].port, x86_DEBUG_STATE64,
						    (thread_state_t)&d, x86_DEBUG_STATE64_COUNT);

		if (kr != KERN_SUCCESS)
			out_error("warning: cannot set the debug registers of thread %d: %s",
				  threads[i].num, mach_error_string(kr));
	}
	/* Threads made later have none: set them again at every resume then. */
	watch_dirty = d.__dr7 != 0;
}

void bp_clear_watchpoints(void)
{
	x86_debug_state64_t d;
	int i;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < nthreads; i++)
		thread_set_state(threads[i].port, x86_DEBUG_STATE64, (thread_state_t)&d,
				 x86_DEBUG_STATE64_COUNT);
	watch_dirty = false;
}

struct breakpoint *bp_watch_hit(struct dthread *th)
{
	x86_debug_state64_t d;
	mach_msg_type_number_t n = x86_DEBUG_STATE64_COUNT;
	int i;

	if (!th || thread_get_state(th->port, x86_DEBUG_STATE64, (thread_state_t)&d, &n))
		return NULL;
	for (i = 0; i < MAX_BREAKPOINTS; i++)
		if (bps[i].used && bps[i].kind != BP_BREAK && (d.__dr6 & (1UL << bps[i].slot)))
			return &bps[i];
	return NULL;
}

/* ---- deleting, listing ---------------------------------------------------- */

void bp_delete(struct breakpoint *b)
{
	if (b->kind == BP_BREAK)
		unplant(b);
	else
		watch_dirty = true;
	b->used = false;
	if (b->kind != BP_BREAK && target_alive())
		bp_apply_watchpoints();
}

void cmd_delete(const char *arg)
{
	const char *p = arg ? arg : "";
	char *end;
	int i;

	while (*p == ' ')
		p++;
	if (!strncmp(p, "breakpoints", 11))
		p += 11;
	while (*p == ' ')
		p++;
	if (!*p) {
		for (i = 0; i < MAX_BREAKPOINTS; i++)
			if (bps[i].used && bps[i].num)
				bp_delete(&bps[i]);
		return;
	}
	while (*p) {
		long num = strtol(p, &end, 10);
		bool found = false;

		if (end == p) {
			out_error("Convenience variable must have integer value.\n"
				  "Args must be numbers or '$' variables.");
			return;
		}
		for (i = 0; i < MAX_BREAKPOINTS; i++)
			if (bps[i].used && bps[i].num == num) {
				bp_delete(&bps[i]);
				found = true;
			}
		if (!found)
			out_error("No breakpoint number %ld.", num);
		p = end + strspn(end, " ");
	}
}

void cmd_info_breakpoints(void)
{
	bool any = false;
	int i;

	if (out_json()) {
		js_begin("breakpoints");
		js_arr("breakpoints");
	}
	for (i = 0; i < MAX_BREAKPOINTS; i++) {
		const struct breakpoint *b = &bps[i];
		const char *type = b->kind == BP_BREAK ? "breakpoint" :
				   b->kind == BP_WATCH ? "hw watchpoint" :
				   b->kind == BP_RWATCH ? "read watchpoint" : "acc watchpoint";
		struct location loc;

		if (!b->used || !b->num)
			continue;
		if (out_json()) {
			js_obj(NULL);
			js_int("number", b->num);
			js_str("type", type);
			js_hex("address", b->addr);
			js_str("what", b->expr);
			js_int("hits", b->hits);
			js_close();
			continue;
		}
		if (!any)
			out_text("Num     Type           Disp Enb Address            What\n");
		any = true;
		if (b->kind != BP_BREAK) {
			out_text("%-7d %-14s %-4s %-3s %-18s %s\n", b->num, type, "keep", "y", "",
				 b->expr);
		} else {
			sym_describe(b->addr, &loc);
			out_text("%-7d %-14s %-4s %-3s 0x%016" PRIx64 " ", b->num, type,
				 b->temporary ? "del" : "keep", "y", b->addr);
			if (loc.line)
				out_text("in %s at %s:%d\n", loc.func, loc.file, loc.line);
			else
				out_text("<%s+%" PRIu64 ">\n", loc.func[0] ? loc.func : "??",
					 loc.offset);
		}
		if (b->hits)
			out_text("\tbreakpoint already hit %u time%s\n", b->hits,
				 b->hits == 1 ? "" : "s");
	}
	if (out_json())
		js_end();
	else if (!any)
		out_text("No breakpoints or watchpoints.\n");
}

/* ---- memory ------------------------------------------------------------- */

void bp_shadow(uint64_t addr, void *buf, size_t len)
{
	int i;

	for (i = 0; i < MAX_BREAKPOINTS; i++) {
		const struct breakpoint *b = &bps[i];

		if (b->used && b->kind == BP_BREAK && b->inserted && b->addr >= addr &&
		    b->addr < addr + len)
			((uint8_t *)buf)[b->addr - addr] = b->orig;
	}
}

void bp_overwrite(uint64_t addr, void *buf, size_t len)
{
	int i;

	for (i = 0; i < MAX_BREAKPOINTS; i++) {
		struct breakpoint *b = &bps[i];

		if (b->used && b->kind == BP_BREAK && b->inserted && b->addr >= addr &&
		    b->addr < addr + len) {
			b->orig = ((uint8_t *)buf)[b->addr - addr];
			((uint8_t *)buf)[b->addr - addr] = INT3;
		}
	}
	/* Breakpoints sharing an address share the byte. */
	for (i = 0; i < MAX_BREAKPOINTS; i++)
		if (bps[i].used && bps[i].inserted && bp_at(bps[i].addr))
			bps[i].orig = bp_at(bps[i].addr)->orig;
}

void bp_lift(uint64_t addr)
{
	struct breakpoint *b = bp_at(addr);

	if (b)
		mem_write_raw(addr, &b->orig, 1);
}

void bp_replant(uint64_t addr)
{
	uint8_t int3 = INT3;

	if (bp_at(addr))
		mem_write_raw(addr, &int3, 1);
}

void bp_remove_all(void)
{
	int i;

	for (i = 0; i < MAX_BREAKPOINTS; i++)
		if (bps[i].used && bps[i].kind == BP_BREAK)
			unplant(&bps[i]);
	for (i = 0; i < MAX_BREAKPOINTS; i++)
		bps[i].used = false;
	watch_dirty = false;
}

void bp_forget_inserted(void)
{
	int i;

	for (i = 0; i < MAX_BREAKPOINTS; i++) {
		bps[i].inserted = false;
		if (!bps[i].num)
			bps[i].used = false;
	}
}
