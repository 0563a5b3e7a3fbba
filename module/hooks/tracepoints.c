// SPDX-License-Identifier: GPL-2.0
/*
 * Where machexc hooks into the kernel: tracepoints, found by name with
 * for_each_kernel_tracepoint() (their symbols are not exported to
 * modules) and attached with tracepoint_probe_register().  Probes run in
 * atomic context; they only look, and hand anything that sleeps to
 * process context.
 *
 * A tracepoint with a probe costs every caller an indirect call, so each
 * group is attached only when first needed (mx_hooks_arm()) and stays
 * until the module goes: a machine where nobody has set an exception port
 * pays nothing on its signal path.
 */
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "../exc/exc.h"
#include "../task/task.h"
#include "hooks.h"

static void probe_process_exit(void *data, struct task_struct *p)
{
	mx_softsig_exit(p);
	mx_yield_exit(p);
	mx_task_exit_notify(p);
}

static void probe_process_fork(void *data, struct task_struct *parent,
			       struct task_struct *child)
{
	mx_task_fork_notify(parent, child);
}

static void probe_process_exec(void *data, struct task_struct *p, pid_t old_pid,
			       struct linux_binprm *bprm)
{
	mx_task_exec_notify(bprm);
}

/* The signals a fault raises: only these can become exceptions. */
#define FAULT_SIGNALS	(sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | \
			 sigmask(SIGFPE) | sigmask(SIGTRAP))

/*
 * Every signal of the machine comes here once a process has set an
 * exception port: any other signal, one sent to another thread, or a
 * fault of a process that cannot have an exception port is let go after
 * a few compares, without a call.
 */
static void probe_signal_generate(void *data, int sig, struct kernel_siginfo *info,
				  struct task_struct *task, int group, int result)
{
	if (sig < 1 || sig > SIGRTMIN || !(sigmask(sig) & FAULT_SIGNALS) || task != current ||
	    !mx_fault_may_raise())
		return;
	mx_exc_signal_generated(sig, info, task, result);
}

static void probe_signal_deliver(void *data, int sig, struct kernel_siginfo *info,
				 struct k_sigaction *ka)
{
	mx_softsig_delivered(sig);
}

static struct mx_hook {
	const char *name;
	void *probe;
	enum mx_hook_group group;
	struct tracepoint *tp;
	bool registered;
} hooks[] = {
	{ "sched_process_exit", probe_process_exit, MX_HOOKS_SPACES },
	{ "sched_process_fork", probe_process_fork, MX_HOOKS_SPACES },
	{ "sched_process_exec", probe_process_exec, MX_HOOKS_SPACES },
	{ "signal_generate", probe_signal_generate, MX_HOOKS_EXCEPTIONS },
	{ "signal_deliver", probe_signal_deliver, MX_HOOKS_SOFTSIG },
};

static DEFINE_MUTEX(hooks_lock);	/* registered, armed */
static bool armed[MX_HOOK_GROUPS];

static void find_tracepoint(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hooks); i++)
		if (!strcmp(tp->name, hooks[i].name))
			hooks[i].tp = tp;
}

static void unregister_hooks(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		if (hooks[i].registered)
			tracepoint_probe_unregister(hooks[i].tp, hooks[i].probe, NULL);
		hooks[i].registered = false;
	}
	tracepoint_synchronize_unregister();
}

/* Find every tracepoint now, so that a kernel without one fails to load. */
int mx_hooks_init(void)
{
	unsigned int i;

	for_each_kernel_tracepoint(find_tracepoint, NULL);
	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		if (!hooks[i].tp) {
			pr_err("machexc: tracepoint %s not found\n", hooks[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

/* Attach @group's probes, if not yet.  Sleeps; 0 or -errno. */
int mx_hooks_arm(enum mx_hook_group group)
{
	unsigned int i;
	int err = 0;

	/* Pairs with the release below: armed means the probes are in. */
	if (smp_load_acquire(&armed[group]))
		return 0;
	mutex_lock(&hooks_lock);
	for (i = 0; i < ARRAY_SIZE(hooks) && !armed[group]; i++) {
		if (hooks[i].group != group || hooks[i].registered)
			continue;
		err = tracepoint_probe_register(hooks[i].tp, hooks[i].probe, NULL);
		if (err)
			break;
		hooks[i].registered = true;
	}
	if (!err && group == MX_HOOKS_EXCEPTIONS)
		mx_kprobes_arm();
	if (!err && group == MX_HOOKS_SPACES)
		mx_kprobes_arm_yield();
	if (!err && group == MX_HOOKS_CRASH)
		err = mx_kprobes_arm_crash();
	if (!err && group == MX_HOOKS_SOFTSIG)
		err = mx_kprobes_arm_softsig();
	if (!err)	/* after the registrations, for the lockless test above */
		smp_store_release(&armed[group], true);
	mutex_unlock(&hooks_lock);
	return err;
}

void mx_hooks_exit(void)
{
	mx_kprobes_exit_softsig();
	mx_kprobes_exit();
	unregister_hooks();
}
