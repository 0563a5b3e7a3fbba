// SPDX-License-Identifier: GPL-2.0
/*
 * Kprobes at the entry of the kernel's "force a fault signal" functions,
 * armed with the exception tracepoint (hooks/tracepoints.c).  By the time
 * signal_generate fires, force_sig_info_to_task() has already reset a
 * blocked or ignored fault signal to SIG_DFL and unblocked it; these
 * probes let exc/raise.c see the disposition and mask from before, so
 * that an exception a handler resolves leaves both as they were.
 *
 * Best effort: a symbol this kernel lacks (or inlined everywhere) is
 * skipped, and such faults resume with the reset disposition, as before.
 * Handlers run in atomic context and only look.
 */
#include <linux/kprobes.h>
#include <linux/signal.h>

#include "../exc/exc.h"
#include "hooks.h"

/* force_sig_fault(sig, code, addr) and force_sig_fault_to_task(..., t) */
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
	{ .symbol_name = "force_sig_fault", .pre_handler = pre_sig_fault },
	{ .symbol_name = "force_sig_fault_to_task", .pre_handler = pre_sig_fault },
	{ .symbol_name = "force_sig_info", .pre_handler = pre_sig_info },
};

static bool registered[ARRAY_SIZE(probes)];

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
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		if (registered[i])
			unregister_kprobe(&probes[i]);
		registered[i] = false;
	}
}
