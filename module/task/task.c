// SPDX-License-Identifier: GPL-2.0
/*
 * The task object: task_for_pid(), pid_for_task(), task_threads(),
 * task_info(), and suspension.
 *
 * Suspension, as Mach counts it: a task has a suspend count, each of its
 * threads one of its own; a thread runs user code only while both are
 * zero.  Suspending sends each thread a park work (task_work_add() with
 * TWA_SIGNAL: a thread asleep in a system call is woken, and the call is
 * restarted as after a signal with SA_RESTART).  The park runs in the
 * thread itself on its way back to user space: it saves the thread's
 * state, publishes it on the thread port (thread_get/set_state read and
 * change it there), and sleeps, killable, until it is resumed; then what
 * was changed is put back.  No ptrace stop, no job-control stop: waitpid()
 * sees nothing, SIGKILL still ends it at once.
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
#include <linux/machexc.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "../msg/msg.h"
#include "../ports/ports.h"
#include "task.h"
#include "task.h"

/* The most task_suspend()s or thread_suspend()s not yet resumed. */
#define MX_SUSPEND_MAX	0x7fffffffU

/* A parked thread sleeps thus: killable, not counted as load. */
#define MX_PARK_STATE	(TASK_KILLABLE | TASK_NOLOAD)

/*
 * The task port a send right in @self names: its space, with a
 * reference, or NULL.  With self->lock held.
 */
struct mx_space *mx_task_lookup_locked(struct mx_space *self, u32 name)
{
	struct mx_entry *entry = mx_entry_lookup(self, name);
	struct mx_space *target;

	lockdep_assert_held(&self->lock);
	if (!entry || !(entry->type & MACH_PORT_TYPE_SEND) ||
	    entry->port->kotype != MX_KOBJECT_TASK)
		return NULL;
	spin_lock(&entry->port->lock);
	target = entry->port->kobject;	/* cleared before the space goes */
	if (target && !refcount_inc_not_zero(&target->ref))
		target = NULL;
	spin_unlock(&entry->port->lock);
	return target;
}

/*
 * May the caller act on @target now?  KERN_SUCCESS, MACH_SEND_INVALID_DEST
 * for a task that has exited (as a dead port), or KERN_FAILURE, refused.
 * Sleeps.
 */
mx_return_t mx_task_check(struct mx_space *self, struct mx_space *target)
{
	bool alive;

	if (target == self)
		return KERN_SUCCESS;
	rcu_read_lock();
	alive = READ_ONCE(target->active) && pid_task(target->pid, PIDTYPE_TGID);
	rcu_read_unlock();
	if (!alive)
		return MACH_SEND_INVALID_DEST;
	return mx_pid_may_access(target->pid) ? KERN_SUCCESS : KERN_FAILURE;
}

mx_return_t mx_thread_check(struct mx_space *self, struct mx_thread *th)
{
	return mx_task_check(self, mx_thread_space(th));
}

/*
 * task_for_pid(): a send right to the task port of process @pid, as the
 * caller's pid namespace numbers it, if the caller may ptrace it.  Every
 * refusal is KERN_FAILURE, as on macOS, and leaves nothing behind.
 * @task must be the caller's own task port.
 */
mx_return_t mx_task_for_pid(struct mx_space *self, u32 task, s32 pid, u32 *name)
{
	struct mx_space *target;
	struct task_struct *p;
	struct pid *spid;
	mx_return_t kr;

	mutex_lock(&self->lock);
	target = mx_task_lookup_locked(self, task);
	mutex_unlock(&self->lock);
	if (target)
		mx_space_put(target);
	if (target != self || pid <= 0)
		return KERN_FAILURE;

	spid = find_get_pid(pid);
	p = get_pid_task(spid, PIDTYPE_TGID);	/* a process, not a thread */
	if (!p) {
		put_pid(spid);
		return KERN_FAILURE;
	}
	if (!mx_pid_may_access(spid)) {
		put_task_struct(p);
		put_pid(spid);
		return KERN_FAILURE;
	}
	put_pid(spid);
	target = mx_space_of(p);
	put_task_struct(p);
	if (IS_ERR(target))
		return KERN_FAILURE;

	mutex_lock(&self->lock);
	kr = self->active && READ_ONCE(target->active) ?
		mx_right_copyout_send(self, target->task_port, name) : KERN_FAILURE;
	mutex_unlock(&self->lock);
	mx_space_put(target);
	return kr;
}

