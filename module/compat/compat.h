/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels machexc builds for (Debian's 6.1 and
 * 6.12), kept in one place so that the rest of the module reads as plain
 * current kernel code.
 */
#ifndef _MACHEXC_COMPAT_H
#define _MACHEXC_COMPAT_H

#include <linux/module.h>
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

#endif /* _MACHEXC_COMPAT_H */
