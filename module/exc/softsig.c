// SPDX-License-Identifier: GPL-2.0
/*
 * EXC_SOFTWARE / EXC_SOFT_SIGNAL: a signal about to be delivered to a
 * thread of a task that asked for it (machexc_task_set_soft_signals())
 * is first reported through the thread's, task's and host's exception
 * ports, in the thread that takes it, as XNU reports a traced process's
 * signals to a debugger that set PT_SIGEXC.
 *
 * Where: get_signal() runs the thread's task work first thing, before it
 * takes siglock and dequeues anything.  A kprobe on get_signal()'s entry
 * (hooks/getsignal.c, armed with the first opt-in) queues our work there
 * when the thread's task opted in, has a handler for EXC_SOFTWARE and a
 * signal is pending that the thread does not block.  The work runs in the
 * thread, sleepable, ahead of ptrace's signal-delivery-stop, the signal's
 * handler and its default action, and before get_signal() decides to
 * restart an interrupted system call: whatever the report decides, the
 * rest is Linux's own path.
 *
 * Which signal: the one dequeue_signal() would give next (its order:
 * synchronous faults first, then the thread's own signals, then the
 * process's, each lowest first with the synchronous ones ahead), skipping
 * those Linux would discard without delivering them (SIG_IGN, or the
 * default action "ignore").  None is reported when that one is SIGKILL,
 * SIGSTOP, a signal the kernel made immutable (SA_IMMUTABLE), or a
 * synchronous fault the kernel raised (si_code > 0 in SIGSEGV, SIGBUS,
 * SIGILL, SIGTRAP, SIGFPE, SIGSYS): faults have exceptions of their own
 * (EXC_BAD_ACCESS ...; exc/raise.c), never reported twice.  A process's
 * signal is moved to the thread's own queue first, so that no other
 * thread takes (and reports) it meanwhile.
 *
 * Signals whose default action only terminates (SIGTERM, SIGINT, SIGHUP,
 * SIGUSR1, SIGPIPE, SIGALRM, real-time signals...), left at SIG_DFL, are
 * reported when the process's threads are ptraced, as a debugger's are
 * (PTRACE_SEIZE alone is enough): pick() reports one only to a ptraced
 * thread, and it ends the process unreported otherwise.  This is the
 * rule, for two reasons.  Linux: such a signal sent to a process becomes
 * a group SIGKILL at send time (complete_signal()), before any thread
 * reaches get_signal(), unless the thread it was sent to is ptraced (the
 * group leader for kill(pid)) or no thread can take it yet (blocked); so
 * it could be reported only sometimes, and pick() passing over it makes
 * an untraced thread's case the same every time.  The one exception: a
 * process whose leader is not ptraced while the thread that would take
 * the signal is loses it at send time all the same.  macOS:
 * EXC_SOFT_SIGNAL exists for a traced process only (XNU's
 * bsd/kern/kern_sig.c: issignal_locked() raises it through
 * do_bsdexception() for a P_LTRACED process with P_LSIGEXC, set by
 * PT_ATTACHEXC or PT_SIGEXC), and psignal_internal() makes a default
 * "kill" signal act as SIGKILL (thread_abort()) for an untraced process
 * only: a traced one is woken to find it in issignal_locked().  Caught,
 * ignored, stopping and core-dumping signals are reported either way (the
 * last then go on to EXC_CRASH, exc/crash.c), but for the init of a pid
 * namespace, which takes no default action but SIGKILL's and SIGSTOP's
 * (get_signal() discards the rest: so does pick()).
 *
 * What: EXC_SOFTWARE, code[0] EXC_SOFT_SIGNAL, code[1] the signal, raised
 * through the levels as any exception (exc/raise.c's walk), the thread
 * waiting for each answer with every other signal held; SIGKILL ends the
 * wait at once, and there is no timeout.  One report at a time per
 * thread: while one is under way (stepped out included) no other begins,
 * as they would share the thread's reply port and published state.  The
 * wait takes part in job control, the cgroup v2 freezer and ptrace traps
 * as a fault's does: the work steps out to get_signal() for them, its
 * report kept in struct soft_work, and carries on after (mx_yield(),
 * exc/raise.c; a mask the interrupted call saved, as ppoll()'s, stays
 * saved meanwhile).  Back from such a step, a report whose signal was
 * taken meanwhile (a tracer let it in, or discarded it) ends without
 * putting the saved state or the answer on top of what happened.  While
 * the thread waits, a handler may choose what it takes
 * (machexc_thread_set_soft_signal(), as macOS's PT_THUPDATE): 0 for
 * nothing, another signal to replace it (its siginfo then is ptrace's for
 * a changed signal: si_code SI_USER, si_pid and si_uid the chooser's).
 * KERN_SUCCESS from the level that chose applies the choice (none: the
 * signal as it is); anything else moves on, and after the last level the
 * signal is delivered as without the module.
 *
 * After: a signal let through stays where it was and is marked as
 * reported for this thread (the marks: a set of signal numbers per
 * thread), so that the next passes deliver it without another report;
 * the signal_deliver tracepoint (hooks/tracepoints.c) clears the mark
 * once Linux takes it.  The work then looks again: a signal that arrived
 * meanwhile and comes first is reported too.  A fatal one then goes on to
 * EXC_CRASH (exc/crash.c) as any.
 *
 * Not reported: signals dequeued by get_signal() in the same pass after a
 * job-control stop (the work runs only at its start); kernel threads,
 * io_uring workers and 32-bit threads.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "../compat/compat.h"
#include "../hooks/hooks.h"
#include "exc.h"
#include "../ports/ports.h"
#include "../task/task.h"

/* As kernel/signal.c's: the signals of a fault, delivered first. */
#define SOFT_SYNCHRONOUS_MASK \
	(sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | sigmask(SIGTRAP) | \
	 sigmask(SIGFPE) | sigmask(SIGSYS))

