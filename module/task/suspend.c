// SPDX-License-Identifier: GPL-2.0
/*
 * Suspension, as Mach counts it: a task has a suspend count, each of its
 * threads one of its own; a thread runs user code only while both are
 * zero.  Suspending sends each thread a park work (task_work_add() with
 * TWA_SIGNAL: a thread asleep in a system call is woken as by a signal; a
 * call that Linux restarts is restarted on resume, and one it never
 * restarts, such as epoll_wait(), returns EINTR, as after SIGSTOP and
 * SIGCONT).  The park runs in the
 * thread itself on its way back to user space: it saves the thread's
 * state, publishes it on the thread port (thread_get/set_state read and
 * change it there), and sleeps until it is resumed, with every signal
 * but SIGKILL and SIGSTOP held; then what was changed is put back.  No
 * ptrace stop, no job-control stop of its own: waitpid() sees nothing,
 * SIGKILL still ends it at once.  It takes part in the stops of others
 * (SIGSTOP, the cgroup freezer, ptrace traps) as a thread waiting for its
 * exception handler does: it steps out to get_signal() for them and parks
 * again after (mx_yield(), exc/raise.c).
 *
 * thread_suspend() and task_suspend() return once every thread they
 * stopped is stopped: parked, waiting in an exception (its state is
 * published there already), exiting, or in a job-control or ptrace stop
 * (those park when they continue).  A thread waiting in an exception
 * whose task is suspended meanwhile stays stopped after the handler's
 * reply, until resumed (exc/raise.c calls mx_task_wait_resumed()).
 *
 * Lock rules: task.h.
 */
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "../compat/compat.h"

#include "../exc/exc.h"
#include "../hooks/hooks.h"
#include "../ports/ports.h"
#include "task.h"

/* The most task_suspend()s or thread_suspend()s not yet resumed. */
#define MX_SUSPEND_MAX	0x7fffffffU

/* A park work: what a thread runs, on its way out, to stop. */
struct mx_park {
	struct callback_head cb;
	struct mx_task *task;		/* a reference (none while an exec_park) */
	bool at_exec;			/* sent by the exec hook: goes last first */
	bool count_exec;		/* then counts a task_suspend() */
	struct mx_thread *th;		/* parked (a reference), kept across stops */
	int wait_state;			/* MX_WAIT_STOPPABLE, else killable */
	sigset_t blocked;		/* the thread's own mask while parked */
	struct mx_yield yield;
	struct mx_exc_state st;		/* its saved state while parked */
};

/*
 * Stop here, in the thread itself, while it is suspended.  A system call
 * the park interrupted is first set up to run again, as the kernel would
 * do after us: the state a debugger reads is then "about to make that
 * call" (rip at the syscall instruction, rax its number), and one it sets
 * is not undone by a restart afterwards.  A thread stopped in an
 * exception waits to be resumed there itself.  False if it need not park.
 */
static bool park_begin(struct mx_park *pk)
{
	if (!mx_thread_suspended(pk->th) || mx_thread_stopped(pk->th))
		return false;
	/*
	 * Held for a crash report only: the process dies next, with the
	 * registers it would have died with (a core dump shows them).
	 */
	if (READ_ONCE(pk->th->suspend_count) || READ_ONCE(pk->task->suspend_count))
		mx_syscall_restart_now(task_pt_regs(current));
	mx_exc_state_save(&pk->st, NULL, 0, 0, 0);
	mx_thread_set_stopped(pk->th, &pk->st);
	mx_yield_wait_begin();	/* the kprobes its steps out need */
	mx_signals_hold(&pk->blocked, false);
	pk->wait_state = MX_WAIT_STOPPABLE;
	return true;
}

static void park_end(struct mx_park *pk)
{
	bool exiting = current->flags & PF_EXITING;

	mx_thread_set_stopped(pk->th, NULL);
	if (!exiting) {
		mx_exc_state_restore(&pk->st);
		mx_signals_release(&pk->blocked);
	}
	mx_exc_state_release(&pk->st);
	mx_yield_wait_end();
}