/*
 * pid_for_task(): the pid of the process whose task port @name is, as
 * the caller's pid namespace numbers it (0 if it cannot see it).  Holding
 * the send right is the permission, as on macOS.
 */
mx_return_t mx_pid_for_task(struct mx_space *self, u32 name, u32 *pid)
{
	struct mx_space *target;

	mutex_lock(&self->lock);
	target = mx_task_lookup_locked(self, name);
	mutex_unlock(&self->lock);
	if (!target)
		return KERN_FAILURE;
	*pid = pid_nr_ns(target->pid, task_active_pid_ns(current));
	mx_space_put(target);
	return KERN_SUCCESS;
}

/* A held array of a process's threads (struct mx_thread, referenced). */
struct thread_list {
	struct mx_thread **th;
	unsigned int n;
};

static void thread_list_put(struct thread_list *tl)
{
	unsigned int i;

	for (i = 0; i < tl->n; i++)
		mx_thread_put(tl->th[i]);
	kvfree(tl->th);
}

/* The live threads of @target's process, as task_struct references. */
static int collect_tasks(struct mx_space *target, struct task_struct ***out, unsigned int *n)
{
	unsigned int room = 16, i;
	struct task_struct *leader, *t, **tasks;
	bool full;

	for (;;) {
		tasks = kvcalloc(room, sizeof(*tasks), GFP_KERNEL_ACCOUNT);
		if (!tasks)
			return -ENOMEM;
		i = 0;
		full = false;
		rcu_read_lock();
		leader = pid_task(target->pid, PIDTYPE_TGID);
		if (leader) {
			for_each_thread(leader, t) {
				if (READ_ONCE(t->flags) & PF_EXITING)
					continue;
				if (i == room) {
					full = true;
					break;
				}
				get_task_struct(t);
				tasks[i++] = t;
			}
			if (full)
				room = max(room * 2, (unsigned int)get_nr_threads(leader) + 16);
		}
		rcu_read_unlock();
		if (!full)
			break;
		while (i)
			put_task_struct(tasks[--i]);
		kvfree(tasks);
		cond_resched();
	}
	*out = tasks;
	*n = i;
	return 0;
}

/*
 * Every live thread of @target, each with its thread object made if need
 * be (and referenced).  With target->lock held, for a caller that acts on
 * them under the same lock; drops nothing else.
 */
static mx_return_t collect_threads(struct mx_space *target, struct task_struct **tasks,
				   unsigned int n, struct thread_list *tl)
{
	unsigned int i;

	lockdep_assert_held(&target->lock);
	tl->n = 0;
	tl->th = kvcalloc(max(n, 1U), sizeof(*tl->th), GFP_KERNEL_ACCOUNT);
	if (!tl->th)
		return KERN_RESOURCE_SHORTAGE;
	for (i = 0; i < n; i++) {
		struct mx_thread *th = mx_thread_get(target, tasks[i]);

		if (!th) {
			thread_list_put(tl);
			return KERN_RESOURCE_SHORTAGE;
		}
		refcount_inc(&th->ref);
		tl->th[tl->n++] = th;
	}
	return KERN_SUCCESS;
}

static void put_tasks(struct task_struct **tasks, unsigned int n)
{
	while (n)
		put_task_struct(tasks[--n]);
	kvfree(tasks);
}

/*
 * task_threads(): a send right to each live thread's port, named in the
 * caller's space.  With fewer than that many slots (@capacity), nothing
 * is made and *@count says how many are needed.
 */
