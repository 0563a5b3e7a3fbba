// SPDX-License-Identifier: GPL-2.0
/*
 * The task object (GNU Mach's kern/task.c and kern/ipc_tt.c): its life,
 * and the task calls that name a task by its port.
 *
 * Life.  A process gets a task on its first Mach call (or when someone
 * calls task_for_pid() on it), keyed by its signal_struct, so all its
 * threads share it and a fork()ed child, with a signal_struct of its own,
 * starts empty.  It is torn down when the process's last thread exits:
 * the exit hook unhashes it at once, in atomic context, and a workqueue
 * item releases every right it held.  An exec that raises privileges does
 * the same (mx_task_exec_notify()).
 */
#include <linux/binfmts.h>
#include <linux/hash.h>
#include <linux/machexc.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "../compat/compat.h"
#include "../hooks/hooks.h"
#include "../machexc.h"
#include "../msg/msg.h"
#include "../ports/ports.h"
#include "task.h"

static DEFINE_SPINLOCK(tasks_lock);	/* tasks, inherits */
static DEFINE_HASHTABLE(tasks, 8);
static struct workqueue_struct *reap_wq;

/*
 * What a fork()ed child inherits (its parent's bootstrap port and task
 * exception ports), taken in the fork hook and held, keyed by the child's
 * signal_struct, until the child creates its task or exits without ever
 * using machexc; a child that forks before then passes a copy on.
 */
struct mx_inherit {
	struct hlist_node link;
	const void *key;
	struct mx_port *bootstrap;	/* a send right, or NULL */
	struct mx_exc_slot exc[EXC_TYPES_COUNT];	/* task exception ports */
	struct work_struct release;
	struct rcu_head rcu;
	bool pinned;			/* holds a module reference */
	bool keyed;			/* counted in mx_exc_keys: exc_keys_lock */
};

static DEFINE_HASHTABLE(inherits, 6);
static atomic_t nr_inherits = ATOMIC_INIT(0);

/*
 * The processes that may have exception ports (task.h): per bit of
 * mx_exc_keys, how many tasks and inheritance records of that hash are
 * counted.  Bits change only under exc_keys_lock, each recomputed from
 * its count there, so a setter and the last holder of the same bucket
 * going away cannot leave the bit clear while the count is not zero.
 * The lock is irq-safe: a task's last reference may go in any context.
 */
static DEFINE_SPINLOCK(exc_keys_lock);
static unsigned int exc_key_count[BIT(MX_EXC_KEY_BITS)];
unsigned long mx_exc_keys __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(mx_exc_keys);

/* With exc_keys_lock held: bit @b says whether its count is not zero. */
static void exc_key_update_locked(unsigned int b)
{
	lockdep_assert_held(&exc_keys_lock);
	assign_bit(b, &mx_exc_keys, exc_key_count[b]);
}

/*
 * Count @key's holder (a task or an inheritance record; *@counted is
 * its flag, under exc_keys_lock) in its bucket, unless it already is.
 * On return the bucket's bit is set, before the caller makes any
 * exception port of that holder visible (the unlock orders the set
 * before the caller's later stores).  Any context; takes exc_keys_lock.
 */