/* Can get_signal() be probed on this kernel (MACHEXC_FEATURE_SOFT_SIGNAL)? */
static bool softsig_ok;

/* Reports made and choices applied, for the stats of tests and tools. */
atomic_long_t mx_nr_soft_reports;

/*
 * The task work, one per get_signal() that may have a signal to report.
 * A report under way is kept here across the times the thread steps out
 * to get_signal() for a stop, a freeze or a ptrace trap (exc/raise.c,
 * mx_yield()): the work is queued again after, and carries on.
 */
struct soft_work {
	struct callback_head cb;
	bool retried;		/* run again once after a pending fault's own work */
	struct mx_task *task;	/* a reference, from the first report on */

	bool started;		/* a report is under way: the rest is set up */
	int sig;		/* the signal reported */
	struct mx_raise r;
	struct mx_soft_report rep;
	struct mx_exc_state *st;
	struct soft_marks *spare;	/* a mark's record, allocated before the wait */
	sigset_t blocked;	/* the thread's own mask while it holds signals */
	unsigned long sys_ax;	/* the interrupted system call's return, */
	unsigned long sys_ip;	/* and where it was made */
	bool unrestarted;	/* its restart undone after a step out */
	bool gone;		/* the signal was taken while it stepped out */
	struct mx_yield yield;
	struct hlist_node busy_link;	/* in busy while a report is under way */
	struct task_struct *thread;	/* whose (a key only) */
};

/*
 * One report per thread: the works with a report under way, hashed by
 * thread.  A second would share the thread's reply port and its
 * published state, and could take the first one's answer.
 */
#define BUSY_BITS	6
static DEFINE_HASHTABLE(busy, BUSY_BITS);
static DEFINE_SPINLOCK(busy_lock);	/* busy; any context, innermost */
static atomic_t nr_busy;

/*
 * Has the current thread a report under way (stepped out, or queued
 * again)?  Takes busy_lock; any context.
 */
static bool report_under_way(void)
{
	struct soft_work *w;
	unsigned long flags;
	bool found = false;

	if (!atomic_read(&nr_busy))
		return false;
	spin_lock_irqsave(&busy_lock, flags);
	hash_for_each_possible(busy, w, busy_link, (unsigned long)current)
		if (w->thread == current) {
			found = true;
			break;
		}
	spin_unlock_irqrestore(&busy_lock, flags);
	return found;
}

/* @w's report begins (@on) or ends for the current thread.  Takes busy_lock. */
static void report_busy(struct soft_work *w, bool on)
{
	unsigned long flags;

	spin_lock_irqsave(&busy_lock, flags);
	if (on) {
		w->thread = current;
		hash_add(busy, &w->busy_link, (unsigned long)current);
		atomic_inc(&nr_busy);
	} else {
		hash_del(&w->busy_link);
		atomic_dec(&nr_busy);
	}
	spin_unlock_irqrestore(&busy_lock, flags);
}