/* The thread the park is for, if it is to park: with a reference. */
static struct mx_thread *park_thread(struct mx_park *pk)
{
	struct mx_task *task = pk->task;
	struct mx_thread *th = NULL;

	/*
	 * Only in the program it was meant for: a secure exec in between
	 * made the task dead, and the new program is nobody's to stop.  Never
	 * in a process that is dying (a group exit, an exec's, a core dump):
	 * the thread that waits for the others to go would wait for ever.
	 */
	if (!(current->flags & PF_EXITING) && !READ_ONCE(task->dead) && !mx_process_dying()) {
		mutex_lock(&task->space.lock);
		if (task->space.active && !READ_ONCE(task->dead))
			th = mx_thread_get(task, current);
		if (th) {
			th->park_queued = false;
			refcount_inc(&th->ref);
		}
		mutex_unlock(&task->space.lock);
	}
	return th;
}

/*
 * The task_suspend() that an exec asked for (mx_task_exec_park()).  A
 * thread without its record (no memory for it) cannot be held, and the
 * new program must not run unheld: it is killed and counted, as a fork()ed
 * child whose ports could not be inherited is.
 */
static void park_count_exec(struct mx_park *pk)
{
	struct mx_task *task = pk->task;

	pk->count_exec = false;
	if (!pk->th) {
		if (!(current->flags & PF_EXITING) && !READ_ONCE(task->dead)) {
			atomic_long_inc(&mx_nr_nomem);
			send_sig(SIGKILL, current, 1);
		}
		return;
	}
	mutex_lock(&task->space.lock);
	if (task->space.active && !READ_ONCE(task->dead) &&
	    task->suspend_count < MX_SUSPEND_MAX)
		WRITE_ONCE(task->suspend_count, task->suspend_count + 1);
	mutex_unlock(&task->space.lock);
}

static void park_work(struct callback_head *cb)
{
	struct mx_park *pk = container_of(cb, struct mx_park, cb);
	bool parked = !!pk->th;

	if (pk->at_exec) {
		pk->at_exec = false;
		pk->count_exec = true;
		/*
		 * Park after the task works the exec queued before us (the
		 * deferred fput()s of close-on-exec files, run newest first):
		 * a launcher's close-on-exec pipe then tells it the exec is
		 * done.  task_work_run() runs a work queued meanwhile once
		 * the others have run.
		 */
		if (!task_work_add(current, &pk->cb, TWA_RESUME))
			return;
	}
	if (!parked) {
		pk->th = park_thread(pk);
		if (pk->count_exec)
			park_count_exec(pk);
		parked = pk->th && park_begin(pk);
	} else if (!(current->flags & PF_EXITING)) {
		mx_yield_back(&pk->yield);		/* back from a stop */
		mx_signals_hold(&pk->blocked, true);
	}
	if (parked && !(current->flags & PF_EXITING) &&
	    mx_task_wait_resumed(pk->task, pk->th, &pk->wait_state) == -EAGAIN) {
		mx_yield(&pk->yield, &pk->cb);
		return;		/* it parks again after the stop */
	}
	if (parked)
		park_end(pk);
	if (pk->th)
		mx_thread_put(pk->th);
	mx_task_put(pk->task);
	kfree(pk);
	module_put(THIS_MODULE);
}

static struct mx_park *park_alloc(struct mx_task *task, gfp_t gfp)
{
	struct mx_park *pk;

	if (!try_module_get(THIS_MODULE))
		return NULL;
	pk = kmalloc(sizeof(*pk), gfp);
	if (!pk) {
		module_put(THIS_MODULE);
		return NULL;
	}
	pk->task = task;	/* the caller's reference passes to it */
	pk->th = NULL;
	pk->at_exec = false;
	pk->count_exec = false;
	init_task_work(&pk->cb, park_work);
	return pk;
}

static void park_free(struct mx_park *pk)
{
	if (pk->task)
		mx_task_put(pk->task);
	kfree(pk);
	module_put(THIS_MODULE);
}

