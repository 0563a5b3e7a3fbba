/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels machexc builds for (Debian's 6.1 and
 * 6.12), kept in one place so that the rest of the module reads as plain
 * current kernel code.
 */
#ifndef _MACHEXC_COMPAT_H
#define _MACHEXC_COMPAT_H

#include <linux/export.h>
#include <linux/kconfig.h>
#include <linux/version.h>

/*
 * Internals that the KUnit suites (machexc_test.ko) call are exported into
 * a symbol namespace of their own, and only in kernels built with KUnit.
 * 6.13 turned the namespace argument into a string literal.
 */
#if IS_ENABLED(CONFIG_KUNIT)
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define MACHEXC_EXPORT_FOR_TESTS(sym) EXPORT_SYMBOL_NS_GPL(sym, "MACHEXC_KUNIT")
#define MACHEXC_IMPORT_TESTS() MODULE_IMPORT_NS("MACHEXC_KUNIT")
#else
#define MACHEXC_EXPORT_FOR_TESTS(sym) EXPORT_SYMBOL_NS_GPL(sym, MACHEXC_KUNIT)
#define MACHEXC_IMPORT_TESTS() MODULE_IMPORT_NS(MACHEXC_KUNIT)
#endif
#else
#define MACHEXC_EXPORT_FOR_TESTS(sym)
#endif

#endif /* _MACHEXC_COMPAT_H */
