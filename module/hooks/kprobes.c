// SPDX-License-Identifier: GPL-2.0
/*
 * The hook at the entry of force_sig_info_to_task(), where the kernel
 * forces every fault signal (an ftrace direct call where the kernel has
 * them, else kprobes), armed with the exception tracepoint
 * (hooks/tracepoints.c).  By the time signal_generate fires, that
 * function has already reset a blocked or ignored fault signal to SIG_DFL
 * and unblocked it; the hook lets exc/raise.c see the disposition and
 * mask from before, so that an exception a handler resolves leaves both
 * as they were.
 *
 * Best effort: a symbol this kernel lacks (or inlined everywhere) is
 * skipped, and such faults resume with the reset disposition, as before.
 * The hook runs in any context and only looks.
 *
 * And the kprobes that bring a task work back after it stepped out to
 * get_signal() for a stop (mx_kprobes_arm_yield()), and the one on the
 * core dump's entry that reports EXC_CRASH (mx_kprobes_arm_crash()).
 */
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <linux/signal.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/ibt.h>
#include <asm/linkage.h>

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

/*
 * Where every forced signal passes: force_sig_info_to_task(info, t,
 * handler), static but a function of its own in the kernels we build for.
 * Every fault of the machine comes here while some process has exception
 * ports, so the hook is the cheapest there is: an ftrace direct call to
 * the trampoline below, which saves the argument registers and calls
 * mx_exc_fault_signal_forced() (no register frame, no probe lookup, no
 * recursion bookkeeping: it calls nothing that forces a signal).  Where
 * the kernel has no direct calls, a kprobe on it; where the function is
 * missing, kprobes on the exported entries that lead to it.
 */
#define FORCE_SYMBOL	"force_sig_info_to_task"

/* force_sig_info_to_task(info, t, handler) */
static int pre_sig_forced(struct kprobe *kp, struct pt_regs *regs)
{
	mx_exc_fault_signal_forced((const void *)regs->di, (struct task_struct *)regs->si,
				   (int)regs->dx);
	return 0;
}

static struct kprobe forced_probe = { .symbol_name = FORCE_SYMBOL,
				      .pre_handler = pre_sig_forced };
static bool forced_registered;

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
 * The rung of the fault-signal hook that mx_kprobes_arm() starts from,
 * chosen at load (fault_hook=, read-only afterwards): auto (the direct
 * call), kprobe or entries; each falls back to the rungs below it.  It
 * exists for the tests of the fallbacks (fault_hook_test), which every
 * test kernel would otherwise never arm, and for a kernel whose direct
 * call misbehaves.  Reading it back gives the rung asked for and the one
 * in use: "unarmed" until the first exception port is set, "none" if no
 * rung could be armed.
 */
enum fault_hook {
	FAULT_HOOK_DIRECT,	/* asked as "auto" */
	FAULT_HOOK_KPROBE,
	FAULT_HOOK_ENTRIES,
	FAULT_HOOK_NONE,
	FAULT_HOOK_UNARMED,
};

static const char * const fault_hook_asked[] = {
	[FAULT_HOOK_DIRECT] = "auto",
	[FAULT_HOOK_KPROBE] = "kprobe",
	[FAULT_HOOK_ENTRIES] = "entries",
};

static const char * const fault_hook_used[] = {
	[FAULT_HOOK_DIRECT] = "direct",
	[FAULT_HOOK_KPROBE] = "kprobe",
	[FAULT_HOOK_ENTRIES] = "entries",
	[FAULT_HOOK_NONE] = "none",
	[FAULT_HOOK_UNARMED] = "unarmed",
};

static unsigned int fault_hook_start = FAULT_HOOK_DIRECT;	/* written at load only */
static unsigned int fault_hook_in_use = FAULT_HOOK_UNARMED;	/* under the hooks' lock */

/* At load, with the module's parameter lock held: anything else is -EINVAL. */
static int fault_hook_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(fault_hook_asked, val);

	if (i < 0)
		return -EINVAL;
	fault_hook_start = i;
	return 0;
}