void mx_exc_key_get(const void *key, bool *counted)
{
	unsigned int b = hash_ptr(key, MX_EXC_KEY_BITS);
	unsigned long flags;

	spin_lock_irqsave(&exc_keys_lock, flags);
	if (!*counted) {
		*counted = true;
		exc_key_count[b]++;
		exc_key_update_locked(b);
	}
	spin_unlock_irqrestore(&exc_keys_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_key_get);

/*
 * Uncount it, if it is counted: once no exception port of it can be
 * visible to the fault hook any more.  The bucket's bit is cleared with
 * its last holder.  Any context; takes exc_keys_lock.
 */
void mx_exc_key_put(const void *key, bool *counted)
{
	unsigned int b = hash_ptr(key, MX_EXC_KEY_BITS);
	unsigned long flags;

	spin_lock_irqsave(&exc_keys_lock, flags);
	if (*counted) {
		*counted = false;
		if (!WARN_ON_ONCE(!exc_key_count[b]))
			exc_key_count[b]--;
		exc_key_update_locked(b);
	}
	spin_unlock_irqrestore(&exc_keys_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_key_put);

/*
 * @task may get task or thread exception ports: its process's bit is
 * set from now until the task is freed.  Before any such port is set;
 * once per task however often it is called.  Any context.
 */
void mx_task_mark_exc(struct mx_task *task)
{
	mx_exc_key_get(task->key, &task->exc_keyed);
}
EXPORT_SYMBOL_IF_KUNIT(mx_task_mark_exc);

/* Do @exc hold an exception port?  A racy peek. */
static bool exc_slots_any(const struct mx_exc_slot *exc)
{
	int i;

	for (i = 0; i < EXC_TYPES_COUNT; i++)
		if (READ_ONCE(exc[i].port))
			return true;
	return false;
}

/* The inheritance record of @key, left in the table.  Under tasks_lock. */
static struct mx_inherit *inherit_find(const void *key)
{
	struct mx_inherit *inh;

	lockdep_assert_held(&tasks_lock);
	hash_for_each_possible(inherits, inh, link, (unsigned long)key)
		if (inh->key == key)
			return inh;
	return NULL;
}

/* @inh out of the table (RCU readers may still see it).  Under tasks_lock. */
static void inherit_unhash(struct mx_inherit *inh)
{
	lockdep_assert_held(&tasks_lock);
	hash_del_rcu(&inh->link);
	atomic_dec(&nr_inherits);
}

static struct mx_inherit *inherit_take(const void *key)
{
	struct mx_inherit *inh = inherit_find(key);

	if (inh)
		inherit_unhash(inh);
	return inh;
}

static void inherit_release(struct work_struct *work)
{
	struct mx_inherit *inh = container_of(work, struct mx_inherit, release);

	if (inh->bootstrap)
		mx_port_release_send(inh->bootstrap);
	mx_exc_slots_release(inh->exc);
	mx_exc_key_put(inh->key, &inh->keyed);	/* out of the table already */
	kfree_rcu(inh, rcu);
	/* Module exit waits for this work: the put cannot free our text. */
	if (inh->pinned)
		module_put(THIS_MODULE);
}

static struct mx_task *task_find_key(const void *key)
{
	struct mx_task *task;

	hash_for_each_possible_rcu(tasks, task, link, (unsigned long)key)
		if (task->key == key)
			return task;
	return NULL;
}

/* After a grace period: no RCU reader still looks at the task or its pid. */
static void task_free_rcu(struct rcu_head *rcu)
{
	struct mx_task *task = container_of(rcu, struct mx_task, rcu);

	put_pid(task->pid);
	kfree(task);
}

static void task_free(struct mx_task *task)
{
	struct mx_exc_work *spare;

	/* Its exception ports went with mx_task_destroy(), or never were. */
	mx_exc_key_put(task->key, &task->exc_keyed);
	mx_task_exec_park_drop(task);
	/* A fault hook that found the task under RCU may be taking it too. */
	spare = xchg(&task->exc_spare, NULL);
	if (spare)
		mx_exc_work_free(spare);
	mx_space_fini(&task->space);
	if (task->port)
		mx_port_put(task->port);	/* destroyed by mx_task_destroy() */
	mx_kmsg_cache_put(task->space.kept);
	atomic_long_dec(&mx_nr_spaces);
	mx_uncharge(task->user, MX_LIMIT_SPACES);
	/*
	 * An RCU walk of the table (mx_tasks_next()) reads task->pid of a
	 * task it holds no reference on: the pid goes with the task, after a
	 * grace period, as delayed_put_pid() does for the kernel's own.  The
	 * callback is our text: the module's exit waits for it
	 * (rcu_barrier() in mx_tasks_shutdown(); queued before the
	 * module_put() below, so before any exit can begin).
	 */
	call_rcu(&task->rcu, task_free_rcu);
	/*
	 * The last put runs in module code that the module's exit waits for
	 * (an ioctl, the reap workqueue, a task work holding its own
	 * reference, a tracepoint probe), so this cannot free our text.
	 */
	module_put(THIS_MODULE);
}

void mx_task_put(struct mx_task *task)
{
	if (refcount_dec_and_test(&task->ref))
		task_free(task);
}
EXPORT_SYMBOL_IF_KUNIT(mx_task_put);

/* Release every right the task holds; the task stays allocated. */
void mx_task_destroy(struct mx_task *task)
{
	struct mx_exc_slot exc[EXC_TYPES_COUNT];
	struct mx_port *bootstrap;
	LIST_HEAD(reap);

	WRITE_ONCE(task->dead, true);
	wake_up_all(&task->suspend_wait);	/* no thread stays parked in it */
	mutex_lock(&task->space.lock);
	mx_space_release(&task->space, &reap);
	mx_threads_destroy(task, &reap);
	mutex_unlock(&task->space.lock);
	mx_task_exec_park_drop(task);	/* none comes after: dead, under the lock */

	spin_lock(&task->special_lock);
	bootstrap = task->bootstrap;
	task->bootstrap = NULL;
	memcpy(exc, task->exc, sizeof(exc));
	memset(task->exc, 0, sizeof(task->exc));
	task->exc_closed = true;
	spin_unlock(&task->special_lock);
	if (bootstrap)
		mx_port_release_send(bootstrap);
	mx_exc_slots_release(exc);

	/*
	 * Nobody can reach the task through its port any more.  The port's
	 * memory stays until the task goes (task_free()), as a thread's does:
	 * whoever holds the task may still copy a right to it out (a dead
	 * name then), as task_for_pid() racing with the process's exit does.
	 */
	spin_lock(&task->port->lock);
	task->port->kobject = NULL;
	spin_unlock(&task->port->lock);
	mx_port_destroy(task->port, &reap);
	mx_reap(&reap);
}
EXPORT_SYMBOL_IF_KUNIT(mx_task_destroy);

static void task_reap_work(struct work_struct *work)
{
	struct mx_task *task = container_of(work, struct mx_task, reap);

	mx_task_destroy(task);
	mx_task_put(task);	/* the reference the hash table held */
}

/*
 * A task for process @p (not yet in the table), charged to the caller's
 * user; ERR_PTR(-EAGAIN) at a cap on spaces or ports, -ENOMEM without
 * memory.
 */
struct mx_task *mx_task_create(struct task_struct *p)
{
	struct mx_user *user;
	struct mx_task *task;
	struct mx_entry *entry;
	int err = -ENOMEM;
	mx_return_t kr;

	/*
	 * Every task keeps the module loaded, so that an rmmod cannot drop
	 * the supervision of a process that closed its descriptor.
	 */
	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENODEV);
	user = mx_charge(MX_LIMIT_SPACES);
	if (!user) {
		module_put(THIS_MODULE);
		return ERR_PTR(-EAGAIN);
	}
	task = kzalloc(sizeof(*task), GFP_KERNEL_ACCOUNT);
	if (!task) {
		mx_uncharge(user, MX_LIMIT_SPACES);
		module_put(THIS_MODULE);
		return ERR_PTR(-ENOMEM);
	}
	task->user = user;
	refcount_set(&task->ref, 1);
	mx_space_init(&task->space);
	spin_lock_init(&task->special_lock);
	mx_exc_slots_init(task->exc);
	hash_init(task->threads);
	init_waitqueue_head(&task->suspend_wait);
	task->key = p->signal;
	task->pid = get_task_pid(p, PIDTYPE_TGID);
	INIT_WORK(&task->reap, task_reap_work);
	atomic_long_inc(&mx_nr_spaces);

	task->port = mx_port_alloc();
	if (!task->port) {
		err = -EAGAIN;
		goto fail;
	}
	task->port->kotype = MX_KOBJECT_TASK;
	task->port->kobject = task;

	/* The task's own send right to its task port (mach_task_self()). */
	mutex_lock(&task->space.lock);
	kr = mx_entry_alloc(&task->space, MACH_PORT_NULL, &entry);
	if (kr == KERN_SUCCESS) {
		mx_port_make_send(task->port);
		entry->type = MACH_PORT_TYPE_SEND;
		entry->urefs = 1;
		entry->port = task->port;
		mx_entry_hash(&task->space, entry);
		task->self_name = entry->name;
	}
	mutex_unlock(&task->space.lock);
	if (kr != KERN_SUCCESS)
		goto fail;
	return task;

fail:
	if (task->port) {
		LIST_HEAD(reap);

		mx_port_destroy(task->port, &reap);	/* task_free() puts it */
	}
	task_free(task);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_KUNIT(mx_task_create);

/* The task of process @p if it has one: a new reference, or NULL. */
struct mx_task *mx_task_find(struct task_struct *p)
{
	struct mx_task *task;

	rcu_read_lock();
	task = task_find_key(p->signal);
	if (task && !refcount_inc_not_zero(&task->ref))
		task = NULL;
	rcu_read_unlock();
	return task;
}

/*
 * For observers (netlink/): the @max tasks (or fewer: all there are)
 * whose processes have, in @ns, the smallest thread-group ids above
 * @after, in increasing order, their ids in @nrs; out[i] is the task with
 * a new reference, or NULL for one going away (its last reference gone:
 * as if already gone, but its id still counts as scanned).  Processes
 * not visible in @ns are left out.  The number of ids scanned: @max or
 * more may follow when it is @max, and the caller goes on after
 * nrs[n - 1] whatever out[] holds.  An RCU walk of the table (bounded by
 * the cap on spaces), no lock held or expected.
 */
unsigned int mx_tasks_next(struct pid_namespace *ns, pid_t after, struct mx_task **out,
			   pid_t *nrs, unsigned int max)
{
	unsigned int n = 0, i, j, bkt;
	struct mx_task *task;
	pid_t nr;

	rcu_read_lock();
	hash_for_each_rcu(tasks, bkt, task, link) {
		nr = pid_nr_ns(task->pid, ns);
		if (nr <= after || (n == max && nr >= nrs[max - 1]))
			continue;
		for (i = 0; i < n && nrs[i] < nr; i++)
			;
		if (n < max)
			n++;
		for (j = n - 1; j > i; j--) {
			nrs[j] = nrs[j - 1];
			out[j] = out[j - 1];
		}
		nrs[i] = nr;
		out[i] = task;
	}
	for (i = 0; i < n; i++)
		if (!refcount_inc_not_zero(&out[i]->ref))
			out[i] = NULL;	/* going away */
	rcu_read_unlock();
	return n;
}

/* Take @task out of the table (once); true if this call did. */
static bool task_unhash(struct mx_task *task)
{
	bool was;

	lockdep_assert_held(&tasks_lock);
	was = task->hashed;
	if (was)
		hash_del_rcu(&task->link);
	task->hashed = false;
	/*
	 * From now on it is a dead task: its process exited, or exec'd into
	 * a program nobody holding the old ports may touch.  Checked at every
	 * use (mx_task_check(), the park), before the reap work gets to it.
	 */
	WRITE_ONCE(task->dead, true);
	return was;
}

/*
 * The task of process @p, created on first use; a new reference.  @p is
 * current, or a process the caller holds (task_for_pid()).
 */
struct mx_task *mx_task_of_process(struct task_struct *p)
{
	const void *key = p->signal;
	struct mx_task *task, *fresh;
	struct mx_inherit *inh = NULL;
	bool gone = false;

	task = mx_task_find(p);
	if (task)
		return task;

	/* An exiting process gets no new task: nothing would reap it. */
	if ((p == current && (current->flags & PF_EXITING)) ||
	    !atomic_read(&p->signal->live))
		return ERR_PTR(-ESRCH);
	/* Nor does any process before the exit hook is there to reap it. */
	if (mx_hooks_arm(MX_HOOKS_SPACES))
		return ERR_PTR(-ENOMEM);
	fresh = mx_task_create(p);
	if (IS_ERR(fresh))
		return fresh;

	spin_lock(&tasks_lock);
	task = task_find_key(key);
	if (task) {
		refcount_inc(&task->ref);
	} else {
		/*
		 * A fork()ed child's inherited ports move into the task
		 * before anyone can find it: a thread of the child faulting
		 * meanwhile must never see a task without them (the fault
		 * hook would let its signal kill the process).  The same key,
		 * so the same bucket: counted for the task before the record
		 * lets go, the bit never drops in between.  Unseen yet, the
		 * task needs none of its locks.
		 */
		inh = atomic_read(&nr_inherits) ? inherit_find(key) : NULL;
		if (inh) {
			if (exc_slots_any(inh->exc))
				mx_task_mark_exc(fresh);
			fresh->bootstrap = inh->bootstrap;
			memcpy(fresh->exc, inh->exc, sizeof(fresh->exc));
		}
		refcount_inc(&fresh->ref);	/* the hash table's */
		hash_add_rcu(tasks, &fresh->link, (unsigned long)key);
		fresh->hashed = true;
		if (inh) {
			/* The task in the table before the record leaves it. */
			smp_wmb();	/* pairs with mx_task_handles()'s smp_rmb() */
			inherit_unhash(inh);
		}
	}
	spin_unlock(&tasks_lock);

	if (inh) {
		mx_exc_key_put(inh->key, &inh->keyed);
		if (inh->pinned)
			module_put(THIS_MODULE);	/* the task pins it now */
		kfree_rcu(inh, rcu);
	}

	if (task) {
		mx_task_destroy(fresh);
		mx_task_put(fresh);
		return task;
	}
	/*
	 * Another process may have been exiting all along: its last thread
	 * drops signal->live before the exit hook looks for a task.  If that
	 * hook has been and gone, nobody would reap this one: do it here.
	 * (The hook looks under tasks_lock, after our hash_add above.)  If
	 * the hook did find it, its reap work tears it down: not us too.
	 */
	if (p != current && !atomic_read(&p->signal->live)) {
		spin_lock(&tasks_lock);
		gone = task_unhash(fresh);
		spin_unlock(&tasks_lock);
		if (gone) {
			mx_task_destroy(fresh);
			mx_task_put(fresh);	/* the table's reference */
		}
		mx_task_put(fresh);
		return ERR_PTR(-ESRCH);
	}
	return fresh;
}

/* The calling process's task, created on first use; a new reference. */
struct mx_task *mx_task_current(void)
{
	return mx_task_of_process(current);
}

/*
 * Called for every exiting thread from the sched_process_exit tracepoint,
 * in atomic context.  Once the last thread of a process with a task is
 * gone, unhash the task (its signal_struct may be reused at once) and
 * leave the release of its rights to a workqueue.
 */
void mx_task_exit_notify(struct task_struct *p)
{
	struct mx_inherit *inh = NULL;
	struct mx_task *task;

	/* A fork()ed child's inheritance outlives the task it came from. */
	if ((!atomic_long_read(&mx_nr_spaces) && !atomic_read(&nr_inherits)) ||
	    atomic_read(&p->signal->live))
		return;
	spin_lock(&tasks_lock);
	task = task_find_key(p->signal);
	if (task)
		task_unhash(task);
	/* Never left behind, keyed by a signal_struct that will be reused. */
	if (atomic_read(&nr_inherits))
		inh = inherit_take(p->signal);
	spin_unlock(&tasks_lock);
	if (task)
		queue_work(reap_wq, &task->reap);
	if (inh)
		queue_work(reap_wq, &inh->release);
}

/*
 * Does the process with this signal_struct have a handler for exceptions
 * of @type?  *@found: its task if in the table (else NULL, as when an
 * inheritance record answered), with no reference, for the caller's
 * RCU read-side section.  Atomic context, a racy peek; the caller holds
 * rcu_read_lock().
 */
bool mx_task_handles_rcu(const void *key, u32 type, struct mx_task **found)
{
	struct mx_inherit *inh;
	struct mx_task *task;

	*found = NULL;
	if (type >= EXC_TYPES_COUNT || !mx_task_may_handle(key))
		return false;
	/*
	 * A fork()ed child that has not used machexc yet has an inheritance
	 * record; its first use puts a task in the table, then takes the
	 * record out (mx_task_of_process()).  Looked at in the other order,
	 * a reader that misses the record finds the task.
	 */
	if (atomic_read(&nr_inherits)) {
		hash_for_each_possible_rcu(inherits, inh, link, (unsigned long)key) {
			if (inh->key == key && READ_ONCE(inh->exc[type].port))
				return true;
		}
	}
	smp_rmb();	/* pairs with mx_task_of_process()'s smp_wmb() */
	task = task_find_key(key);
	*found = task;
	return task && (READ_ONCE(task->exc[type].port) ||
			(READ_ONCE(task->thread_exc_mask) & (1U << type)));
}

/*
 * The task of the process with this signal_struct, if in the table, with
 * no reference, for the caller's RCU read-side section.
 */
struct mx_task *mx_task_lookup_rcu(const void *key)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "task lookup outside RCU");
	return task_find_key(key);
}