/* The signals of one thread reported and let through, not yet taken. */
struct soft_marks {
	struct hlist_node link;
	struct task_struct *thread;	/* a key only */
	sigset_t sigs;
};

#define MARK_BITS	6
static DEFINE_HASHTABLE(marks, MARK_BITS);
static DEFINE_SPINLOCK(marks_lock);	/* marks; taken inside siglock */
static atomic_t nr_marks;

/* At load. */
void mx_softsig_init(void)
{
	softsig_ok = mx_kprobe_lookup("get_signal");
}

bool mx_softsig_available(void)
{
	return softsig_ok;
}

/* @p's marks, or NULL.  marks_lock held. */
static struct soft_marks *marks_find(struct task_struct *p)
{
	struct soft_marks *m;

	lockdep_assert_held(&marks_lock);
	hash_for_each_possible(marks, m, link, (unsigned long)p)
		if (m->thread == p)
			return m;
	return NULL;
}

/* Take @m out of the table; marks_lock held.  The caller frees it. */
static void marks_unhash(struct soft_marks *m)
{
	lockdep_assert_held(&marks_lock);
	hash_del(&m->link);
	atomic_dec(&nr_marks);
}

/*
 * Mark @sig reported for the current thread; *@spare (allocated by the
 * caller) becomes its record if it has none, and is then set to NULL.
 * Takes marks_lock; siglock held.
 */
static void marks_add(int sig, struct soft_marks **spare)
{
	struct soft_marks *m;
	unsigned long flags;

	lockdep_assert_held(&rcu_dereference_protected(current->sighand, true)->siglock);
	spin_lock_irqsave(&marks_lock, flags);
	m = marks_find(current);
	if (!m && *spare) {
		m = *spare;
		*spare = NULL;
		m->thread = current;
		sigemptyset(&m->sigs);
		hash_add(marks, &m->link, (unsigned long)current);
		atomic_inc(&nr_marks);
	}
	if (m)
		sigaddset(&m->sigs, sig);
	else
		atomic_long_inc(&mx_nr_nomem);	/* reported again: counted */
	spin_unlock_irqrestore(&marks_lock, flags);
}

/*
 * The current thread's marks, those no longer pending dropped, into
 * *@out.  Takes marks_lock; siglock held.
 */
static void marks_get(sigset_t *out)
{
	struct soft_marks *m, *gone = NULL;
	unsigned long flags;

	lockdep_assert_held(&rcu_dereference_protected(current->sighand, true)->siglock);
	sigemptyset(out);
	if (!atomic_read(&nr_marks))
		return;
	spin_lock_irqsave(&marks_lock, flags);
	m = marks_find(current);
	if (m) {
		sigandsets(&m->sigs, &m->sigs, &current->pending.signal);
		*out = m->sigs;
		if (sigisemptyset(&m->sigs)) {
			marks_unhash(m);
			gone = m;
		}
	}
	spin_unlock_irqrestore(&marks_lock, flags);
	kfree(gone);
}

/*
 * From the signal_deliver tracepoint: the current thread takes @sig
 * (siglock held, atomic).  One read for everyone without marks.
 */
void mx_softsig_delivered(int sig)
{
	struct soft_marks *m, *gone = NULL;
	unsigned long flags;

	if (!atomic_read(&nr_marks) || sig < 1 || sig > _NSIG)
		return;
	spin_lock_irqsave(&marks_lock, flags);
	m = marks_find(current);
	if (m) {
		sigdelset(&m->sigs, sig);
		if (sigisemptyset(&m->sigs)) {
			marks_unhash(m);
			gone = m;
		}
	}
	spin_unlock_irqrestore(&marks_lock, flags);
	kfree(gone);
}

/* From the process exit hook: @p's marks go.  Atomic. */
void mx_softsig_exit(struct task_struct *p)
{
	struct soft_marks *m;
	unsigned long flags;

	if (!atomic_read(&nr_marks))
		return;
	spin_lock_irqsave(&marks_lock, flags);
	m = marks_find(p);
	if (m)
		marks_unhash(m);
	spin_unlock_irqrestore(&marks_lock, flags);
	kfree(m);
}

