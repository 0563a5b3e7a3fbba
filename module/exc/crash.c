// SPDX-License-Identifier: GPL-2.0
/*
 * EXC_CRASH: a process about to die of a signal reports it, as XNU's
 * proc_prepareexit() does, through the dying thread's thread, task and
 * host exception ports.
 *
 * Where: get_signal() calls the core dump's entry (do_coredump(); see
 * compat.h) for every fatal signal of Linux's core-dump set (SIGQUIT,
 * SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS, SIGXCPU,
 * SIGXFSZ; XNU kills without a report for the last two, Linux dumps core
 * for them: they are reported), after the signal was dequeued and before
 * do_group_exit(), whether or not a core is written.  That covers a fault
 * every level declined (its signal is delivered with SIG_DFL), abort()
 * and a signal sent by another process.  SIGKILL, and signals that only
 * terminate (SIGTERM, ...), never get there: they are not reported, as
 * macOS: XNU's proc_prepareexit() (bsd/kern/kern_exit.c) raises EXC_CRASH
 * only for a signal whose sigprop has SA_CORE (hassigprop(WTERMSIG(rv),
 * SA_CORE)), a code-signing kill (CS_KILLED) or an exit reason that asks
 * for a crash report.  A debugger sees them before delivery instead, as
 * EXC_SOFT_SIGNAL (exc/softsig.c).
 * A kprobe on that entry (hooks/kprobes.c), registered with the first
 * EXC_CRASH port, sends the thread here instead (mx_crash_coredump()),
 * in process context: it may sleep.  We report, then call the real
 * function, and the process dies exactly as it would have: the same core
 * dump, the same wait status, the same parent notification.
 *
 * What: EXC_CRASH with XNU's codes (mx_crash_code()), raised through the
 * levels as any exception (exc/raise.c's walk), the thread waiting for
 * each answer.  The reply cannot save the process, and the thread's
 * state is never put back: a changed state is ignored.  The wait is
 * killable (SIGKILL ends the report at once) and bounded by the
 * crash_timeout module parameter (seconds; 0 for none).  The hold of the
 * other threads (below) has a bound of its own, crash_hold_timeout
 * (seconds, at least 1), within crash_timeout: a thread that never halts
 * delays the report by that much at most.
 *
 * While it reports, the other threads of the process are held where
 * they stand (task/suspend.c's parks, a hold count of their own, apart
 * from the suspend count): the handler sees a process that stands still,
 * with every thread's registers and the memory readable through the task
 * and thread ports the message carries.  They stay held until the core
 * dump, which kills them as always.  One report per program (an exec
 * starts afresh): a second thread that crashes meanwhile waits for the
 * first report, then dies as Linux has it.  Not reported: signals the
 * kernel made immutable (SA_IMMUTABLE: seccomp's kill, a failed exec), a
 * process already in a group exit, an exec or a core dump, kernel and
 * 32-bit threads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "../compat/compat.h"
#include "../hooks/hooks.h"
#include "exc.h"
#include "../task/task.h"

static unsigned int crash_timeout = 30;
module_param(crash_timeout, uint, 0644);
MODULE_PARM_DESC(crash_timeout,
		 "Seconds a crashing process waits for its EXC_CRASH handlers (0: no limit)");

/*
 * The hold of the other threads has a bound of its own, whatever
 * crash_timeout says (even 0): a thread that never halts (one waiting in
 * vfork() for a child that never execs) must not keep the report from
 * being made.  At least a second.
 */
static unsigned int crash_hold_timeout = 10;
module_param(crash_hold_timeout, uint, 0644);
MODULE_PARM_DESC(crash_hold_timeout,
		 "Seconds a crashing process waits for its other threads to halt before it reports (at least 1)");

/* The real core dump entry, found at load; NULL if EXC_CRASH is off. */
static void (*coredump_fn)(const kernel_siginfo_t *info);

/*
 * The threads now in the real core dump's entry, called from
 * mx_crash_coredump(): the probe lets them through.  Each marks itself
 * on its own stack for that call; the probe looks under RCU.  A mark,
 * not the call's return address: a kretprobe, the function graph tracer
 * or any probe that runs before ours may have rewritten that one.
 */
