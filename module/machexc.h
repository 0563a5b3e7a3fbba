/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machexc: Mach exception ports for Linux -- declarations shared by the
 * module's parts.  Each folder of module/ owns one concern:
 *
 *   device/   the /dev/machexc misc device and its ioctl dispatch
 *   compat/   differences between the kernels we build for
 *   tests/    KUnit suites (a module of their own: machexc_test.ko)
 */
#ifndef _MACHEXC_H
#define _MACHEXC_H

#include <linux/machexc.h>

struct file;
struct module;

/* device/dev.c */
int machexc_dev_init(void);
void machexc_dev_exit(void);
long machexc_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void machexc_version_get(struct machexc_version *v);

/* main.c */
struct module *machexc_module(void);

#endif /* _MACHEXC_H */
