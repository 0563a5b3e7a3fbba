// SPDX-License-Identifier: GPL-2.0
/*
 * machexc: Mach exception ports for Linux.
 *
 * Module entry points.  The design follows GNU Mach's kern/exception.c:
 * a synchronous fault becomes an exception_raise message sent to the
 * thread's, then the task's, then the host's exception port, and only
 * when nobody handles it does Linux deliver the original signal.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "hooks/hooks.h"
#include "exc/exc.h"
#include "msg/msg.h"
#include "names/names.h"
#include "netlink/netlink.h"
#include "ports/ports.h"
#include "task/task.h"
#include "vm/vm.h"
#include "machexc.h"

unsigned int mx_max_names = 65536;
EXPORT_SYMBOL_IF_KUNIT(mx_max_names);
module_param_named(max_names, mx_max_names, uint, 0644);
MODULE_PARM_DESC(max_names, "Names (rights) per port space");

unsigned int mx_max_msg_size = 256 * 1024;

/* Between a bare header and MX_MSG_SIZE_LIMIT: size + trailer fits a u32. */
static int max_msg_size_set(const char *val, const struct kernel_param *kp)
{
	unsigned int size;
	int err = kstrtouint(val, 0, &size);

	if (err)
		return err;
	if (size < sizeof(struct mach_msg_header) || size > MX_MSG_SIZE_LIMIT)
		return -EINVAL;
	WRITE_ONCE(mx_max_msg_size, size);
	return 0;
}

static const struct kernel_param_ops max_msg_size_ops = {
	.set = max_msg_size_set,
	.get = param_get_uint,
};

module_param_cb(max_msg_size, &max_msg_size_ops, &mx_max_msg_size, 0644);

/* At most 1 GiB: one message's out-of-line bytes. */
static int max_ool_size_set(const char *val, const struct kernel_param *kp)
{
	unsigned int size;
	int err = kstrtouint(val, 0, &size);

	if (err)
		return err;
	if (size > MX_OOL_SIZE_LIMIT)
		return -EINVAL;
	WRITE_ONCE(mx_max_ool_size, size);
	return 0;
}

static const struct kernel_param_ops max_ool_size_ops = {
	.set = max_ool_size_set,
	.get = param_get_uint,
};

module_param_cb(max_ool_size, &max_ool_size_ops, &mx_max_ool_size, 0644);
MODULE_PARM_DESC(max_ool_size, "Out-of-line bytes in one message (at most 1 GiB)");
MODULE_PARM_DESC(max_msg_size, "Largest message, header and body, in bytes (at most 64 MiB)");

DEFINE_SPINLOCK(mx_transit_lock);
atomic_long_t mx_nr_spaces, mx_nr_psets, mx_nr_nomem;
atomic_long_t mx_nr_ports;
EXPORT_SYMBOL_IF_KUNIT(mx_nr_ports);
atomic_long_t mx_nr_kmsgs;
EXPORT_SYMBOL_IF_KUNIT(mx_nr_kmsgs);

struct module *machexc_module(void)
{
	return THIS_MODULE;
}
EXPORT_SYMBOL_IF_KUNIT(machexc_module);

static int __init machexc_init(void)
{
	int err;

	err = mx_raise_init();
	if (err)
		return err;
	err = mx_access_init();
	if (err)
		goto fail_access;
	mx_crash_init();
	mx_softsig_init();
	err = mx_host_init();
	if (err)
		goto fail_access;
	err = mx_tasks_init();
	if (err)
		goto fail_spaces;
	err = mx_hooks_init();
	if (err)
		goto fail_hooks;
	err = mx_vm_init();
	if (err)
		goto fail_vm;
	err = machexc_dev_init();
	if (err)
		goto fail_dev;
	/*
	 * Last: once registered, the family can be used (dumps, events) at
	 * once, so nothing after it may fail and unwind under its users.
	 */
	err = mx_netlink_init();
	if (err)
		goto fail_netlink;
	mx_failinject_init();
	pr_info("version %s, API %u.%u\n", MACHEXC_VERSION,
		MACHEXC_API_MAJOR, MACHEXC_API_MINOR);
	return 0;

fail_netlink:
	machexc_dev_exit();
fail_dev:
	mx_vm_exit();
fail_vm:
	mx_hooks_exit();
fail_hooks:
	mx_tasks_shutdown();
fail_spaces:
	mx_host_exit();
fail_access:
	mx_raise_exit();
	return err;
}

static void __exit machexc_exit(void)
{
	mx_failinject_exit();
	mx_netlink_exit();
	machexc_dev_exit();
	mx_vm_exit();		/* drains allocations whose caller was killed */
	mx_hooks_exit();
	mx_tasks_shutdown();
	mx_host_exit();
	/*
	 * A task work (exc_work(), park_work()) drops its module reference
	 * as its last statement, and may be the last user: a park queued on
	 * a thread that is exiting runs from exit_task_work(), after the
	 * exit hook let the reap drop the task's reference.  Its epilogue
	 * still runs here.  RCU Tasks waits until every task has switched
	 * voluntarily or returned to user space since: nothing is left on
	 * our text, even preempted there (as ftrace waits for trampolines).
	 */
	synchronize_rcu_tasks();
	mx_raise_exit();
}

module_init(machexc_init);
module_exit(machexc_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The machexc developers");
MODULE_DESCRIPTION("Mach exception ports for Linux");
MODULE_VERSION(MACHEXC_VERSION);
/* Opening /dev/machexc (a node made by "kmod static-nodes") loads us. */
MODULE_ALIAS_MISCDEV(MACHEXC_MINOR);
MODULE_ALIAS("devname:" MACHEXC_DEVICE_NAME);