struct crash_pass {
	struct hlist_node link;
	struct task_struct *thread;
};

#define CRASH_PASS_BITS	6
static DEFINE_HASHTABLE(crash_passing, CRASH_PASS_BITS);
static DEFINE_SPINLOCK(crash_passing_lock);

/* From the probe: is the current thread on its way into the real function?  Atomic. */
static bool crash_passing_through(void)
{
	struct crash_pass *pass;
	bool ret = false;

	rcu_read_lock();
	hash_for_each_possible_rcu(crash_passing, pass, link, (unsigned long)current)
		if (pass->thread == current) {
			ret = true;
			break;
		}
	rcu_read_unlock();
	return ret;
}

/*
 * Call the real core dump's entry, the current thread marked for the
 * probe.  Takes crash_passing_lock (not across the call); no locks held;
 * sleeps.
 */
static void crash_call_real(void (*real)(const kernel_siginfo_t *info),
			    const kernel_siginfo_t *info)
{
	struct crash_pass pass = { .thread = current };

	spin_lock(&crash_passing_lock);
	hash_add_rcu(crash_passing, &pass.link, (unsigned long)current);
	spin_unlock(&crash_passing_lock);
	real(info);
	spin_lock(&crash_passing_lock);
	hash_del_rcu(&pass.link);
	spin_unlock(&crash_passing_lock);
	synchronize_rcu();	/* no probe walks through @pass any more: it is on our stack */
}

/* At load: find the core dump's entry, and whether we may call it. */
void mx_crash_init(void)
{
	unsigned long start = mx_kprobe_lookup(MX_COREDUMP_SYMBOL);

	if (!start)
		pr_info("%s not found: EXC_CRASH is not raised\n", MX_COREDUMP_SYMBOL);
	else if (!mx_callable(start))
		pr_info("%s cannot be called under IBT or kCFI: EXC_CRASH is not raised\n",
			MX_COREDUMP_SYMBOL);
	else
		WRITE_ONCE(coredump_fn, (void *)start);
}

/* Is EXC_CRASH raised on this kernel (MACHEXC_FEATURE_CRASH)? */
bool mx_crash_available(void)
{
	return READ_ONCE(coredump_fn);
}

/* The kprobe could not be registered: EXC_CRASH is off for good. */
void mx_crash_disable(void)
{
	WRITE_ONCE(coredump_fn, NULL);
}

/*
 * code[0] of EXC_CRASH, as XNU's proc_prepareexit() makes it: the signal
 * in bits 24-31, the original exception's type in bits 20-23 and the low
 * 20 bits of its code below (both 0 for a signal no exception raised).
 * code[1] is the original subcode (the fault address).
 */
s64 mx_crash_code(int sig, const struct mx_exception *orig)
{
	return (s64)(((u32)(sig & 0xff) << 24) | ((orig->type & 0x0f) << 20) |
		     ((u32)orig->code[0] & 0xfffff));
}
EXPORT_SYMBOL_IF_KUNIT(mx_crash_code);

/*
 * From the kprobe on the core dump's entry: atomic context, the dying
 * thread.  Should it report its crash (the probe then pins the module
 * and sends it to mx_crash_coredump())?  Cheap for every process with no
 * EXC_CRASH port: a read or two.
 */
bool mx_crash_wanted(const kernel_siginfo_t *info)
{
	int sig = info->si_signo;

	if (!READ_ONCE(coredump_fn) ||
	    (current->flags & (PF_KTHREAD | PF_IO_WORKER | PF_EXITING)) ||
	    sig < 1 || sig > _NSIG || !sig_kernel_coredump(sig))
		return false;
	if (!(READ_ONCE(mx_host_exc_mask) & (1U << EXC_CRASH)) &&
	    !mx_task_handles(current->signal, EXC_CRASH))
		return false;
	/* Our own sighand: only our own exec could change it, and SA_IMMUTABLE stays. */
	if (mx_process_dying() || current->in_execve ||
	    (READ_ONCE(rcu_dereference_protected(current->sighand, true)
		       ->action[sig - 1].sa.sa_flags) & SA_IMMUTABLE) ||
	    !user_64bit_mode(task_pt_regs(current)))
		return false;
	return !crash_passing_through();
}