mx_return_t mx_task_threads(struct mx_space *self, struct mx_space *target, u32 capacity,
			    u32 *names, u32 *count)
{
	struct task_struct **tasks;
	struct thread_list tl;
	unsigned int n, i, j;
	mx_return_t kr;

	if (collect_tasks(target, &tasks, &n))
		return KERN_RESOURCE_SHORTAGE;
	*count = n;
	if (n > capacity) {
		put_tasks(tasks, n);
		return KERN_SUCCESS;
	}
	mutex_lock(&target->lock);
	kr = target->active ? collect_threads(target, tasks, n, &tl) : MACH_SEND_INVALID_DEST;
	mutex_unlock(&target->lock);
	put_tasks(tasks, n);
	if (kr != KERN_SUCCESS)
		return kr;

	mutex_lock(&self->lock);
	for (i = 0; i < tl.n && kr == KERN_SUCCESS; i++)
		kr = mx_right_copyout_send(self, mx_thread_kport(tl.th[i]), &names[i]);
	if (kr != KERN_SUCCESS) {
		/* All or nothing: take back the rights already given. */
		for (j = 0; j + 1 < i; j++) {
			struct mx_entry *entry = mx_entry_lookup(self, names[j]);

			if (entry)
				mx_entry_drop_send_uref(self, entry, false);
		}
	}
	mutex_unlock(&self->lock);
	*count = kr == KERN_SUCCESS ? tl.n : 0;
	thread_list_put(&tl);
	return kr;
}

/* A park work: what a thread runs, on its way out, to stop. */
struct mx_park {
	struct callback_head cb;
	struct mx_space *space;		/* a reference */
	struct mx_exc_state st;		/* its saved state while parked */
};

/* Stop here, in the thread itself, while it is suspended. */
static void park(struct mx_space *space, struct mx_thread *th, struct mx_exc_state *st)
{
	if (!mx_thread_suspended(th))
		return;
	mx_exc_state_save(st, NULL, 0, 0, 0);
	mx_thread_set_stopped(th, st);
	wait_event_state(space->suspend_wait, !mx_thread_suspended(th), MX_PARK_STATE);
	mx_thread_set_stopped(th, NULL);
	mx_exc_state_restore(st);
}

static void park_work(struct callback_head *cb)
{
	struct mx_park *pk = container_of(cb, struct mx_park, cb);
	struct mx_space *space = pk->space;
	struct mx_thread *th = NULL;

	if (!(current->flags & PF_EXITING)) {
		mutex_lock(&space->lock);
		if (space->active)
			th = mx_thread_get(space, current);
		if (th) {
			th->park_queued = false;
			refcount_inc(&th->ref);
		}
		mutex_unlock(&space->lock);
	}
	if (th) {
		park(space, th, &pk->st);
		mx_thread_put(th);
	}
	mx_space_put(space);
	kfree(pk);
	module_put(THIS_MODULE);
}

static struct mx_park *park_alloc(struct mx_space *space, gfp_t gfp)
{
	struct mx_park *pk;

	if (!try_module_get(THIS_MODULE))
		return NULL;
	pk = kmalloc(sizeof(*pk), gfp);
	if (!pk) {
		module_put(THIS_MODULE);
		return NULL;
	}
	pk->space = space;	/* the caller's reference passes to it */
	init_task_work(&pk->cb, park_work);
	return pk;
}

static void park_free(struct mx_park *pk)
{
	mx_space_put(pk->space);
	kfree(pk);
	module_put(THIS_MODULE);
}

/*
 * Send @th to its park unless a park work is on its way already.  With
 * space->lock held.  -ENOMEM, or 0 (also for a thread that is exiting).
 */