/* As mx_task_handles_rcu(), for a caller that does not go on with the task. */
bool mx_task_handles(const void *key, u32 type)
{
	struct mx_task *task;
	bool ret;

	rcu_read_lock();
	ret = mx_task_handles_rcu(key, type, &task);
	rcu_read_unlock();
	return ret;
}

/*
 * The fault hook's work kept from the last exception of @task's process,
 * taken (NULL if none): a process raising exceptions one after another
 * allocates and zeroes one work in all, not one each.  @task found under
 * the caller's RCU read-side section (task_free() may be taking it too:
 * xchg() gives it to one of us).  Atomic context.
 */
struct mx_exc_work *mx_task_spare_take(struct mx_task *task)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "the spare taken outside RCU");
	if (!READ_ONCE(task->exc_spare))
		return NULL;
	return xchg(&task->exc_spare, NULL);
}

/*
 * Keep @spare (charged to this process's memory cgroup, as its thread
 * allocated it) for the task's next exception: false if one is kept
 * already.  The caller holds a reference on @task; task_free() frees
 * what is kept.
 */
bool mx_task_spare_keep(struct mx_task *task, struct mx_exc_work *spare)
{
	return !cmpxchg(&task->exc_spare, NULL, spare);
}

/*
 * Has the process with this signal_struct asked for EXC_SOFT_SIGNAL
 * reports (exc/softsig.c)?  Atomic context, a racy peek.
 */
