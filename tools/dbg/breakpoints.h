/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machexc-dbg: breakpoints and watchpoints.
 *
 * Software breakpoints are int3 bytes planted with mach_vm_write() (which
 * writes through read-only text) as soon as they are made, and stay in
 * place while the target runs or stops; reads of memory see the original
 * bytes (bp_shadow()).  A thread stopped on one is stepped over it with
 * the byte lifted for that one instruction, the other threads suspended
 * (run.c).  Watchpoints are the debug registers (x86_DEBUG_STATE64) of
 * every thread, set before each resume.
 */
#ifndef MACHEXC_DBG_BREAKPOINTS_H
#define MACHEXC_DBG_BREAKPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "threads.h"

#define MAX_BREAKPOINTS 64
#define MAX_WATCH_SLOTS 4

enum bp_kind { BP_BREAK, BP_WATCH, BP_RWATCH, BP_AWATCH };

struct breakpoint {
	bool used;
	int num;		/* 0: internal (step over calls, finish) */
	enum bp_kind kind;
	bool temporary;		/* tbreak, start: deleted when hit */
	uint64_t addr;
	int len;		/* watchpoints: 1, 2, 4 or 8 */
	int slot;		/* watchpoints: dr0..dr3 */
	uint8_t orig;		/* the byte under the int3 */
	bool inserted;
	unsigned int hits;
	uint64_t frame_sp;	/* internal: stops only when rsp is above this */
	uint64_t old_value;	/* watchpoints: the value last seen */
	char expr[256];		/* as the user gave it */
};

extern struct breakpoint bps[MAX_BREAKPOINTS];

/* "break SPEC" (tbreak with @temporary).  The new one, or NULL (said why). */
struct breakpoint *bp_add_break(const char *spec, bool temporary);
/* An internal breakpoint at @addr, hit only with rsp > @frame_sp. */
struct breakpoint *bp_add_internal(uint64_t addr, uint64_t frame_sp);
void bp_remove_internal(void);
/* "watch/rwatch/awatch EXPR [LEN]". */
void bp_add_watch(const char *spec, enum bp_kind kind);
/* "delete [N...]". */
void cmd_delete(const char *arg);
void bp_delete(struct breakpoint *b);
void cmd_info_breakpoints(void);

/* The software breakpoint (user or internal) planted at @addr. */
struct breakpoint *bp_at(uint64_t addr);
/* The user breakpoint at @addr (gdb's number), else NULL. */
struct breakpoint *bp_user_at(uint64_t addr);
/* Lift / put back the int3 at @addr (stepping over it). */
void bp_lift(uint64_t addr);
void bp_replant(uint64_t addr);

/* A read buffer shows the original bytes. */
void bp_shadow(uint64_t addr, void *buf, size_t len);
/* Data about to be written: the original bytes take it, int3s stay. */
void bp_overwrite(uint64_t addr, void *buf, size_t len);

/* Detach: every byte restored.  The process is gone: nothing to restore. */
void bp_remove_all(void);
void bp_forget_inserted(void);

/* Debug registers of every thread from the watchpoints; all cleared. */
void bp_apply_watchpoints(void);
void bp_clear_watchpoints(void);
/* The watchpoint whose slot fired in @th (its dr6), or NULL. */
struct breakpoint *bp_watch_hit(struct dthread *th);
/* Read the value a watchpoint watches.  0 or -1. */
int bp_watch_value(const struct breakpoint *b, uint64_t *value);
/* The value as gdb prints it (decimal, signed, of the watched size). */
long long bp_value_signed(const struct breakpoint *b, uint64_t v);

#endif