static int queue_park(struct mx_space *space, struct mx_thread *th)
{
	struct task_struct *task;
	struct mx_park *pk;

	lockdep_assert_held(&space->lock);
	if (th->park_queued)
		return 0;
	task = get_pid_task(th->pid, PIDTYPE_PID);
	if (!task)
		return 0;
	refcount_inc(&space->ref);
	pk = park_alloc(space, GFP_KERNEL_ACCOUNT);
	if (!pk) {
		mx_space_put(space);
		put_task_struct(task);
		return -ENOMEM;
	}
	if (task_work_add(task, &pk->cb, TWA_SIGNAL))
		park_free(pk);		/* exiting: it will never run user code */
	else
		th->park_queued = true;
	put_task_struct(task);
	return 0;
}

/* Has @th stopped running user code for good (until resumed)? */
static bool thread_halted(struct mx_thread *th)
{
	struct task_struct *t;
	bool ret;

	if (mx_thread_stopped(th) || !mx_thread_suspended(th))
		return true;
	rcu_read_lock();
	t = pid_task(mx_thread_pid(th), PIDTYPE_PID);
	ret = !t || (READ_ONCE(t->flags) & PF_EXITING) ||
	      (READ_ONCE(t->__state) & (__TASK_STOPPED | __TASK_TRACED));
	rcu_read_unlock();
	return ret;
}

/*
 * Wait (killable) until @th is stopped.  A thread leaving a job-control
 * stop or exiting wakes nobody, hence the poll at a tenth of a second.
 */
static void wait_halted(struct mx_space *space, struct mx_thread *th)
{
	if (mx_thread_pid(th) == task_pid(current))
		return;		/* it parks on its way out of this call */
	while (!thread_halted(th) && !fatal_signal_pending(current))
		wait_event_killable_timeout(space->suspend_wait, thread_halted(th), HZ / 10);
}

mx_return_t mx_task_suspend(struct mx_space *target)
{
	struct task_struct **tasks;
	struct thread_list tl;
	unsigned int n, i;
	mx_return_t kr;
	int err = 0;

	if (collect_tasks(target, &tasks, &n))
		return KERN_RESOURCE_SHORTAGE;
	mutex_lock(&target->lock);
	if (!target->active)
		kr = MACH_SEND_INVALID_DEST;
	else if (target->suspend_count >= MX_SUSPEND_MAX)
		kr = KERN_FAILURE;
	else
		kr = collect_threads(target, tasks, n, &tl);
	if (kr == KERN_SUCCESS) {
		WRITE_ONCE(target->suspend_count, target->suspend_count + 1);
		/* Seen by the fork hook of a thread made from now on. */
		smp_mb();
		for (i = 0; i < tl.n && !err; i++)
			err = queue_park(target, tl.th[i]);
		if (err) {
			/* No memory: undo, leaving no thread stopped. */
			WRITE_ONCE(target->suspend_count, target->suspend_count - 1);
			kr = KERN_RESOURCE_SHORTAGE;
		}
	}
	mutex_unlock(&target->lock);
	put_tasks(tasks, n);
	if (kr != KERN_SUCCESS) {
		if (err) {
			wake_up_all(&target->suspend_wait);
			thread_list_put(&tl);
		}
		return kr;
	}
	for (i = 0; i < tl.n; i++)
		wait_halted(target, tl.th[i]);
	thread_list_put(&tl);
	return KERN_SUCCESS;
}

mx_return_t mx_task_resume(struct mx_space *target)
{
	mx_return_t kr = KERN_SUCCESS;

	mutex_lock(&target->lock);
	if (!target->active)
		kr = MACH_SEND_INVALID_DEST;
	else if (!target->suspend_count)
		kr = KERN_FAILURE;
	else
		WRITE_ONCE(target->suspend_count, target->suspend_count - 1);
	mutex_unlock(&target->lock);
	if (kr == KERN_SUCCESS)
		wake_up_all(&target->suspend_wait);
	return kr;
}