/*
 * Send @th to its park unless a park work is on its way already.  With
 * task->space.lock held.  -ENOMEM, or 0 (also for a thread that is exiting).
 */
static int queue_park(struct mx_task *task, struct mx_thread *th)
{
	struct task_struct *p;
	struct mx_park *pk;

	lockdep_assert_held(&task->space.lock);
	if (th->park_queued || READ_ONCE(task->dead))
		return 0;
	p = get_pid_task(th->pid, PIDTYPE_PID);
	if (!p)
		return 0;
	refcount_inc(&task->ref);
	pk = park_alloc(task, GFP_KERNEL_ACCOUNT);
	if (!pk) {
		mx_task_put(task);
		put_task_struct(p);
		return -ENOMEM;
	}
	if (task_work_add(p, &pk->cb, TWA_SIGNAL))
		park_free(pk);		/* exiting: it will never run user code */
	else
		th->park_queued = true;
	put_task_struct(p);
	return 0;
}

atomic_t mx_nr_exec_parks = ATOMIC_INIT(0);

/*
 * task_suspend_at_exec(): a park made now and kept on the task, without a
 * reference to it, until the exec hook sends it to the exec'ing thread
 * (mx_task_exec_park()).  There it counts a task_suspend() and parks,
 * before the new program's first instruction: POSIX_SPAWN_START_SUSPENDED
 * for a debugger that starts its program.  Asking twice is asking once.
 */
mx_return_t mx_task_suspend_at_exec(struct mx_task *target)
{
	struct mx_park *pk = park_alloc(NULL, GFP_KERNEL_ACCOUNT);
	mx_return_t kr = KERN_SUCCESS;

	if (!pk)
		return KERN_RESOURCE_SHORTAGE;
	pk->at_exec = true;
	mutex_lock(&target->space.lock);
	if (!target->space.active || READ_ONCE(target->dead)) {
		kr = MACH_SEND_INVALID_DEST;
	} else if (!target->exec_park) {
		WRITE_ONCE(target->exec_park, pk);
		atomic_inc(&mx_nr_exec_parks);
		pk = NULL;
	}
	mutex_unlock(&target->space.lock);
	if (pk)
		park_free(pk);
	return kr;
}

/*
 * The exec hook: @task's process has exec'd (not a secure exec), in the
 * exec'ing thread, its only one.  Atomic context, with the table of tasks
 * locked, so @task holds the table's reference and no put here is the
 * last.
 */
void mx_task_exec_park(struct mx_task *task)
{
	struct mx_park *pk = xchg(&task->exec_park, NULL);

	if (!pk)
		return;
	atomic_dec(&mx_nr_exec_parks);
	refcount_inc(&task->ref);
	pk->task = task;
	if (task_work_add(current, &pk->cb, TWA_RESUME))
		park_free(pk);
}

/* A task going away with an exec park nobody used.  Any context. */
void mx_task_exec_park_drop(struct mx_task *task)
{
	struct mx_park *pk = xchg(&task->exec_park, NULL);

	if (pk) {
		atomic_dec(&mx_nr_exec_parks);
		park_free(pk);
	}
}

/* Has @th stopped running user code for good (until resumed)? */
static bool thread_halted(struct mx_thread *th)
{
	struct task_struct *t;
	bool ret;

	if (mx_thread_stopped(th) || !mx_thread_suspended(th))
		return true;
	rcu_read_lock();
	t = pid_task(th->pid, PIDTYPE_PID);
	/* PF_SIGNALED: dying of a signal, it never runs user code again. */
	ret = !t || (READ_ONCE(t->flags) & (PF_EXITING | PF_SIGNALED)) ||
	      (READ_ONCE(t->__state) & (__TASK_STOPPED | __TASK_TRACED));
	rcu_read_unlock();
	return ret;
}

/*
 * Wait (killable, freezable) until @th is stopped, or past @deadline
 * (jiffies; 0: none).  A thread leaving a job-control stop or exiting
 * wakes nobody, hence the poll at a tenth of a second.
 */
