// SPDX-License-Identifier: GPL-2.0
/*
 * machexc_test.ko: the KUnit suites of machexc.  Built only against kernels
 * with CONFIG_KUNIT; the suites run when the module is loaded and print
 * KTAP to the kernel log.
 */
#include <linux/module.h>

#include "../compat/compat.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for machexc");
MODULE_SOFTDEP("pre: machexc");
MACHEXC_IMPORT_KUNIT_NS();
