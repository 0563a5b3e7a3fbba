// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/machexc: the misc device through which user space reaches the
 * module, and the dispatch of its ioctls.
 *
 * The device has a fixed minor so that opening a node created from
 * modules.devname loads the module.  If another driver already owns that
 * minor we fall back to a dynamic one: the device still works, only the
 * on-demand loading is lost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "../exc/exc.h"
#include "../msg/msg.h"
#include "../ports/ports.h"
#include "../task/task.h"
#include "../vm/vm.h"
#include "call.h"
#include "../machexc.h"
#include <kunit/visibility.h>

void machexc_version_get(struct machexc_version *v)
{
	memset(v, 0, sizeof(*v));
	v->major = MACHEXC_API_MAJOR;
	v->minor = MACHEXC_API_MINOR;
	v->features = MACHEXC_FEATURE_VERSION | MACHEXC_FEATURE_IPC | MACHEXC_FEATURE_EXC |
		      MACHEXC_FEATURE_OOL | MACHEXC_FEATURE_LIMITS | MACHEXC_FEATURE_VM |
		      MACHEXC_FEATURE_VM_ALLOCATE | MACHEXC_FEATURE_MSG_STATS |
		      MACHEXC_FEATURE_LSEEK_MARK;
	if (mx_tasks_available())
		v->features |= MACHEXC_FEATURE_TASKS;
	if (mx_crash_available())
		v->features |= MACHEXC_FEATURE_CRASH;
	if (mx_softsig_available())
		v->features |= MACHEXC_FEATURE_SOFT_SIGNAL;
}
EXPORT_SYMBOL_IF_KUNIT(machexc_version_get);

void machexc_stats_get(struct machexc_stats *s)
{
	unsigned long handoffs, requeued;

	memset(s, 0, sizeof(*s));
	s->spaces = atomic_long_read(&mx_nr_spaces);
	s->ports = atomic_long_read(&mx_nr_ports);
	s->psets = atomic_long_read(&mx_nr_psets);
	s->kmsgs = atomic_long_read(&mx_nr_kmsgs);
	s->exc_raised = mx_exc_stat(MX_EXC_RAISED);
	s->exc_handoffs = mx_exc_stat(MX_EXC_HANDOFFS);
	s->exc_misses = mx_exc_stat(MX_EXC_QUEUED);
	s->exc_handled = mx_exc_stat(MX_EXC_HANDLED);
	s->tasks = atomic_long_read(&mx_nr_spaces);	/* one space per task */
	s->threads = atomic_long_read(&mx_nr_threads);
	s->nomem = atomic_long_read(&mx_nr_nomem);
	s->limit_hits = atomic_long_read(&mx_nr_limit_hits);
	mx_msg_handoff_counts(&handoffs, &requeued);
	s->msg_handoffs = handoffs;
	s->msg_requeued = requeued;
}
EXPORT_SYMBOL_IF_KUNIT(machexc_stats_get);

static long machexc_ioc_version(void __user *uarg)
{
	struct machexc_version v;

	machexc_version_get(&v);
	if (copy_to_user(uarg, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

static long machexc_ioc_port(void __user *uarg)
{
	struct machexc_port_op op;
	long ret;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	ret = mx_port_op(&op);
	if (ret >= 0 && copy_to_user(uarg, &op, sizeof(op)))
		return -EFAULT;
	return ret;
}

static long machexc_ioc_msg(void __user *uarg)
{
	struct machexc_msg m;
	struct mx_task *task;
	long ret;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	task = mx_task_current();
	if (IS_ERR(task))
		return PTR_ERR(task);
	ret = mx_mach_msg(&task->space, &m);
	mx_task_put(task);
	return ret;
}

static long machexc_ioc_port_fd(void __user *uarg)
{
	struct machexc_port_fd req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return mx_port_fd(&req);
}

static long machexc_ioc_stats(void __user *uarg)
{
	struct machexc_stats s;

	machexc_stats_get(&s);
	return copy_to_user(uarg, &s, sizeof(s)) ? -EFAULT : 0;
}

static long machexc_ioc_vm(void __user *uarg)
{
	struct machexc_vm_op op;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	return mx_vm_op(&op);
}

/*
 * Every command is matched whole (type, number, direction and size), so a
 * caller built against a different layout gets -ENOTTY, never a misread.
 */
long machexc_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MACHEXC_IOC_VERSION:
		return machexc_ioc_version(uarg);
	case MACHEXC_IOC_PORT:
		return machexc_ioc_port(uarg);
	case MACHEXC_IOC_MSG:
		return machexc_ioc_msg(uarg);
	case MACHEXC_IOC_PORT_FD:
		return machexc_ioc_port_fd(uarg);
	case MACHEXC_IOC_STATS:
		return machexc_ioc_stats(uarg);
	case MACHEXC_IOC_VM:
		return machexc_ioc_vm(uarg);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_IF_KUNIT(machexc_dev_ioctl);

/*
 * No position: lseek(fd, 0, SEEK_CUR) gives MACHEXC_LSEEK_MARK, by which
 * libmachexc tells, before each use, that its descriptor is still the
 * device's (a program may close it and the number go to another file).
 */
static loff_t machexc_dev_llseek(struct file *file, loff_t offset, int whence)
{
	return offset || whence != SEEK_CUR ? -ESPIPE : MACHEXC_LSEEK_MARK;
}

static const struct file_operations machexc_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = machexc_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = machexc_dev_llseek,
};

static struct miscdevice machexc_misc = {
	.minor = MACHEXC_MINOR,
	.name = MACHEXC_DEVICE_NAME,
	.fops = &machexc_fops,
	.mode = 0666,
};

int machexc_dev_init(void)
{
	int err;

	err = misc_register(&machexc_misc);
	if (err == -EBUSY) {
		pr_warn("minor %d is taken; using a dynamic minor (no autoload)\n",
			MACHEXC_MINOR);
		machexc_misc.minor = MISC_DYNAMIC_MINOR;
		err = misc_register(&machexc_misc);
	}
	return err;
}

void machexc_dev_exit(void)
{
	misc_deregister(&machexc_misc);
}