bool mx_task_soft_signals(const void *key)
{
	struct mx_task *task;
	bool ret;

	rcu_read_lock();
	task = task_find_key(key);
	ret = task && READ_ONCE(task->soft_signals);
	rcu_read_unlock();
	return ret;
}

/* Has the task anything a child would inherit?  A racy peek. */
static bool task_inheritable(struct mx_task *task)
{
	return READ_ONCE(task->bootstrap) || exc_slots_any(task->exc);
}

/*
 * A child that should have inherited ports but cannot (no memory in the
 * fork hook) must not run unsupervised: it dies before its first
 * instruction, and the loss is counted.
 */
static void fork_lost(struct task_struct *child)
{
	atomic_long_inc(&mx_nr_nomem);
	send_sig(SIGKILL, child, 1);
}

/* @inh gets send rights of its own to @bootstrap and the ports of @exc. */
static void inherit_copy(struct mx_inherit *inh, struct mx_port *bootstrap,
			 const struct mx_exc_slot *exc)
{
	inh->bootstrap = bootstrap;
	if (bootstrap)
		mx_port_copy_send(bootstrap);
	mx_exc_slots_copy(inh->exc, exc);
}

/*
 * A child's task made before the fork hook ran (task_for_pid() between
 * the child's pid going live and the hook) takes the inherited ports the
 * hook would have put in a record: each slot and the bootstrap port it
 * does not have yet, so that no fault of the child finds the task
 * without them.  The child has not run: nothing else sets them.
 */