/*
 * Take the report for the current thread: false if its program has been
 * reported already, or another thread reports it now (then wait, killable
 * and freezable, until that one is done: the process dies once, as Linux has it).
 * Takes task->space.lock; sleeps.
 */
static bool crash_claim(struct mx_task *task)
{
	u64 exec_id = current->self_exec_id + 1;
	bool mine = false;

	mutex_lock(&task->space.lock);
	if (task->space.active && !task->crash_thread && task->crash_exec_id != exec_id) {
		task->crash_thread = current;
		task->crash_exec_id = exec_id;
		mine = true;
	}
	mutex_unlock(&task->space.lock);
	if (!mine)
		wait_event_state(task->suspend_wait, !READ_ONCE(task->crash_thread),
				 MX_WAIT_KILLABLE);
	return mine;
}

/* The report done.  Takes task->space.lock. */
static void crash_unclaim(struct mx_task *task)
{
	mutex_lock(&task->space.lock);
	task->crash_thread = NULL;
	mutex_unlock(&task->space.lock);
	wake_up_all(&task->suspend_wait);
}

/* Raise EXC_CRASH for the current thread, the others held.  No locks held. */
static void crash_raise(struct mx_task *task, const kernel_siginfo_t *info,
			unsigned long deadline)
{
	struct mx_exception orig = { }, exc = { .type = EXC_CRASH };
	unsigned long cr2 = 0, error_code = 0;
	unsigned int trap_nr = 0;
	struct mx_exc_state *st;
	kernel_siginfo_t si;
	struct mx_raise r;

	/* A fault's own exception (a kill()'s signal has none, nor an address). */
	copy_siginfo(&si, info);
	if (mx_exc_from_siginfo(info, current->thread.trap_nr, &orig)) {
		trap_nr = current->thread.trap_nr;
		error_code = current->thread.error_code;
		cr2 = current->thread.cr2;
	} else {
		si.si_addr = NULL;
	}
	exc.code[0] = mx_crash_code(info->si_signo, &orig);
	exc.code[1] = orig.code[1];

	st = kmalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);
	if (!st) {
		atomic_long_inc(&mx_nr_nomem);
		return;
	}
	mx_exc_state_save(st, &si, trap_nr, error_code, cr2);
	if (mx_raise_begin(&r, task, st, &exc, MX_WAIT_KILLABLE, deadline))
		mx_raise_levels(&r);	/* killed, timed out or done: it dies anyway */
	mx_raise_end(&r, false);
	mx_exc_state_release(st);
	kfree(st);
}

/*
 * In place of the core dump's entry (hooks/kprobes.c), in the dying
 * thread, with the module reference the probe took: report the
 * crash, then let the kernel dump core (the other threads are killed
 * there) and hand back to get_signal(), which ends the process.  No
 * locks held; sleeps.
 */
void mx_crash_coredump(const kernel_siginfo_t *info)
{
	void (*real)(const kernel_siginfo_t *info) = READ_ONCE(coredump_fn);
	struct mx_task *task = mx_task_current();
	bool mine = false;

	if (!IS_ERR(task)) {
		mine = crash_claim(task);
		if (mine) {
			/*
			 * crash_timeout bounds the whole report, the hold too;
			 * crash_hold_timeout the hold alone.
			 */
			unsigned long deadline =
				mx_deadline((unsigned long)READ_ONCE(crash_timeout) * HZ);
			unsigned long hold_deadline = mx_deadline((unsigned long)
				max(READ_ONCE(crash_hold_timeout), 1U) * HZ);

			if (deadline && time_before(deadline, hold_deadline))
				hold_deadline = deadline;
			mx_task_hold(task, hold_deadline);
			crash_raise(task, info, deadline);
		}
	}
	crash_call_real(real, info);
	if (mine) {
		mx_task_unhold(task);
		crash_unclaim(task);
	}
	if (!IS_ERR(task))
		mx_task_put(task);
	module_put(THIS_MODULE);
}
