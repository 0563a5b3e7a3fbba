// SPDX-License-Identifier: GPL-2.0
/*
 * Kprobes at the entry of the kernel's "force a fault signal" functions
 * (force_sig() for the SI_KERNEL ones: int3, general protection),
 * armed with the exception tracepoint (hooks/tracepoints.c).  By the time
 * signal_generate fires, force_sig_info_to_task() has already reset a
 * blocked or ignored fault signal to SIG_DFL and unblocked it; these
 * probes let exc/raise.c see the disposition and mask from before, so
 * that an exception a handler resolves leaves both as they were.
 *
 * Best effort: a symbol this kernel lacks (or inlined everywhere) is
 * skipped, and such faults resume with the reset disposition, as before.
 * Handlers run in atomic context and only look.
 *
 * And the kprobes that bring a task work back after it stepped out to
 * get_signal() for a stop (mx_kprobes_arm_yield()).
 */
#include <linux/kprobes.h>
#include <linux/signal.h>

#include "../exc/exc.h"
#include "hooks.h"

/* force_sig(sig), force_sig_fault(sig, ...), force_sig_fault_to_task(...) */
static int pre_sig_fault(struct kprobe *kp, struct pt_regs *regs)
{
	mx_exc_fault_signal_coming((int)regs->di);
	return 0;
}

/* force_sig_info(info): force_sig() and friends */
static int pre_sig_info(struct kprobe *kp, struct pt_regs *regs)
{
	const struct kernel_siginfo *info = (const void *)regs->di;

	mx_exc_fault_signal_coming(info->si_signo);
	return 0;
}

static struct kprobe probes[] = {
	{ .symbol_name = "force_sig", .pre_handler = pre_sig_fault },
	{ .symbol_name = "force_sig_fault", .pre_handler = pre_sig_fault },
	{ .symbol_name = "force_sig_fault_to_task", .pre_handler = pre_sig_fault },
	{ .symbol_name = "force_sig_info", .pre_handler = pre_sig_info },
};

static bool registered[ARRAY_SIZE(probes)];

/*
 * get_signal() calls dequeue_signal() once its stops, traps and freezes
 * are done, and whatever clears TIF_SIGPENDING calls recalc_sigpending():
 * a task work that stepped out to get_signal() is queued again there
 * (exc/raise.c, mx_yield()).  Both or neither.
 */
static int pre_yield_resume(struct kprobe *kp, struct pt_regs *regs)
{
	mx_yield_resume();
	return 0;
}

static struct kprobe yield_probes[] = {
	{ .symbol_name = "dequeue_signal", .pre_handler = pre_yield_resume },
	{ .symbol_name = "recalc_sigpending", .pre_handler = pre_yield_resume },
};

static bool yield_registered;

/* With the hooks' lock held (tracepoints.c): with the first task. */
void mx_kprobes_arm_yield(void)
{
	struct kprobe *kps[ARRAY_SIZE(yield_probes)];
	unsigned int i;

	if (yield_registered)
		return;
	for (i = 0; i < ARRAY_SIZE(yield_probes); i++)
		kps[i] = &yield_probes[i];
	yield_registered = !register_kprobes(kps, ARRAY_SIZE(kps));
	if (!yield_registered)
		pr_info("machexc: no signal kprobes: threads waiting in exceptions or parked do not stop for SIGSTOP or the cgroup freezer\n");
	WRITE_ONCE(mx_yield_armed, yield_registered);
}

/* With the hooks' lock held (tracepoints.c). */
void mx_kprobes_arm(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		if (!registered[i])
			registered[i] = !register_kprobe(&probes[i]);
		n += registered[i];
	}
	if (!n)
		pr_info("machexc: no fault-signal kprobes: a resolved exception keeps the reset disposition\n");
}

void mx_kprobes_exit(void)
{
	struct kprobe *kps[ARRAY_SIZE(yield_probes)];
	unsigned int i;

	if (yield_registered) {
		WRITE_ONCE(mx_yield_armed, false);
		for (i = 0; i < ARRAY_SIZE(yield_probes); i++)
			kps[i] = &yield_probes[i];
		unregister_kprobes(kps, ARRAY_SIZE(kps));
		yield_registered = false;
	}

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		if (registered[i])
			unregister_kprobe(&probes[i]);
		registered[i] = false;
	}
}
