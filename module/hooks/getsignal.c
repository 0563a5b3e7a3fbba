// SPDX-License-Identifier: GPL-2.0
/*
 * The kprobe on get_signal()'s entry, for EXC_SOFT_SIGNAL (exc/softsig.c):
 * get_signal() runs the thread's task work first thing, before it
 * dequeues anything, so a work queued here runs there, sleepable.
 * Registered with the first task that opts in (mx_hooks_arm()), kept
 * until the module goes.  The handler runs in atomic context and only
 * looks (and queues the work).
 */
#include <linux/kprobes.h>

#include "../exc/exc.h"
#include "hooks.h"

static int pre_get_signal(struct kprobe *kp, struct pt_regs *regs)
{
	mx_softsig_get_signal();
	return 0;
}

static struct kprobe get_signal_probe = { .symbol_name = "get_signal",
					  .pre_handler = pre_get_signal };
static bool registered;

/* With the hooks' lock held (tracepoints.c).  0, or -errno. */
int mx_kprobes_arm_softsig(void)
{
	int err;

	if (registered)
		return 0;
	err = register_kprobe(&get_signal_probe);
	if (err) {
		pr_info("machexc: no kprobe on get_signal (%d): EXC_SOFT_SIGNAL is not raised\n",
			err);
		return err;
	}
	registered = true;
	return 0;
}

/* At unload, with the other hooks. */
void mx_kprobes_exit_softsig(void)
{
	if (registered)
		unregister_kprobe(&get_signal_probe);
	registered = false;
}
