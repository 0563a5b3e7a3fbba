/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels machexc builds for (Debian's 6.1 and
 * 6.12), kept in one place so that the rest of the module reads as plain
 * current kernel code.
 */
#ifndef _MACHEXC_COMPAT_H
#define _MACHEXC_COMPAT_H

#include <linux/module.h>
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

#endif /* _MACHEXC_COMPAT_H */
