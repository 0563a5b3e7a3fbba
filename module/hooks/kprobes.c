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
 * get_signal() for a stop (mx_kprobes_arm_yield()), and the one on the
 * core dump's entry that reports EXC_CRASH (mx_kprobes_arm_crash()).
 */
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>

#include "../compat/compat.h"
#include "../exc/exc.h"
#include "hooks.h"

#define ENDBR64_INSN	0xfa1e0ff3U	/* f3 0f 1e fa */

/* Where the function holding @addr starts, or 0 if it is not @name. */
static unsigned long function_start(unsigned long addr, const char *name)
{
	char sym[KSYM_SYMBOL_LEN], *plus;
	unsigned long off;
	size_t len = strlen(name);

	sprint_symbol(sym, addr);
	plus = strchr(sym, '+');
	if (!plus || plus - sym != len || strncmp(sym, name, len) ||
	    sscanf(plus, "+%lx/", &off) != 1)
		return 0;
	return addr - off;
}

/*
 * The address of the kernel function @name, exported or not, or 0: a
 * kprobe on it resolves it (and is unregistered at once), as LTTng does.
 * Sleeps; at load.
 */
unsigned long mx_kprobe_lookup(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	unsigned long start;

	if (register_kprobe(&kp))
		return 0;
	start = function_start((unsigned long)kp.addr, name);
	unregister_kprobe(&kp);
	return start;
}

/*
 * May a function found by mx_kprobe_lookup() be called through a
 * pointer?  On a kernel whose CPU enforces indirect-branch tracking
 * (IBT) it must start with ENDBR, which objtool removes from functions
 * nobody calls indirectly; kCFI would want a type hash we cannot give.
 */
bool mx_callable(unsigned long start)
{
	u32 insn = 0;

	if (MX_KCFI || get_kernel_nofault(insn, (u32 *)start))
		return false;
	return !cpu_feature_enabled(X86_FEATURE_IBT) || insn == ENDBR64_INSN;
}

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

/*
 * The core dump's entry (do_coredump(), vfs_coredump() from 6.17), which
 * get_signal() calls for every fatal signal of the core-dump set before
 * the process exits, whether a core is written or not.  Where the
 * process has someone to report its crash to (exc/crash.c decides), the
 * probe pins the module and sends the thread to mx_crash_coredump()
 * instead, with the same argument and return address: a tail call, as
 * fault injection overrides a function.  That one reports the crash and
 * then calls the real function, whose probe then lets it through (the
 * thread is marked while it calls it: exc/crash.c).  Atomic context;
 * only looks.
 */
static int pre_coredump(struct kprobe *kp, struct pt_regs *regs)
{
	/*
	 * The reference is mx_crash_coredump()'s to drop.  Taken here, not
	 * there: a thread that failed to take it there (the module going)
	 * could not call the real function, which sleeps, and come back.
	 */
	if (!mx_crash_wanted((const kernel_siginfo_t *)regs->di) ||
	    !try_module_get(THIS_MODULE))
		return 0;
	instruction_pointer_set(regs, (unsigned long)mx_crash_coredump);
	return 1;	/* the ip is changed: no single step */
}

/*
 * Empty, but the redirection needs it: a probe with a post handler is
 * never jump-optimized (an optimized probe ignores a changed ip) and on
 * ftrace is registered with IPMODIFY, without which the new ip may be
 * dropped (Documentation/trace/kprobes.rst, "Changing Execution Path").
 * It never runs: the pre handler that changes the ip skips the step.
 */
static void post_coredump(struct kprobe *kp, struct pt_regs *regs, unsigned long flags)
{
}

static struct kprobe crash_probe = { .symbol_name = MX_COREDUMP_SYMBOL,
				     .pre_handler = pre_coredump,
				     .post_handler = post_coredump };
static bool crash_registered;

/*
 * With the hooks' lock held (tracepoints.c): with the first EXC_CRASH
 * port.  0, or -errno (and EXC_CRASH is off for good: exc/crash.c).
 */
int mx_kprobes_arm_crash(void)
{
	int err;

	if (crash_registered)
		return 0;
	if (!mx_crash_available())
		return -EOPNOTSUPP;
	err = register_kprobe(&crash_probe);
	if (err) {
		pr_info("machexc: no kprobe on %s (%d): EXC_CRASH is not raised\n",
			MX_COREDUMP_SYMBOL, err);
		mx_crash_disable();
		return err;
	}
	crash_registered = true;
	return 0;
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

	if (crash_registered)
		unregister_kprobe(&crash_probe);
	crash_registered = false;

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
