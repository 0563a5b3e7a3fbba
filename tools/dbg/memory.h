/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machexc-dbg: the target's memory through mach_vm_read_overwrite() and
 * mach_vm_write() -- the x command and memory writes.  Reads show the
 * program's own bytes where breakpoints are planted.
 */
#ifndef MACHEXC_DBG_MEMORY_H
#define MACHEXC_DBG_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/* What the memory holds (raw: breakpoints as planted).  Bytes read, or -1. */
long mem_read_raw(uint64_t addr, void *buf, size_t len);
long mem_read(uint64_t addr, void *buf, size_t len);
/* Write, text included (raw: no breakpoint bookkeeping).  0 or -1. */
int mem_write_raw(uint64_t addr, const void *buf, size_t len);
int mem_write(uint64_t addr, const void *buf, size_t len);

/* "x/NFU ADDR": @fmt is what follows the slash (may be NULL). */
void cmd_x(const char *fmt, const char *expr);
/* "set {TYPE} ADDR = VALUE": @arg is what follows "set ". */
void cmd_set_memory(const char *arg);
/* "info proc mappings"-like list of regions from mach_vm_region(). */
void cmd_info_regions(void);

#endif