static void inherit_into_task(struct mx_task *task, struct mx_inherit *inh)
{
	int i;

	if (exc_slots_any(inh->exc))
		mx_task_mark_exc(task);
	spin_lock(&task->special_lock);
	for (i = 0; i < EXC_TYPES_COUNT; i++) {
		if (!task->exc[i].port && inh->exc[i].port) {
			task->exc[i] = inh->exc[i];
			memset(&inh->exc[i], 0, sizeof(inh->exc[i]));
		}
	}
	if (!task->bootstrap) {
		task->bootstrap = inh->bootstrap;
		inh->bootstrap = NULL;
	}
	spin_unlock(&task->special_lock);
}

/*
 * Called for every new task from the sched_process_fork tracepoint, in
 * atomic context, before the child first runs.  A new process (not a
 * thread) inherits send rights to its parent's bootstrap port and task
 * exception ports, as on macOS.
 */
void mx_task_fork_notify(struct task_struct *parent, struct task_struct *child)
{
	struct mx_inherit *inh = NULL, *from;
	struct mx_task *task;
	bool found = false;

	if (!atomic_long_read(&mx_nr_spaces))
		return;
	if (child->signal == parent->signal) {
		mx_task_fork_thread(parent, child);	/* a thread: suspended? */
		return;
	}
	rcu_read_lock();
	task = task_find_key(parent->signal);
	if (task && task_inheritable(task)) {
		inh = mx_probe_alloc(sizeof(*inh));
		if (!inh)
			fork_lost(child);
	}
	if (inh) {
		spin_lock(&task->special_lock);
		inherit_copy(inh, task->bootstrap, task->exc);
		spin_unlock(&task->special_lock);
	}
	rcu_read_unlock();
	/*
	 * A parent that never used machexc itself but inherited ports (a
	 * supervised program that forks): pass them on.  Every such parent's
	 * bit is set while its record lives (counted in mx_exc_keys), so
	 * other processes' forks skip the lock.
	 * Under tasks_lock the parent's record cannot be taken and released.
	 */
	if (!task && atomic_read(&nr_inherits) &&
	    mx_task_may_handle(parent->signal)) {
		inh = mx_probe_alloc(sizeof(*inh));
		/*
		 * No record under the lock: another thread of the parent may
		 * have made its task since the look above (the task goes in
		 * and the record out under this lock, mx_task_of_process()).
		 */
		rcu_read_lock();
		spin_lock(&tasks_lock);
		from = inherit_find(parent->signal);
		task = from ? NULL : task_find_key(parent->signal);
		if (from && inh)
			inherit_copy(inh, from->bootstrap, from->exc);
		spin_unlock(&tasks_lock);
		found = from || (task && task_inheritable(task));
		if (task && found && inh) {
			spin_lock(&task->special_lock);
			inherit_copy(inh, task->bootstrap, task->exc);
			spin_unlock(&task->special_lock);
		}
		rcu_read_unlock();
		if (!inh) {
			if (found)
				fork_lost(child);
			return;
		}
		if (!found) {
			kfree(inh);
			return;
		}
	}
	if (!inh)
		return;
	inh->key = child->signal;
	INIT_WORK(&inh->release, inherit_release);
	/*
	 * Like a task, the record keeps the module loaded: an rmmod would
	 * drop the child's supervision.  A module already on its way out
	 * gets no new reference; the record goes with it.
	 */
	inh->pinned = try_module_get(THIS_MODULE);
	if (!inh->pinned) {
		queue_work(reap_wq, &inh->release);
		return;
	}
	/*
	 * Counted while in the table, even with no exception port: it may
	 * carry some, and the lookup above for a parent's record relies on
	 * the bit too.  Before the fault hook can find it.
	 */
	mx_exc_key_get(inh->key, &inh->keyed);
	rcu_read_lock();
	spin_lock(&tasks_lock);
	task = task_find_key(inh->key);
	if (!task) {
		hash_add_rcu(inherits, &inh->link, (unsigned long)inh->key);
		atomic_inc(&nr_inherits);
	}
	spin_unlock(&tasks_lock);
	if (task)
		inherit_into_task(task, inh);	/* made by task_for_pid() already */
	rcu_read_unlock();
	if (task)
		queue_work(reap_wq, &inh->release);	/* what the task did not take */
}