static void wait_halted(struct mx_task *task, struct mx_thread *th, unsigned long deadline)
{
	if (th->pid == task_pid(current))
		return;		/* it parks on its way out of this call */
	while (!thread_halted(th) && !fatal_signal_pending(current) &&
	       (!deadline || time_before(jiffies, deadline))) {
		DEFINE_WAIT(wait);

		prepare_to_wait(&task->suspend_wait, &wait, MX_WAIT_KILLABLE);
		if (!thread_halted(th))
			schedule_timeout(HZ / 10);
		finish_wait(&task->suspend_wait, &wait);
	}
}

mx_return_t mx_task_suspend(struct mx_task *target)
{
	struct mx_thread_list tl;
	mx_return_t kr = KERN_SUCCESS;
	unsigned int i;
	int err = 0;

	/*
	 * Count first, then look for threads: one made after the count went
	 * up parks by itself (the fork hook), one made before is found.
	 */
	mutex_lock(&target->space.lock);
	if (!target->space.active || READ_ONCE(target->dead))
		kr = MACH_SEND_INVALID_DEST;
	else if (target->suspend_count >= MX_SUSPEND_MAX)
		kr = KERN_FAILURE;
	else
		WRITE_ONCE(target->suspend_count, target->suspend_count + 1);
	mutex_unlock(&target->space.lock);
	if (kr != KERN_SUCCESS)
		return kr;
	smp_mb();	/* pairs with the fork hook's read of the count */

	kr = mx_task_collect(target, &tl);
	if (kr == KERN_SUCCESS) {
		mutex_lock(&target->space.lock);
		for (i = 0; i < tl.n && !err; i++)
			err = queue_park(target, tl.th[i]);
		mutex_unlock(&target->space.lock);
		if (err) {
			kr = KERN_RESOURCE_SHORTAGE;
			mx_thread_list_put(&tl);
		}
	}
	if (kr != KERN_SUCCESS) {
		/* Undone: no thread stays stopped (those sent a park find it so). */
		mutex_lock(&target->space.lock);
		WRITE_ONCE(target->suspend_count, target->suspend_count - 1);
		mutex_unlock(&target->space.lock);
		wake_up_all(&target->suspend_wait);
		return kr;
	}
	for (i = 0; i < tl.n; i++)
		wait_halted(target, tl.th[i], 0);
	mx_thread_list_put(&tl);
	return KERN_SUCCESS;
}

mx_return_t mx_task_resume(struct mx_task *target)
{
	mx_return_t kr = KERN_SUCCESS;

	mutex_lock(&target->space.lock);
	if (!target->space.active)
		kr = MACH_SEND_INVALID_DEST;
	else if (!target->suspend_count)
		kr = KERN_FAILURE;
	else
		WRITE_ONCE(target->suspend_count, target->suspend_count - 1);
	mutex_unlock(&target->space.lock);
	if (kr == KERN_SUCCESS)
		wake_up_all(&target->suspend_wait);
	return kr;
}

mx_return_t mx_thread_suspend(struct mx_thread *th)
{
	struct mx_task *task = th->task;
	mx_return_t kr = KERN_SUCCESS;

	mutex_lock(&task->space.lock);
	if (!task->space.active || READ_ONCE(task->dead) || !READ_ONCE(th->port->kobject)) {
		kr = MACH_SEND_INVALID_DEST;
	} else if (th->suspend_count >= MX_SUSPEND_MAX) {
		kr = KERN_FAILURE;
	} else {
		WRITE_ONCE(th->suspend_count, th->suspend_count + 1);
		if (queue_park(task, th)) {
			WRITE_ONCE(th->suspend_count, th->suspend_count - 1);
			kr = KERN_RESOURCE_SHORTAGE;
		}
	}
	mutex_unlock(&task->space.lock);
	if (kr == KERN_SUCCESS)
		wait_halted(task, th, 0);
	return kr;
}

