/* SPDX-License-Identifier: GPL-2.0 */
/* machexc-dbg: registers (x86_THREAD_STATE64): info registers, set $reg = V. */
#ifndef MACHEXC_DBG_REGS_H
#define MACHEXC_DBG_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include <mach/mach.h>

#include "threads.h"

/* A stopped thread's general registers.  0 or -1. */
int regs_get(struct dthread *th, x86_thread_state64_t *s);
int regs_set(struct dthread *th, const x86_thread_state64_t *s);
uint64_t regs_pc(struct dthread *th);

/* The value of register @name ("rax", "pc", "sp", "eax", ...) of the current thread. */
bool regs_lookup(const char *name, uint64_t *value);

void cmd_info_registers(const char *args);
/* "set $reg = V" with @assign "reg = V". */
void cmd_set_register(const char *assign);

#endif
