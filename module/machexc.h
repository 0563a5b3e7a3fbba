/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machexc: Mach exception ports for Linux -- declarations shared by the
 * module's parts.  Each folder of module/ owns one concern:
 *
 *   device/   the /dev/machexc misc device, ioctl dispatch, port fds
 *   names/    port spaces and their name tables
 *   ports/    ports, port sets, rights, notifications, mach_port_* calls
 *   msg/      messages: copyin/copyout of rights, queues, mach_msg
 *   exc/      exceptions: fault signal to exception, exception_raise messages
 *   hooks/    where the module attaches to the kernel (tracepoints)
 *   netlink/  the generic netlink family "machexc" (observers)
 *   compat/   differences between the kernels we build for
 *   tests/    KUnit suites (a module of their own: machexc_test.ko)
 */
#ifndef _MACHEXC_H
#define _MACHEXC_H

#include <linux/machexc.h>

struct file;
struct module;
struct machexc_port_fd;
struct machexc_stats;

/* device/dev.c */
int machexc_dev_init(void);
void machexc_dev_exit(void);
long machexc_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void machexc_version_get(struct machexc_version *v);
void machexc_stats_get(struct machexc_stats *s);

/* device/portfd.c */
long mx_port_fd(const struct machexc_port_fd *req);

/* main.c */
struct module *machexc_module(void);

#endif /* _MACHEXC_H */