mx_return_t mx_thread_resume(struct mx_thread *th)
{
	struct mx_task *task = th->task;
	mx_return_t kr = KERN_SUCCESS;

	mutex_lock(&task->space.lock);
	if (!task->space.active || !READ_ONCE(th->port->kobject))
		kr = MACH_SEND_INVALID_DEST;
	else if (!th->suspend_count)
		kr = KERN_FAILURE;
	else
		WRITE_ONCE(th->suspend_count, th->suspend_count - 1);
	mutex_unlock(&task->space.lock);
	if (kr == KERN_SUCCESS)
		wake_up_all(&task->suspend_wait);
	return kr;
}

/*
 * A stopped thread (parked, or one that handled its exception) waits here
 * while it, or its task, is suspended: its state stays published.  In the
 * thread itself, with signals held (mx_signals_hold()).  0 once resumed
 * (or the task is dead), -EINTR if killed, -EAGAIN to step out to
 * get_signal() for a stop, a freeze or a ptrace trap.
 */
int mx_task_wait_resumed(struct mx_task *task, struct mx_thread *th, int *state)
{
	int err, how;

	for (;;) {
		how = *state | TASK_NOLOAD;	/* not counted as load */
		if (!wait_event_state(task->suspend_wait,
				      !mx_thread_suspended(th) || READ_ONCE(task->dead), how))
			return 0;
		err = mx_wait_interrupted(state);
		if (err)
			return err;
	}
}

/*
 * Hold every other thread of the current process, whose task is @task,
 * where it stands while the current thread reports its crash: a count
 * of its own, apart from the suspend count task_suspend() and
 * task_resume() see, and the same parks.  Returns once each is stopped,
 * past @deadline (jiffies; 0: none), or at once if the current thread is
 * killed.  A thread that cannot be
 * sent to its park (no memory) runs on, and is counted.  Sleeps; no
 * locks held.
 */
void mx_task_hold(struct mx_task *task, unsigned long deadline)
{
	struct mx_thread_list tl;
	unsigned int i;

	mutex_lock(&task->space.lock);
	WRITE_ONCE(task->hold_count, task->hold_count + 1);
	mutex_unlock(&task->space.lock);
	smp_mb();	/* pairs with the fork hook's read of the count */

	if (mx_task_collect(task, &tl) != KERN_SUCCESS) {
		atomic_long_inc(&mx_nr_nomem);
		return;
	}
	mutex_lock(&task->space.lock);
	for (i = 0; i < tl.n; i++)
		if (tl.th[i]->pid != task_pid(current) && queue_park(task, tl.th[i]))
			atomic_long_inc(&mx_nr_nomem);
	mutex_unlock(&task->space.lock);
	for (i = 0; i < tl.n; i++)
		wait_halted(task, tl.th[i], deadline);	/* not for the current thread */
	mx_thread_list_put(&tl);
}

/* The hold of mx_task_hold() let go.  Sleeps; no locks held. */
void mx_task_unhold(struct mx_task *task)
{
	mutex_lock(&task->space.lock);
	if (!WARN_ON_ONCE(!task->hold_count))
		WRITE_ONCE(task->hold_count, task->hold_count - 1);
	mutex_unlock(&task->space.lock);
	wake_up_all(&task->suspend_wait);
}

/*
 * From the fork hook (atomic), for a new thread of a process whose task
 * is suspended: it parks before its first user instruction.
 */
void mx_task_fork_thread(struct task_struct *parent, struct task_struct *child)
{
	struct mx_task *task = mx_task_find(parent);
	struct mx_park *pk;

	if (!task)
		return;
	if (!READ_ONCE(task->suspend_count) && !READ_ONCE(task->hold_count)) {
		mx_task_put(task);
		return;
	}
	pk = park_alloc(task, GFP_ATOMIC | __GFP_ACCOUNT | __GFP_NOWARN);
	if (!pk) {
		/* It could not be stopped: then it must not run at all. */
		mx_task_put(task);
		atomic_long_inc(&mx_nr_nomem);
		send_sig(SIGKILL, child, 1);
		return;
	}
	if (task_work_add(child, &pk->cb, TWA_RESUME))
		park_free(pk);
}