/* With the module's parameter lock held. */
static int fault_hook_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s %s\n", fault_hook_asked[fault_hook_start],
			  fault_hook_used[READ_ONCE(fault_hook_in_use)]);
}

static const struct kernel_param_ops fault_hook_ops = {
	.set = fault_hook_set,
	.get = fault_hook_get,
};

module_param_cb(fault_hook, &fault_hook_ops, NULL, 0444);
MODULE_PARM_DESC(fault_hook,
		 "Fault-signal hook to start from, at load only: auto (ftrace direct call), kprobe (on force_sig_info_to_task) or entries (on the force_sig*() entries), each falling back to the next; for tests and for kernels whose direct call misbehaves. Reads back as asked and in use");

#if MX_FTRACE_DIRECT

/*
 * The body of a trampoline for an ftrace direct call that calls @fn,
 * after its ENDBR and call-depth accounting: keeps every register a
 * function's arguments can be in (and %rax, as the kernel's ftrace_caller
 * does), so that the function gets them all back whatever it takes.  @fn
 * sees the first three as its own arguments.
 */
#define MX_TRAMP_CALL(fn)					\
"	pushq	%rbp\n"						\
"	movq	%rsp, %rbp\n"					\
"	pushq	%rdi\n"						\
"	pushq	%rsi\n"						\
"	pushq	%rdx\n"						\
"	pushq	%rcx\n"						\
"	pushq	%r8\n"						\
"	pushq	%r9\n"						\
"	pushq	%rax\n"						\
"	call	" #fn "\n"					\
"	popq	%rax\n"						\
"	popq	%r9\n"						\
"	popq	%r8\n"						\
"	popq	%rcx\n"						\
"	popq	%rdx\n"						\
"	popq	%rsi\n"						\
"	popq	%rdi\n"						\
"	leave\n"						\
	ASM_RET

/*
 * A trampoline @name for an ftrace direct call, entered from a kernel
 * function's first instruction, before its frame, that runs @body.
 */
#define MX_DIRECT_TRAMP_ASM(name, body)				\
asm("	.pushsection	.text, \"ax\", @progbits\n"		\
"	.type		" #name ", @function\n"			\
"	.globl		" #name "\n"				\
#name ":\n"							\
	ASM_ENDBR						\
	CALL_DEPTH_ACCOUNT					\
	body							\
"	.size		" #name ", .-" #name "\n"			\
"	.popsection\n")

/* A trampoline @name that calls @fn. */
#define MX_DIRECT_TRAMP(name, fn)	MX_DIRECT_TRAMP_ASM(name, MX_TRAMP_CALL(fn))

/*
 * One that returns at once, before any register is saved, while the int
 * @count is 0: for a hook that has nothing to do most of the time it is in.
 */
#define MX_DIRECT_TRAMP_IF(name, count, fn)			\
	MX_DIRECT_TRAMP_ASM(name,				\
"	cmpl	$0, " #count "(%rip)\n"				\
"	jne	1f\n"						\
	ASM_RET							\
"1:\n"								\
	MX_TRAMP_CALL(fn))

/* force_sig_info_to_task(info, t, handler) */
MX_DIRECT_TRAMP(mx_fault_tramp, mx_exc_fault_signal_forced);

static struct ftrace_ops forced_ops;
static bool forced_direct;

/* With the hooks' lock held: true if the direct call is in. */
static bool arm_forced_direct(void)
{
	unsigned long start = mx_kprobe_lookup(FORCE_SYMBOL);

	if (!start || ftrace_set_filter_ip(&forced_ops, start, 0, 0))
		return false;
	if (mx_register_ftrace_direct(&forced_ops, (unsigned long)mx_fault_tramp)) {
		ftrace_free_filter(&forced_ops);
		return false;
	}
	forced_direct = true;
	return true;
}

/*
 * At module exit (sleeps).  Unregistering a module's ftrace_ops already
 * waits for the tasks RCU grace periods; the one below says so in code,
 * at the cost of one more grace period per unload.
 */
