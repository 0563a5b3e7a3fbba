// SPDX-License-Identifier: GPL-2.0
/*
 * Where machexc hooks into the kernel: tracepoints, found by name with
 * for_each_kernel_tracepoint() (their symbols are not exported to
 * modules) and attached with tracepoint_probe_register().  Probes run in
 * atomic context; they only look, and hand anything that sleeps to
 * process context.
 */
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "../ipc.h"
#include "hooks.h"

static void probe_process_exit(void *data, struct task_struct *p)
{
	mx_space_exit_notify(p);
}

static void probe_process_fork(void *data, struct task_struct *parent,
			       struct task_struct *child)
{
	mx_space_fork_notify(parent, child);
}

static void probe_process_exec(void *data, struct task_struct *p, pid_t old_pid,
			       struct linux_binprm *bprm)
{
	mx_space_exec_notify(bprm);
}

static void probe_signal_generate(void *data, int sig, struct kernel_siginfo *info,
				  struct task_struct *task, int group, int result)
{
	mx_exc_signal_generated(sig, info, task, result);
}

static struct mx_hook {
	const char *name;
	void *probe;
	struct tracepoint *tp;
} hooks[] = {
	{ "sched_process_exit", probe_process_exit },
	{ "sched_process_fork", probe_process_fork },
	{ "sched_process_exec", probe_process_exec },
	{ "signal_generate", probe_signal_generate },
};

static void find_tracepoint(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hooks); i++)
		if (!strcmp(tp->name, hooks[i].name))
			hooks[i].tp = tp;
}

static void unregister_hooks(unsigned int n)
{
	while (n--)
		tracepoint_probe_unregister(hooks[n].tp, hooks[n].probe, NULL);
	tracepoint_synchronize_unregister();
}

int mx_hooks_init(void)
{
	unsigned int i;
	int err;

	for_each_kernel_tracepoint(find_tracepoint, NULL);
	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		if (!hooks[i].tp) {
			pr_err("machexc: tracepoint %s not found\n", hooks[i].name);
			err = -ENOENT;
			goto fail;
		}
		err = tracepoint_probe_register(hooks[i].tp, hooks[i].probe, NULL);
		if (err)
			goto fail;
	}
	return 0;
fail:
	unregister_hooks(i);
	return err;
}

void mx_hooks_exit(void)
{
	unregister_hooks(ARRAY_SIZE(hooks));
}