/*
 * An exec that raises privileges (setuid, setgid, file capabilities) or
 * leaves the process non-dumpable (a binary it may not read) must not
 * leave the new program in the hands of whoever held the old one's ports:
 * its task and thread ports, its exception ports and its bootstrap port.
 * As XNU's ipc_task_reset(), and further: the whole task goes, exactly
 * as at exit, so every holder of an old port sees a dead name, and the
 * new program starts with an empty name table that the old one cannot
 * have filled.  From the sched_process_exec tracepoint: atomic, in the
 * exec'ing thread (the only one left), before the new program runs.
 */
void mx_task_exec_notify(struct linux_binprm *bprm)
{
	struct mx_inherit *inh = NULL;
	struct mx_task *task;

	if (bprm->secureexec == 0 && mx_dumpable_by_owner(current)) {
		/*
		 * The same task goes on: stop it if its debugger asked.  The
		 * table's lock only for a task with a park waiting (a park
		 * nobody uses must not slow every exec down).
		 */
		if (!atomic_read(&mx_nr_exec_parks))
			return;
		rcu_read_lock();
		task = task_find_key(current->signal);
		if (task && !READ_ONCE(task->exec_park))
			task = NULL;
		rcu_read_unlock();
		if (!task)
			return;
		spin_lock(&tasks_lock);
		task = task_find_key(current->signal);
		if (task)
			mx_task_exec_park(task);
		spin_unlock(&tasks_lock);
		return;
	}
	if (!atomic_long_read(&mx_nr_spaces) && !atomic_read(&nr_inherits))
		return;
	spin_lock(&tasks_lock);
	task = task_find_key(current->signal);
	if (task && !task_unhash(task))
		task = NULL;
	if (atomic_read(&nr_inherits))
		inh = inherit_take(current->signal);
	spin_unlock(&tasks_lock);
	if (task)
		queue_work(reap_wq, &task->reap);
	if (inh)
		queue_work(reap_wq, &inh->release);
}