/* A fault the kernel raised pending, which dequeue_signal() gives first?  siglock held. */
static bool fault_first(void)
{
	struct sigqueue *q;

	lockdep_assert_held(&rcu_dereference_protected(current->sighand, true)->siglock);
	if (!(current->pending.signal.sig[0] & ~current->blocked.sig[0] &
	      SOFT_SYNCHRONOUS_MASK))
		return false;
	list_for_each_entry(q, &current->pending.list, list)
		if (q->info.si_code > SI_USER &&
		    (sigmask(q->info.si_signo) & SOFT_SYNCHRONOUS_MASK))
			return true;
	return false;
}

/* The first of @x in next_signal()'s order, or 0. */
static int next_sig(unsigned long x)
{
	if (!x)
		return 0;
	if (x & SOFT_SYNCHRONOUS_MASK)
		x &= SOFT_SYNCHRONOUS_MASK;
	return __ffs(x) + 1;
}

/*
 * @sig's first siginfo in @from into *@info (as collect_signal() makes one
 * when none was queued); from the process's queue (@shared) it moves to
 * the thread's own.  siglock held.
 */
static void take(struct sigpending *from, bool shared, int sig, kernel_siginfo_t *info)
{
	struct sigqueue *q, *first = NULL;
	bool more = false;

	lockdep_assert_held(&rcu_dereference_protected(current->sighand, true)->siglock);
	list_for_each_entry(q, &from->list, list) {
		if (q->info.si_signo != sig)
			continue;
		if (first) {
			more = true;
			break;
		}
		first = q;
	}
	if (first) {
		copy_siginfo(info, &first->info);
	} else {
		clear_siginfo(info);
		info->si_signo = sig;
		info->si_code = SI_USER;
	}
	if (!shared)
		return;
	if (first)
		list_move_tail(&first->list, &current->pending.list);
	if (!more)
		sigdelset(&from->signal, sig);
	sigaddset(&current->pending.signal, sig);
	recalc_sigpending();
}

/*
 * The signal to report now, its siginfo in *@info: 0 if none (nothing
 * pending, or what comes next is not reported or reported already), -1
 * if a fault comes first.  siglock held.
 */
static int pick(kernel_siginfo_t *info)
{
	/* Our own sighand: only our own exec could change it. */
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, true);
	struct sigpending *sets[2] = { &current->pending, &current->signal->shared_pending };
	unsigned long x;
	sigset_t marked;
	int i, sig;

	lockdep_assert_held(&sighand->siglock);
	BUILD_BUG_ON(_NSIG_WORDS != 1);
	if (fault_first())
		return -1;
	marks_get(&marked);
	for (i = 0; i < 2; i++) {
		x = sets[i]->signal.sig[0] & ~current->blocked.sig[0];
		while ((sig = next_sig(x))) {
			struct k_sigaction *ka = &sighand->action[sig - 1];

			x &= ~sigmask(sig);
			if (sig == SIGKILL || sig == SIGSTOP || (ka->sa.sa_flags & SA_IMMUTABLE))
				return 0;
			if (!i && sigismember(&marked, sig))
				return 0;	/* reported: delivered next */
			if (ka->sa.sa_handler == SIG_IGN ||
			    (ka->sa.sa_handler == SIG_DFL && sig_kernel_ignore(sig)))
				continue;	/* Linux discards it, and goes on */
			/*
			 * The init of a pid namespace (SIGNAL_UNKILLABLE) is
			 * given no default action but SIGKILL's and SIGSTOP's:
			 * get_signal() discards the rest, and goes on.
			 */
			if (ka->sa.sa_handler == SIG_DFL && !current->ptrace &&
			    (current->signal->flags & SIGNAL_UNKILLABLE) && !sig_kernel_only(sig))
				continue;
			/* Default action "terminate", no core: traced only (above). */
			if (ka->sa.sa_handler == SIG_DFL && !current->ptrace &&
			    !siginmask(sig, SIG_KERNEL_COREDUMP_MASK | SIG_KERNEL_STOP_MASK))
				return 0;	/* it ends the process, unreported */
			take(sets[i], i, sig, info);
			return sig;
		}
	}
	return 0;
}

/*
 * Take @sig's first instance from the thread's queue (ours: it came first
 * and stays first), into *@info.  siglock held.
 */