static void disarm_forced_direct(void)
{
	if (!forced_direct)
		return;
	/* Fails only with ftrace dead (ftrace_disabled): nothing left to do. */
	WARN_ON_ONCE(mx_unregister_ftrace_direct(&forced_ops, (unsigned long)mx_fault_tramp));
	/* No task left inside the trampoline (it may be preempted there). */
	synchronize_rcu_tasks();
	forced_direct = false;
}
#else
static bool forced_direct;

static bool arm_forced_direct(void)
{
	return false;
}

static void disarm_forced_direct(void)
{
}
#endif

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

/*
 * Armed only while some thread may step out.  Every process on the
 * machine calls dequeue_signal() and recalc_sigpending() (each
 * sigprocmask() does), so the hooks (the direct call, else the kprobes;
 * "the kprobes" below) go in when a thread begins a stoppable wait
 * (mx_yield_wait_begin()) and come out once no thread has waited for
 * kprobe_linger_ms (a delayed work): registering patches the
 * kernel's text and waits for RCU, too dear to do per exception (a
 * minute by default: one patch per debugging session or burst).
 *
 * The race between a thread beginning to wait and the kprobes coming
 * out is settled on one atomic, the count of waiters: the disarming work
 * takes it from 0 to YIELD_DISARMING with a cmpxchg, or leaves the
 * kprobes in.  A waiter counts itself only while the count is not
 * negative, so either it counted itself first (the work then finds the
 * count above 0 and keeps them), or it finds the work at it and waits
 * for yield_mutex, which the work holds until the kprobes are out and the
 * count is 0 again, and registers them again itself.  A counted waiter
 * keeps them in until its wait ends: mx_yield_armed, which its steps out
 * read (mx_yield_possible()), is cleared only while the count is
 * YIELD_DISARMING.
 */
#define YIELD_DISARMING	INT_MIN

static DEFINE_MUTEX(yield_mutex);	/* yield_registered, _direct, _enabled, _failed */
static bool yield_registered;
static bool yield_direct;		/* ...as the direct call, not kprobes */
static bool yield_enabled;		/* a space exists: waits may begin */
static bool yield_failed;		/* they could not be registered... */
static unsigned long yield_retry;	/* ...and are tried again from then (jiffies) */
static atomic_t nr_yield_waiters;
static unsigned long yield_last_end;	/* jiffies of the last wait's end */
static unsigned int kprobe_linger_ms = 60000;

#define YIELD_RETRY	(10 * HZ)

static void yield_disarm(struct work_struct *work);
static DECLARE_DELAYED_WORK(yield_disarm_work, yield_disarm);

/* A new linger counts for a removal already pending, too. */
static int linger_set(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint(val, kp);

	/* Not before the first task, nor once the module is going. */
	if (!err && READ_ONCE(yield_enabled))
		mod_delayed_work(system_long_wq, &yield_disarm_work, 0);
	return err;
}

static const struct kernel_param_ops linger_ops = {
	.set = linger_set,
	.get = param_get_uint,
};

module_param_cb(kprobe_linger_ms, &linger_ops, &kprobe_linger_ms, 0644);
MODULE_PARM_DESC(kprobe_linger_ms,
		 "how long the signal kprobes stay armed after the last stoppable wait (ms)");

/*
 * The same as one ftrace direct call on both functions where the kernel
 * has them: every thread of the machine passes there while the hook is
 * in, and a direct call costs a few dozen instructions where a kprobe
 * costs a hundred and more.  Registered and unregistered with the
 * kprobes' rules below (yield_mutex); each registration starts from a
 * fresh ops.
 */
#if MX_FTRACE_DIRECT
/* Every thread of the machine passes here: most have stepped out of nothing. */
MX_DIRECT_TRAMP_IF(mx_yield_tramp, mx_nr_yielded_all, mx_yield_resume);

static struct ftrace_ops yield_ops;