/* Module unload: the hooks are gone; reap everything that is left. */
int mx_tasks_init(void)
{
	reap_wq = alloc_workqueue("machexc_reap", WQ_UNBOUND, 0);
	return reap_wq ? 0 : -ENOMEM;
}

void mx_tasks_shutdown(void)
{
	struct mx_task *task;
	struct hlist_node *tmp;
	int bkt;

	destroy_workqueue(reap_wq);	/* runs what is queued first */
	for (;;) {
		task = NULL;
		spin_lock(&tasks_lock);
		hash_for_each_safe(tasks, bkt, tmp, task, link) {
			task_unhash(task);
			break;
		}
		spin_unlock(&tasks_lock);
		if (!task)
			break;
		task_reap_work(&task->reap);
	}
	for (;;) {
		struct mx_inherit *inh = NULL;

		spin_lock(&tasks_lock);
		hash_for_each_safe(inherits, bkt, tmp, inh, link) {
			hash_del_rcu(&inh->link);
			break;
		}
		spin_unlock(&tasks_lock);
		if (!inh)
			break;
		inherit_release(&inh->release);
	}
	rcu_barrier();		/* task_free_rcu(), inherits' kfree_rcu() */
}

/*
 * The task port a send right in @self names: its task, with a
 * reference, or NULL.  With self->lock held.
 */
struct mx_task *mx_task_lookup_locked(struct mx_space *self, u32 name)
{
	struct mx_entry *entry = mx_entry_lookup(self, name);
	struct mx_task *target;

