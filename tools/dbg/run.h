/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machexc-dbg: running the target -- continue, stepi, step, next, finish
 * -- and telling the user where and why it stopped; backtraces.
 *
 * Stepping is the trap flag, set with thread_set_state() on the one
 * thread that runs while the others are suspended (thread_suspend());
 * the single-step trap comes back as EXC_BREAKPOINT/EXC_I386_SGL.  A
 * thread stopped on a breakpoint is stepped over it that way, the int3
 * lifted for that one instruction.  step and next single-step to the next
 * line; calls they do not enter run at full speed to an internal
 * breakpoint at the return address.
 */
#ifndef MACHEXC_DBG_RUN_H
#define MACHEXC_DBG_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "threads.h"

/* Where the program is after attach/starti. */
void run_report_start(const char *how);
/* Frame 0 of @th as "0x... in f () at file:line", or its JSON members. */
void run_frame_text(struct dthread *th, char *buf, size_t size);
void run_frame_json(struct dthread *th);

void cmd_continue(const char *arg);
void cmd_stepi(const char *arg);
void cmd_step(const char *arg, bool over);
void cmd_finish(void);
void cmd_bt(const char *arg);

#endif