static void drop_signal(int sig, kernel_siginfo_t *info)
{
	enum pid_type type;
	sigset_t mask;

	lockdep_assert_held(&rcu_dereference_protected(current->sighand, true)->siglock);
	siginitsetinv(&mask, sigmask(sig));
	mx_dequeue_signal(&mask, info, &type);
}

/*
 * Apply the answer to @w's report of @sig (the thread takes @choice: @sig
 * as it is, 0 for nothing, or another signal), or, without a report (no
 * memory), let @sig through.  No locks held.
 */
static void apply(struct soft_work *w, int sig, int choice)
{
	/* Our own sighand: only our own exec could change it. */
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, true);
	kernel_siginfo_t si;
	bool there;

	spin_lock_irq(&sighand->siglock);
	/* A SIGCONT flushes a pending stop signal meanwhile: nothing left. */
	there = sigismember(&current->pending.signal, sig);
	if (there && choice == sig)
		marks_add(sig, &w->spare);
	else if (there)
		drop_signal(sig, &si);
	spin_unlock_irq(&sighand->siglock);
	if (!there || choice == sig || !choice)
		return;
	/* As ptrace_signal() rewrites a signal its tracer changed. */
	clear_siginfo(&si);
	si.si_signo = choice;
	si.si_code = SI_USER;
	rcu_read_lock();
	si.si_pid = pid_vnr(w->rep.pid);
	si.si_uid = from_kuid_munged(current_user_ns(), w->rep.uid);
	rcu_read_unlock();
	send_sig_info(choice, &si, current);
	if (choice != SIGKILL && choice != SIGSTOP) {
		spin_lock_irq(&sighand->siglock);
		if (sigismember(&current->pending.signal, choice))
			marks_add(choice, &w->spare);
		spin_unlock_irq(&sighand->siglock);
	}
}

/*
 * Begin reporting @sig (@info) for the current thread of w->task: its
 * state saved and published on its thread port, the report on it for
 * machexc_thread_set_soft_signal(), every other signal held.  False if
 * it cannot be reported (no memory): the signal goes through as without
 * the module.  No locks held; sleeps.
 */
static bool report_begin(struct soft_work *w, int sig, const kernel_siginfo_t *info)
{
	struct mx_exception exc = { .type = EXC_SOFTWARE, .code = { EXC_SOFT_SIGNAL, sig } };
	kernel_siginfo_t si;

	w->sig = sig;
	w->gone = false;
	w->rep = (struct mx_soft_report){ .r = &w->r, .sig = -1 };
	w->spare = kzalloc(sizeof(*w->spare), GFP_KERNEL_ACCOUNT);
	w->st = kmalloc(sizeof(*w->st), GFP_KERNEL_ACCOUNT);
	if (!w->st)
		return false;
	clear_siginfo(&si);
	si.si_signo = sig;
	si.si_code = info->si_code;
	mx_exc_state_save(w->st, &si, 0, 0, 0);
	w->sys_ax = task_pt_regs(current)->ax;
	w->sys_ip = task_pt_regs(current)->ip;
	if (!mx_raise_begin(&w->r, w->task, w->st, &exc, MX_WAIT_STOPPABLE, 0)) {
		mx_exc_state_release(w->st);
		kfree(w->st);
		w->st = NULL;
		return false;
	}
	atomic_long_inc(&mx_nr_soft_reports);
	spin_lock(&mx_thread_kport(w->r.th)->lock);
	w->r.th->soft = &w->rep;
	spin_unlock(&mx_thread_kport(w->r.th)->lock);
	mx_yield_wait_begin();	/* the kprobes its steps out need */
	mx_signals_hold(&w->blocked, false);
	w->started = true;
	report_busy(w, true);
	return true;
}

/*
 * Back from a step out: was the reported signal taken meanwhile (a
 * tracer's PTRACE_SETSIGMASK let get_signal() deliver it, or its
 * signal-delivery-stop discarded it; a SIGCONT flushed a stop signal)?
 * Then what followed stands: neither the state nor the answer is put on
 * top of it.  No locks held.
 */
static bool report_gone(struct soft_work *w)
{
	/* Our own sighand: only our own exec could change it. */
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, true);
	unsigned long ip = task_pt_regs(current)->ip;
	bool there;

	spin_lock_irq(&sighand->siglock);
	there = sigismember(&current->pending.signal, w->sig);
	spin_unlock_irq(&sighand->siglock);
	return !there || (ip != w->sys_ip && ip != w->sys_ip - 2);
}