mx_return_t mx_thread_suspend(struct mx_thread *th)
{
	struct mx_space *space = mx_thread_space(th);
	mx_return_t kr = KERN_SUCCESS;

	mutex_lock(&space->lock);
	if (!space->active || !READ_ONCE(th->port->kobject)) {
		kr = MACH_SEND_INVALID_DEST;
	} else if (th->suspend_count >= MX_SUSPEND_MAX) {
		kr = KERN_FAILURE;
	} else {
		WRITE_ONCE(th->suspend_count, th->suspend_count + 1);
		if (queue_park(space, th)) {
			WRITE_ONCE(th->suspend_count, th->suspend_count - 1);
			kr = KERN_RESOURCE_SHORTAGE;
		}
	}
	mutex_unlock(&space->lock);
	if (kr == KERN_SUCCESS)
		wait_halted(space, th);
	return kr;
}

mx_return_t mx_thread_resume(struct mx_thread *th)
{
	struct mx_space *space = mx_thread_space(th);
	mx_return_t kr = KERN_SUCCESS;

	mutex_lock(&space->lock);
	if (!space->active || !READ_ONCE(th->port->kobject))
		kr = MACH_SEND_INVALID_DEST;
	else if (!th->suspend_count)
		kr = KERN_FAILURE;
	else
		WRITE_ONCE(th->suspend_count, th->suspend_count - 1);
	mutex_unlock(&space->lock);
	if (kr == KERN_SUCCESS)
		wake_up_all(&space->suspend_wait);
	return kr;
}

/*
 * A thread that handled its exception stops here while it, or its task,
 * is suspended: its state stays published.  In the thread itself.
 */
void mx_task_wait_resumed(struct mx_space *space, struct mx_thread *th)
{
	wait_event_state(space->suspend_wait, !mx_thread_suspended(th), MX_PARK_STATE);
}

/*
 * From the fork hook (atomic), for a new thread of a process whose task
 * is suspended: it parks before its first user instruction.
 */
void mx_task_fork_thread(struct task_struct *parent, struct task_struct *child)
{
	struct mx_space *space = mx_space_find(parent);
	struct mx_park *pk;

	if (!space)
		return;
	if (!READ_ONCE(space->suspend_count)) {
		mx_space_put(space);
		return;
	}
	pk = park_alloc(space, GFP_ATOMIC | __GFP_ACCOUNT);
	if (!pk) {
		/* It could not be stopped: then it must not run at all. */
		mx_space_put(space);
		send_sig(SIGKILL, child, 1);
		return;
	}
	if (task_work_add(child, &pk->cb, TWA_RESUME))
		park_free(pk);
}

/* task_info(): MACH_TASK_BASIC_INFO. */
mx_return_t mx_task_info(struct mx_space *target, u32 flavor, u32 *buf, u32 *count)
{
	struct mx_task_basic_info *bi = (void *)buf;
	struct task_struct *task;
	struct mm_struct *mm;

	BUILD_BUG_ON(sizeof(*bi) != MACH_TASK_BASIC_INFO_COUNT * sizeof(u32));
	if (flavor != MACH_TASK_BASIC_INFO || *count < MACH_TASK_BASIC_INFO_COUNT)
		return KERN_INVALID_ARGUMENT;
	task = get_pid_task(target->pid, PIDTYPE_TGID);
	if (!task)
		return MACH_SEND_INVALID_DEST;
	memset(bi, 0, sizeof(*bi));
	mm = get_task_mm(task);
	if (mm) {
		unsigned long rss = get_mm_rss(mm);

		bi->virtual_size = (u64)READ_ONCE(mm->total_vm) << PAGE_SHIFT;
		bi->resident_size = (u64)rss << PAGE_SHIFT;
		bi->resident_size_max = (u64)max(rss, READ_ONCE(mm->hiwater_rss)) << PAGE_SHIFT;
		mmput(mm);
	}
	/* As macOS: the times of threads that have terminated. */
	bi->user_time = mx_time_value(READ_ONCE(task->signal->utime));
	bi->system_time = mx_time_value(READ_ONCE(task->signal->stime));
	bi->policy = POLICY_TIMESHARE;
	bi->suspend_count = READ_ONCE(target->suspend_count);
	put_task_struct(task);
	*count = MACH_TASK_BASIC_INFO_COUNT;
	return KERN_SUCCESS;
}
