/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels machexc builds for (Debian's 6.1 and
 * 6.12), kept in one place so that the rest of the module reads as plain
 * current kernel code.
 */
#ifndef _MACHEXC_COMPAT_H
#define _MACHEXC_COMPAT_H

#include <linux/module.h>
#include <linux/sched.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <linux/sched/signal.h>
#include <linux/version.h>

/*
 * Internals that the KUnit suites call are exported with
 * EXPORT_SYMBOL_IF_KUNIT() (<kunit/visibility.h>); 6.13 turned the
 * namespace argument of MODULE_IMPORT_NS() into a string literal.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define MACHEXC_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define MACHEXC_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

/*
 * dequeue_signal() lost its task argument (always current) in 6.11.
 * Called with current->sighand->siglock held.
 */
static inline int mx_dequeue_signal(sigset_t *mask, kernel_siginfo_t *info,
				    enum pid_type *type)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	return dequeue_signal(mask, info, type);
#else
	return dequeue_signal(current, mask, info, type);
#endif
}

/*
 * Replace the current thread's x87/SSE state with an fxsave image before
 * it returns to user space.  kernel_fpu_begin() saves the user registers
 * to memory and marks them to be reloaded from there on the way out, so
 * what we write is what the thread gets back.  The state lives in
 * task_struct.thread.fpu up to 6.14 (x86_task_fpu() after).
 */
static inline void mx_fpu_write_fxsave(const void *fx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	struct fpu *fpu = x86_task_fpu(current);
#else
	struct fpu *fpu = &current->thread.fpu;
#endif

	kernel_fpu_begin();
	memcpy(&fpu->fpstate->regs.fxsave, fx, sizeof(struct fxregs_state));
	/* An XSAVE image restores FP/SSE from memory only if marked in use. */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		fpu->fpstate->regs.xsave.header.xfeatures |= XFEATURE_MASK_FPSSE;
	kernel_fpu_end();
}

#endif /* _MACHEXC_COMPAT_H */