	lockdep_assert_held(&self->lock);
	if (!entry || !(entry->type & MACH_PORT_TYPE_SEND) ||
	    entry->port->kotype != MX_KOBJECT_TASK)
		return NULL;
	spin_lock(&entry->port->lock);
	target = entry->port->kobject;	/* cleared before the task goes */
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
mx_return_t mx_task_check(struct mx_task *self, struct mx_task *target)
{
	bool alive;

	if (target == self)
		return KERN_SUCCESS;
	rcu_read_lock();
	alive = !READ_ONCE(target->dead) && READ_ONCE(target->space.active) &&
		pid_task(target->pid, PIDTYPE_TGID);
	rcu_read_unlock();
	if (!alive)
		return MACH_SEND_INVALID_DEST;
	return mx_pid_may_access(target->pid) ? KERN_SUCCESS : KERN_FAILURE;
}

/*
 * The same for one thread: its process, and the thread itself (threads of
 * one process may hold different credentials, and ptrace judges the one
 * it attaches to).
 */
mx_return_t mx_thread_check(struct mx_task *self, struct mx_thread *th)
{
	mx_return_t kr = mx_task_check(self, th->task);
	struct task_struct *p;

	if (kr != KERN_SUCCESS || th->task == self)
		return kr;
	p = get_pid_task(th->pid, PIDTYPE_PID);
	if (!p)
		return MACH_SEND_INVALID_DEST;
	if (!mx_task_may_access(p))
		kr = KERN_FAILURE;
	put_task_struct(p);
	return kr;
}

/*
 * task_for_pid(): a send right to the task port of process @pid, as the
 * caller's pid namespace numbers it, if the caller may ptrace it.  Every
 * refusal is KERN_FAILURE, as on macOS, and leaves nothing behind.
 * @task must be the caller's own task port.
 */
mx_return_t mx_task_for_pid(struct mx_task *self, u32 task, s32 pid, u32 *name)
{
	struct mx_task *target;
	struct task_struct *p;
	struct pid *spid;
	mx_return_t kr;

	mutex_lock(&self->space.lock);
	target = mx_task_lookup_locked(&self->space, task);
	mutex_unlock(&self->space.lock);
	if (target)
		mx_task_put(target);
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
	target = mx_task_of_process(p);
	put_task_struct(p);
	if (IS_ERR(target))
		return KERN_FAILURE;

	mutex_lock(&self->space.lock);
	kr = self->space.active && READ_ONCE(target->space.active) ?
		mx_right_copyout_send(&self->space, target->port, name) : KERN_FAILURE;
	mutex_unlock(&self->space.lock);
	mx_task_put(target);
	/* The process went meanwhile: its port came out as a dead name. */
	if (kr == KERN_SUCCESS && *name == MACH_PORT_DEAD) {
		*name = MACH_PORT_NULL;
		kr = KERN_FAILURE;
	}
	return kr;
}

/*
 * pid_for_task(): the pid of the process whose task port @name is, as
 * the caller's pid namespace numbers it (0 if it cannot see it).  Holding
 * the send right is the permission, as on macOS.
 */
mx_return_t mx_pid_for_task(struct mx_task *self, u32 name, u32 *pid)
{
	struct mx_task *target;

	mutex_lock(&self->space.lock);
	target = mx_task_lookup_locked(&self->space, name);
	mutex_unlock(&self->space.lock);
	if (!target)
		return KERN_FAILURE;
	*pid = pid_nr_ns(target->pid, task_active_pid_ns(current));
	mx_task_put(target);
	return KERN_SUCCESS;
}

void mx_thread_list_put(struct mx_thread_list *tl)
{
	unsigned int i;

	for (i = 0; i < tl->n; i++)
		mx_thread_put(tl->th[i]);
	kvfree(tl->th);
	tl->th = NULL;
	tl->n = 0;
}

/* The live threads of @target's process, as task_struct references. */
static int collect_tasks(struct mx_task *target, struct task_struct ***out, unsigned int *n)
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
				/* io_uring's workers are the kernel's, not the program's. */
				if (READ_ONCE(t->flags) & (PF_EXITING | PF_IO_WORKER))
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

static void put_tasks(struct task_struct **tasks, unsigned int n)
{
	while (n)
		put_task_struct(tasks[--n]);
	kvfree(tasks);
}

/*
 * Every live thread of @target, each with its thread object made if need
 * be, referenced, in thread-list order (the main thread first).
 */
mx_return_t mx_task_collect(struct mx_task *target, struct mx_thread_list *tl)
{
	struct task_struct **tasks;
	mx_return_t kr = KERN_SUCCESS;
	unsigned int n, i;

	tl->n = 0;
	tl->th = NULL;
	if (collect_tasks(target, &tasks, &n))
		return KERN_RESOURCE_SHORTAGE;
	tl->th = kvcalloc(max(n, 1U), sizeof(*tl->th), GFP_KERNEL_ACCOUNT);
	if (!tl->th) {
		put_tasks(tasks, n);
		return KERN_RESOURCE_SHORTAGE;
	}
	mutex_lock(&target->space.lock);
	if (!target->space.active)
		kr = MACH_SEND_INVALID_DEST;
	for (i = 0; i < n && kr == KERN_SUCCESS; i++) {
		struct mx_thread *th = mx_thread_get(target, tasks[i]);

		if (IS_ERR(th))
			continue;	/* it exited since it was collected */
		if (!th) {
			kr = KERN_RESOURCE_SHORTAGE;
			break;
		}
		refcount_inc(&th->ref);
		tl->th[tl->n++] = th;
		cond_resched();
	}
	mutex_unlock(&target->space.lock);
	put_tasks(tasks, n);
	if (kr != KERN_SUCCESS)
		mx_thread_list_put(tl);
	return kr;
}

/*
 * task_threads(): a send right to each live thread's port, named in the
 * caller's space.  With fewer than that many slots (@capacity), nothing
 * is made and *@count says how many are needed.
 */
mx_return_t mx_task_threads(struct mx_task *self, struct mx_task *target, u32 capacity,
			    u32 *names, u32 *count)
{
	struct mx_thread_list tl;
	mx_return_t kr;
	unsigned int i, j;

	kr = mx_task_collect(target, &tl);
	if (kr != KERN_SUCCESS)
		return kr;
	*count = tl.n;
	if (tl.n > capacity) {
		mx_thread_list_put(&tl);
		return KERN_SUCCESS;
	}
	mutex_lock(&self->space.lock);
	for (i = 0; i < tl.n && kr == KERN_SUCCESS; i++)
		kr = mx_right_copyout_send(&self->space, mx_thread_kport(tl.th[i]), &names[i]);
	if (kr != KERN_SUCCESS) {
		/* All or nothing: take back the rights already given. */
		for (j = 0; j + 1 < i; j++) {
			struct mx_entry *entry = mx_entry_lookup(&self->space, names[j]);

			if (entry)
				mx_entry_drop_send_uref(&self->space, entry, false);
		}
		*count = 0;
	}
	mutex_unlock(&self->space.lock);
	mx_thread_list_put(&tl);
	return kr;
}

/* task_info(): MACH_TASK_BASIC_INFO. */
mx_return_t mx_task_info(struct mx_task *target, u32 flavor, u32 *buf, u32 *count)
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
