/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MACHEXC_HOOKS_H
#define _MACHEXC_HOOKS_H

#include <linux/types.h>

/*
 * The hooks are attached on first need, so that a kernel where nobody uses
 * machexc (or nobody has set an exception port) pays nothing for them.
 */
enum mx_hook_group {
	MX_HOOKS_SPACES,	/* process exit, fork, exec: once a space exists */
	MX_HOOKS_EXCEPTIONS,	/* signal generation: once an exception port is set */
	MX_HOOKS_CRASH,		/* the core dump's entry: once an EXC_CRASH port is set */
	MX_HOOKS_SOFTSIG,	/* get_signal(), signal_deliver: once a task opts in */
	MX_HOOK_GROUPS,
};

int mx_hooks_init(void);
int mx_hooks_arm(enum mx_hook_group group);
void mx_hooks_exit(void);

/* kprobes.c: the fault signal's disposition before the kernel resets it. */
void mx_kprobes_arm(void);
void mx_kprobes_arm_yield(void);
void mx_yield_wait_begin(void);
void mx_yield_wait_end(void);
void mx_kprobes_exit(void);
int mx_kprobes_arm_crash(void);
unsigned long mx_kprobe_lookup(const char *name);
bool mx_callable(unsigned long start);

/* getsignal.c: the kprobe on get_signal()'s entry (exc/softsig.c). */
int mx_kprobes_arm_softsig(void);
void mx_kprobes_exit_softsig(void);

/* failinject.c: the probes' atomic allocations, failable on demand. */
struct kmem_cache;

void mx_failinject_init(void);
void mx_failinject_exit(void);
void *mx_probe_alloc(size_t size);
void *mx_probe_cache_alloc(struct kmem_cache *cache);

/* kprobes.c's ftrace direct-call trampolines (asm; never called from C). */
void mx_fault_tramp(void);
void mx_yield_tramp(void);

#endif /* _MACHEXC_HOOKS_H */
