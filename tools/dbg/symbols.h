/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machexc-dbg: symbols, source lines and unwinding with elfutils' libdwfl.
 * Modules come from /proc/PID/maps (reported again when it changes: a
 * PIE's load address, libraries loaded later); the target's memory, for
 * the unwinder, from mach_vm_read_overwrite(), its registers from
 * thread_get_state().  Expressions (sym_eval) are numbers, $registers and
 * symbols, with + and -, & and * (8-byte load).
 */
#ifndef MACHEXC_DBG_SYMBOLS_H
#define MACHEXC_DBG_SYMBOLS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "threads.h"

struct location {
	uint64_t pc;
	char func[256];		/* "" if no symbol */
	uint64_t offset;	/* pc - the symbol's address */
	uint64_t func_addr;
	char file[256];		/* source file's base name, "" if no line */
	char path[PATH_MAX];	/* and its path, as the line table has it */
	int line;
	bool line_start;	/* pc is where that line's code begins */
	char module[PATH_MAX];	/* the file mapped at pc */
};

#define MAX_FRAMES 64

struct frame {
	uint64_t pc;
	struct location loc;
};

/* The target's mappings may have changed (it ran): look again when needed. */
void sym_invalidate(void);
void sym_reset(void);

/* A symbol's address and size (0 = found).  Silent. */
int sym_lookup(const char *name, uint64_t *addr, uint64_t *size);
/* Where "break SPEC" goes: FUNC (past its prologue), FILE:LINE, LINE, *ADDR. */
int sym_break_address(const char *spec, uint64_t *addr);
void sym_describe(uint64_t pc, struct location *loc);
/* "0x5555... <main+8>" and "<main+8>" ("" with no symbol). */
void sym_format_address(uint64_t addr, char *buf, size_t size);
void sym_format_label(uint64_t addr, char *buf, size_t size);
/* An expression's value (0), or -1 with the error said. */
int sym_eval(const char *expr, uint64_t *value);
/* @th's call stack, innermost first: the number of frames. */
int sym_backtrace(struct dthread *th, struct frame *frames, int max);
/* Line @line of @path, without its newline (false if unreadable). */
bool sym_source_line(const char *path, int line, char *buf, size_t size);

#endif