/* With yield_mutex held: true if the direct call is in. */
static bool yield_direct_register(void)
{
	unsigned int i;

	lockdep_assert_held(&yield_mutex);
	/*
	 * As new each time: 6.1's ftrace_free_filter() frees the filter
	 * but leaves the ops pointing at it, and setting a filter again
	 * would copy and free it once more.
	 */
	memset(&yield_ops, 0, sizeof(yield_ops));
	for (i = 0; i < ARRAY_SIZE(yield_probes); i++) {
		unsigned long ip = mx_kprobe_lookup(yield_probes[i].symbol_name);

		if (!ip || ftrace_set_filter_ip(&yield_ops, ip, 0, 0))
			goto fail;
	}
	if (!mx_register_ftrace_direct(&yield_ops, (unsigned long)mx_yield_tramp))
		return true;
fail:
	ftrace_free_filter(&yield_ops);
	return false;
}

/* With yield_mutex held, the direct call in.  Sleeps. */
static void yield_direct_unregister(void)
{
	lockdep_assert_held(&yield_mutex);
	WARN_ON_ONCE(mx_unregister_ftrace_direct(&yield_ops, (unsigned long)mx_yield_tramp));
}
#else
static bool yield_direct_register(void)
{
	return false;
}

static void yield_direct_unregister(void)
{
}
#endif

/* With yield_mutex held, the caller counted as a waiter. */
static void yield_register_locked(void)
{
	struct kprobe *kps[ARRAY_SIZE(yield_probes)];
	unsigned int i;

	lockdep_assert_held(&yield_mutex);
	if (yield_registered || !yield_enabled ||
	    (yield_failed && time_before(jiffies, yield_retry)))
		return;
	yield_direct = yield_direct_register();
	if (yield_direct) {
		yield_registered = true;
		yield_failed = false;
		WRITE_ONCE(mx_yield_armed, true);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(yield_probes); i++) {
		kps[i] = &yield_probes[i];
		/* As new: register_kprobes() refuses one it has seen. */
		kps[i]->addr = NULL;
		kps[i]->flags = 0;
	}
	yield_registered = !register_kprobes(kps, ARRAY_SIZE(kps));
	/*
	 * A failure (no memory for an instruction slot, say) is not for
	 * good: a wait after YIELD_RETRY tries again.  Waits until then do
	 * not stop for SIGSTOP or the freezer.
	 */
	yield_failed = !yield_registered;
	if (yield_failed) {
		yield_retry = jiffies + YIELD_RETRY;
		pr_info_ratelimited("machexc: no signal kprobes: threads waiting in exceptions or parked do not stop for SIGSTOP or the cgroup freezer\n");
	}
	WRITE_ONCE(mx_yield_armed, yield_registered);
}

/* With yield_mutex held, and no waiter counted (or the module going). */
static void yield_unregister_locked(void)
{
	struct kprobe *kps[ARRAY_SIZE(yield_probes)];
	unsigned int i;

	lockdep_assert_held(&yield_mutex);
	if (!yield_registered)
		return;
	WRITE_ONCE(mx_yield_armed, false);
	if (yield_direct) {
		yield_direct_unregister();
		yield_direct = false;
		yield_registered = false;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(yield_probes); i++)
		kps[i] = &yield_probes[i];
	unregister_kprobes(kps, ARRAY_SIZE(kps));
	yield_registered = false;
}

/*
 * The current thread is about to begin a wait that may step out (exc/
 * raise.c, task/suspend.c): the kprobes in before it sleeps, unless they
 * cannot be (mx_yield_possible() then says no, and the wait is killable
 * only).  Pair with mx_yield_wait_end().  Sleeps; no locks held.
 */
void mx_yield_wait_begin(void)
{
	if (atomic_inc_unless_negative(&nr_yield_waiters)) {
		if (READ_ONCE(mx_yield_armed))
			return;
		mutex_lock(&yield_mutex);
	} else {
		/* Being disarmed: once that is done, count and arm again. */
		mutex_lock(&yield_mutex);
		atomic_inc(&nr_yield_waiters);
	}
	yield_register_locked();
	mutex_unlock(&yield_mutex);
}