/*
 * Wait for the report's answers, from where it stood: 0 once it is done,
 * -EINTR if killed (or exiting), -EAGAIN to step out to get_signal() and
 * come back (@again: back from such a step).  No locks held; sleeps.
 */
static int report_wait(struct soft_work *w, bool again)
{
	int err;

	if (again) {
		if (current->flags & PF_EXITING)
			return -EINTR;	/* exiting while it stepped out */
		mx_yield_back(&w->yield);
		mx_signals_hold(&w->blocked, true);
		if (!w->gone)
			w->gone = report_gone(w);
		/*
		 * get_signal() found nothing after the stop and set the system
		 * call the reported signal interrupted up to restart: the
		 * signal is still to come, and decides, as without the stop.
		 */
		if (!w->gone &&
		    mx_syscall_restart_undo(task_pt_regs(current), w->sys_ax, w->sys_ip))
			w->unrestarted = true;
	}
	err = mx_raise_levels(&w->r);	/* at once if the levels are done */
	/* A debugger may have suspended us meanwhile: stay stopped till resumed. */
	if (!err)
		err = mx_task_wait_resumed(w->task, w->r.th, &w->r.wait_state);
	return err;
}

/*
 * The report is over (@err: 0, or -EINTR if killed or exiting): what it
 * holds let go, exactly once, and the answer applied unless killed.  No
 * locks held; sleeps.
 */
static void report_end(struct soft_work *w, int err)
{
	bool exiting = current->flags & PF_EXITING;
	int choice = w->sig;

	if (w->started) {
		spin_lock(&mx_thread_kport(w->r.th)->lock);
		w->r.th->soft = NULL;
		spin_unlock(&mx_thread_kport(w->r.th)->lock);
		if (!err && w->r.handled && w->rep.sig >= 0 && w->rep.level == w->r.handled_level)
			choice = w->rep.sig;
		mx_raise_end(&w->r, !w->gone);
		if (!exiting)
			mx_signals_release(&w->blocked);
		mx_yield_wait_end();
		report_busy(w, false);
		w->started = false;
	}
	if (w->st) {
		mx_exc_state_release(w->st);
		kfree(w->st);
		w->st = NULL;
	}
	/* Killed: SIGKILL is all that counts now.  Taken meanwhile: done. */
	if (!err && !w->gone)
		apply(w, w->sig, choice);
	put_pid(w->rep.pid);
	w->rep.pid = NULL;
	kfree(w->spare);
	w->spare = NULL;
}

/*
 * Report @sig (@info) for the current thread of w->task and apply the
 * answer: 0, -EINTR if killed, -EAGAIN if it stepped out (the work is
 * noted to run again, and carries on with report_wait()).  No locks
 * held; sleeps.
 */
static int report(struct soft_work *w, int sig, const kernel_siginfo_t *info)
{
	int err = 0;

	if (report_begin(w, sig, info))
		err = report_wait(w, false);
	if (err == -EAGAIN)
		return err;
	report_end(w, err);
	return err;
}

/*
 * Does the current process want its signals reported, and can it be?
 * No locks held.
 */
static bool wanted(void)
{
	return !(current->flags & (PF_KTHREAD | PF_IO_WORKER | PF_EXITING)) &&
	       !mx_process_dying() && !current->in_execve &&
	       ((READ_ONCE(mx_host_exc_mask) & (1U << EXC_SOFTWARE)) ||
		mx_task_handles(current->signal, EXC_SOFTWARE)) &&
	       mx_task_soft_signals(current->signal) &&
	       user_64bit_mode(task_pt_regs(current));
}

/*
 * The task work, first thing in get_signal(): report what comes next.
 * Run again after a step out (w->started), it first carries on with the
 * report it left.
 */