/* Its wait is over (steps out included).  Any context. */
void mx_yield_wait_end(void)
{
	WRITE_ONCE(yield_last_end, jiffies);
	if (atomic_dec_and_test(&nr_yield_waiters))
		queue_delayed_work(system_long_wq, &yield_disarm_work,
				   msecs_to_jiffies(READ_ONCE(kprobe_linger_ms)));
}

/* The delayed work: out once nobody has waited for kprobe_linger_ms. */
static void yield_disarm(struct work_struct *work)
{
	unsigned long linger = msecs_to_jiffies(READ_ONCE(kprobe_linger_ms));
	unsigned long idle = jiffies - READ_ONCE(yield_last_end);

	if (idle < linger) {	/* used since it was queued: wait the rest */
		queue_delayed_work(system_long_wq, &yield_disarm_work, linger - idle);
		return;
	}
	mutex_lock(&yield_mutex);
	/* A waiter now queues the work again when its wait ends. */
	if (yield_registered && atomic_cmpxchg(&nr_yield_waiters, 0, YIELD_DISARMING) == 0) {
		yield_unregister_locked();
		atomic_set_release(&nr_yield_waiters, 0);
	}
	mutex_unlock(&yield_mutex);
}

/* With the hooks' lock held (tracepoints.c): with the first task. */
void mx_kprobes_arm_yield(void)
{
	mutex_lock(&yield_mutex);
	WRITE_ONCE(yield_enabled, true);
	mutex_unlock(&yield_mutex);
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

/*
 * With the hooks' lock held (tracepoints.c): the fault-signal hook, as a
 * direct call, else a kprobe on the same function, else kprobes on the
 * exported entries that lead to it; from the rung fault_hook= asks for.
 */
void mx_kprobes_arm(void)
{
	unsigned int i, n = 0;

	if (forced_direct || forced_registered)
		return;
	if (fault_hook_start <= FAULT_HOOK_DIRECT && arm_forced_direct()) {
		WRITE_ONCE(fault_hook_in_use, FAULT_HOOK_DIRECT);
		pr_info("machexc: fault-signal hook: a direct call at %s\n", FORCE_SYMBOL);
		return;
	}
	if (fault_hook_start <= FAULT_HOOK_KPROBE)
		forced_registered = !register_kprobe(&forced_probe);
	if (forced_registered) {
		WRITE_ONCE(fault_hook_in_use, FAULT_HOOK_KPROBE);
		pr_info("machexc: fault-signal hook: a kprobe at %s\n", FORCE_SYMBOL);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		if (!registered[i])
			registered[i] = !register_kprobe(&probes[i]);
		n += registered[i];
	}
	WRITE_ONCE(fault_hook_in_use, n ? FAULT_HOOK_ENTRIES : FAULT_HOOK_NONE);
	if (n)
		pr_info("machexc: fault-signal hook: %u kprobes on the force_sig*() entries\n", n);
	else
		pr_info("machexc: no fault-signal kprobes: a resolved exception keeps the reset disposition\n");
}

void mx_kprobes_exit(void)
{
	unsigned int i;

	if (crash_registered)
		unregister_kprobe(&crash_probe);
	crash_registered = false;

	/*
	 * No thread waits: each holds a reference to the module.  Nor is
	 * the removal queued again once a new linger can no longer do it.
	 */
	kernel_param_lock(THIS_MODULE);
	mutex_lock(&yield_mutex);
	WRITE_ONCE(yield_enabled, false);
	mutex_unlock(&yield_mutex);
	kernel_param_unlock(THIS_MODULE);
	cancel_delayed_work_sync(&yield_disarm_work);
	mutex_lock(&yield_mutex);
	yield_unregister_locked();
	yield_failed = false;
	mutex_unlock(&yield_mutex);

	disarm_forced_direct();
	if (forced_registered)
		unregister_kprobe(&forced_probe);
	forced_registered = false;
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		if (registered[i])
			unregister_kprobe(&probes[i]);
		registered[i] = false;
	}
}