static void soft_work(struct callback_head *cb)
{
	struct soft_work *w = container_of(cb, struct soft_work, cb);
	/* Our own sighand: only our own exec could change it. */
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, true);
	kernel_siginfo_t info;
	int sig, err = 0;

	if (w->started) {
		err = report_wait(w, true);
		if (err == -EAGAIN)
			goto yield;
		report_end(w, err);
	} else if (report_under_way()) {
		goto done;	/* that one reports what comes after it, too */
	}
	while (!err) {
		if (fatal_signal_pending(current) || !wanted())
			break;
		spin_lock_irq(&sighand->siglock);
		sig = pick(&info);
		spin_unlock_irq(&sighand->siglock);
		/*
		 * A fault first: its own work (exc/raise.c) may be in this
		 * batch and take it away; look once more after it.
		 */
		if (sig < 0 && !w->retried) {
			w->retried = true;
			if (!task_work_add(current, &w->cb, TWA_NONE))
				return;
		}
		if (sig <= 0)
			break;
		if (!w->task) {
			w->task = mx_task_current();
			if (IS_ERR(w->task)) {
				w->task = NULL;
				break;	/* delivered unreported */
			}
		}
		err = report(w, sig, &info);
		if (err == -EAGAIN)
			goto yield;
	}
	/*
	 * A call whose restart was undone is returning its -ERESTART*: the
	 * thread must go through get_signal() once more, which delivers a
	 * signal or has the call restarted.
	 */
	if (w->unrestarted)
		set_thread_flag(TIF_SIGPENDING);
done:
	if (w->task)
		mx_task_put(w->task);
	kfree(w);
	module_put(THIS_MODULE);
	return;
yield:
	mx_yield(&w->yield, &w->cb);	/* back after the stop, the freeze, the trap */
}

/* Any pending signal the current thread does not block?  A racy peek. */
static bool any_pending(void)
{
	return (READ_ONCE(current->pending.signal.sig[0]) |
		READ_ONCE(current->signal->shared_pending.signal.sig[0])) &
	       ~READ_ONCE(current->blocked.sig[0]);
}

/*
 * From the kprobe on get_signal()'s entry (atomic): queue the work, which
 * get_signal() runs before it dequeues anything.  A few reads for every
 * thread whose process never opted in.
 */
void mx_softsig_get_signal(void)
{
	struct soft_work *w;

	if (!any_pending() || !wanted() || report_under_way())
		return;
	/* A thread reporting keeps the module loaded. */
	if (!try_module_get(THIS_MODULE))
		return;
	w = mx_probe_alloc(sizeof(*w));
	if (!w) {
		atomic_long_inc(&mx_nr_nomem);	/* delivered unreported: counted */
		goto fail;
	}
	init_task_work(&w->cb, soft_work);
	if (!task_work_add(current, &w->cb, TWA_NONE))
		return;
	kfree(w);
fail:
	module_put(THIS_MODULE);
}

/*
 * machexc_task_set_soft_signals(): @target's signals reported (@on) or
 * not.  The caller checked the task port (mx_task_check()).  Takes
 * target->space.lock; sleeps.
 */
mx_return_t mx_softsig_task_set(struct mx_task *target, bool on)
{
	mx_return_t kr = KERN_FAILURE;

	if (!softsig_ok)
		return KERN_NOT_SUPPORTED;
	if (on && mx_hooks_arm(MX_HOOKS_SOFTSIG))
		return KERN_FAILURE;
	mutex_lock(&target->space.lock);
	if (target->space.active) {
		WRITE_ONCE(target->soft_signals, on);
		kr = KERN_SUCCESS;
	}
	mutex_unlock(&target->space.lock);
	return kr;
}

/*
 * machexc_thread_set_soft_signal(): what @th, stopped in an
 * EXC_SOFT_SIGNAL report, takes if this level's handler answers
 * KERN_SUCCESS (0: nothing).  KERN_FAILURE if it is in no such report.
 * The caller checked the thread port.  Takes th's port lock.
 */
mx_return_t mx_softsig_thread_set(struct mx_thread *th, u32 sig)
{
	struct mx_port *port = mx_thread_kport(th);
	struct mx_soft_report *rep;
	mx_return_t kr = KERN_FAILURE;
	struct pid *old = NULL;

	if (sig > _NSIG)
		return KERN_INVALID_ARGUMENT;
	spin_lock(&port->lock);
	rep = th->soft;
	if (rep) {
		old = rep->pid;
		rep->sig = sig;
		rep->level = READ_ONCE(rep->r->level);
		rep->pid = get_pid(task_tgid(current));
		rep->uid = current_uid();
		kr = KERN_SUCCESS;
	}
	spin_unlock(&port->lock);
	put_pid(old);
	return kr;
}
