// SPDX-License-Identifier: GPL-2.0
/*
 * Port spaces.  A process gets one on its first Mach call, keyed by its
 * signal_struct (so all its threads share it and a fork()ed child, with a
 * signal_struct of its own, starts empty).  It is torn down when the
 * process's last thread exits: the exit hook unhashes it at once, in
 * atomic context, and a workqueue item releases every right it held.
 */
#include <linux/binfmts.h>
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sched/coredump.h>

#include <kunit/visibility.h>

#include "../hooks/hooks.h"
#include "../msg/msg.h"
#include "names.h"
#include "../ports/ports.h"
#include "../task/task.h"
#include "../machexc.h"

static DEFINE_SPINLOCK(spaces_lock);	/* spaces, inherits */
static DEFINE_HASHTABLE(spaces, 8);
static struct workqueue_struct *reap_wq;

/*
 * What a fork()ed child inherits (its parent's bootstrap port and task
 * exception ports), taken in the fork hook and held, keyed by the child's
 * signal_struct, until the child creates its space or exits without ever
 * using machexc; a child that forks before then passes a copy on.
 */
struct mx_inherit {
	struct hlist_node link;
	const void *key;
	struct mx_port *bootstrap;	/* a send right, or NULL */
	struct mx_exc_slot exc[EXC_TYPES_COUNT];	/* task exception ports */
	struct work_struct release;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(inherits, 6);
static atomic_t nr_inherits = ATOMIC_INIT(0);

/*
 * Which processes may have exception ports, as a filter for the fault
 * hook: a bit per hash of the signal_struct, set (never cleared) before a
 * process gets a task or thread exception port or inherits one.  A clear
 * bit spares every other process's fault signals the hash lookups below.
 */
#define EXC_KEY_BITS	6
static unsigned long exc_keys;

void mx_space_mark_exc(const void *key)
{
	set_bit(hash_ptr(key, EXC_KEY_BITS), &exc_keys);
}

static struct mx_inherit *inherit_take(const void *key)
{
	struct mx_inherit *inh;

	lockdep_assert_held(&spaces_lock);
	hash_for_each_possible(inherits, inh, link, (unsigned long)key) {
		if (inh->key == key) {
			hash_del_rcu(&inh->link);
			atomic_dec(&nr_inherits);
			return inh;
		}
	}
	return NULL;
}

static void inherit_release(struct work_struct *work)
{
	struct mx_inherit *inh = container_of(work, struct mx_inherit, release);

	if (inh->bootstrap)
		mx_port_release_send(inh->bootstrap);
	mx_exc_slots_release(inh->exc);
	kfree_rcu(inh, rcu);
}

static struct mx_space *space_find(const void *key)
{
	struct mx_space *space;

	hash_for_each_possible_rcu(spaces, space, link, (unsigned long)key)
		if (space->key == key)
			return space;
	return NULL;
}

static void space_free(struct mx_space *space)
{
	put_pid(space->pid);
	xa_destroy(&space->entries);
	atomic_long_dec(&mx_nr_spaces);
	kfree_rcu(space, rcu);
}

void mx_space_put(struct mx_space *space)
{
	if (refcount_dec_and_test(&space->ref))
		space_free(space);
}
EXPORT_SYMBOL_IF_KUNIT(mx_space_put);

/* Release every right the space holds; the space stays allocated. */
void mx_space_destroy(struct mx_space *space)
{
	struct mx_exc_slot exc[EXC_TYPES_COUNT];
	struct mx_port *bootstrap;
	struct mx_entry *entry;
	unsigned long index;
	LIST_HEAD(reap);

	mutex_lock(&space->lock);
	space->active = false;
	xa_for_each(&space->entries, index, entry)
		mx_entry_release(space, entry, &reap);
	mx_threads_destroy(space, &reap);
	mutex_unlock(&space->lock);

	spin_lock(&space->special_lock);
	bootstrap = space->bootstrap;
	space->bootstrap = NULL;
	memcpy(exc, space->exc, sizeof(exc));
	memset(space->exc, 0, sizeof(space->exc));
	space->exc_closed = true;
	spin_unlock(&space->special_lock);
	if (bootstrap)
		mx_port_release_send(bootstrap);
	mx_exc_slots_release(exc);

	/* Nobody can reach the task through its port any more. */
	spin_lock(&space->task_port->lock);
	space->task_port->kobject = NULL;
	spin_unlock(&space->task_port->lock);
	mx_port_destroy(space->task_port, &reap);
	mx_port_put(space->task_port);
	mx_reap(&reap);
}
EXPORT_SYMBOL_IF_KUNIT(mx_space_destroy);

static void space_reap_work(struct work_struct *work)
{
	struct mx_space *space = container_of(work, struct mx_space, reap);

	mx_space_destroy(space);
	mx_space_put(space);	/* the reference the hash table held */
}

struct mx_space *mx_space_create(struct task_struct *task)
{
	struct mx_space *space;
	struct mx_entry *entry;
	mx_return_t kr;

	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space)
		return NULL;
	refcount_set(&space->ref, 1);
	mutex_init(&space->lock);
	spin_lock_init(&space->special_lock);
	mx_exc_slots_init(space->exc);
	space->active = true;
	xa_init_flags(&space->entries, XA_FLAGS_ALLOC1);
	space->gen = 3;
	hash_init(space->by_port);
	hash_init(space->threads);
	init_waitqueue_head(&space->suspend_wait);
	space->key = task->signal;
	space->pid = get_task_pid(task, PIDTYPE_TGID);
	INIT_WORK(&space->reap, space_reap_work);
	atomic_long_inc(&mx_nr_spaces);

	space->task_port = mx_port_alloc();
	if (!space->task_port)
		goto fail;
	space->task_port->kotype = MX_KOBJECT_TASK;
	space->task_port->kobject = space;

	/* The task's own send right to its task port (mach_task_self()). */
	mutex_lock(&space->lock);
	kr = mx_entry_alloc(space, MACH_PORT_NULL, &entry);
	if (kr == KERN_SUCCESS) {
		mx_port_make_send(space->task_port);
		mx_port_get(space->task_port);
		entry->type = MACH_PORT_TYPE_SEND;
		entry->urefs = 1;
		entry->port = space->task_port;
		mx_entry_hash(space, entry);
		space->task_name = entry->name;
	}
	mutex_unlock(&space->lock);
	if (kr != KERN_SUCCESS)
		goto fail;
	return space;

fail:
	if (space->task_port) {
		LIST_HEAD(reap);

		mx_port_destroy(space->task_port, &reap);
		mx_port_put(space->task_port);
	}
	space_free(space);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mx_space_create);

/* @task's process's space if it has one: a new reference, or NULL. */
struct mx_space *mx_space_find(struct task_struct *task)
{
	struct mx_space *space;

	rcu_read_lock();
	space = space_find(task->signal);
	if (space && !refcount_inc_not_zero(&space->ref))
		space = NULL;
	rcu_read_unlock();
	return space;
}

/* Take @space out of the table (once); true if this call did. */
static bool space_unhash(struct mx_space *space)
{
	bool was;

	lockdep_assert_held(&spaces_lock);
	was = space->hashed;
	if (was)
		hash_del_rcu(&space->link);
	space->hashed = false;
	return was;
}

/*
 * The space of @task's process, created on first use; a new reference.
 * @task is current, or a process the caller holds (task_for_pid()).
 */
struct mx_space *mx_space_of(struct task_struct *task)
{
	const void *key = task->signal;
	struct mx_space *space, *fresh;
	struct mx_inherit *inh = NULL;
	bool gone = false;

	space = mx_space_find(task);
	if (space)
		return space;

	/* An exiting process gets no new space: nothing would reap it. */
	if ((task == current && (current->flags & PF_EXITING)) ||
	    !atomic_read(&task->signal->live))
		return ERR_PTR(-ESRCH);
	/* Nor does any process before the exit hook is there to reap it. */
	if (mx_hooks_arm(MX_HOOKS_SPACES))
		return ERR_PTR(-ENOMEM);
	fresh = mx_space_create(task);
	if (!fresh)
		return ERR_PTR(-ENOMEM);

	spin_lock(&spaces_lock);
	space = space_find(key);
	if (space) {
		refcount_inc(&space->ref);
	} else {
		refcount_inc(&fresh->ref);	/* the hash table's */
		hash_add_rcu(spaces, &fresh->link, (unsigned long)key);
		fresh->hashed = true;
		if (atomic_read(&nr_inherits))
			inh = inherit_take(key);
	}
	spin_unlock(&spaces_lock);

	if (inh) {
		spin_lock(&fresh->special_lock);
		fresh->bootstrap = inh->bootstrap;
		memcpy(fresh->exc, inh->exc, sizeof(fresh->exc));
		spin_unlock(&fresh->special_lock);
		kfree_rcu(inh, rcu);
	}

	if (space) {
		mx_space_destroy(fresh);
		mx_space_put(fresh);
		return space;
	}
	/*
	 * Another process may have been exiting all along: its last thread
	 * drops signal->live before the exit hook looks for a space.  If that
	 * hook has been and gone, nobody would reap this one: do it here.
	 * (The hook looks under spaces_lock, after our hash_add above.)
	 */
	if (task != current && !atomic_read(&task->signal->live)) {
		spin_lock(&spaces_lock);
		gone = space_unhash(fresh);
		spin_unlock(&spaces_lock);
		if (gone)
			mx_space_put(fresh);	/* the table's reference */
		mx_space_destroy(fresh);
		mx_space_put(fresh);
		return ERR_PTR(-ESRCH);
	}
	return fresh;
}

/* The calling process's space, created on first use; a new reference. */
struct mx_space *mx_space_current(void)
{
	return mx_space_of(current);
}

/*
 * Called for every exiting thread from the sched_process_exit tracepoint,
 * in atomic context.  Once the last thread of a process with a space is
 * gone, unhash the space (its signal_struct may be reused at once) and
 * leave the release of its rights to a workqueue.
 */
void mx_space_exit_notify(struct task_struct *p)
{
	struct mx_inherit *inh = NULL;
	struct mx_space *space;

	/* A fork()ed child's inheritance outlives the space it came from. */
	if ((!atomic_long_read(&mx_nr_spaces) && !atomic_read(&nr_inherits)) ||
	    atomic_read(&p->signal->live))
		return;
	spin_lock(&spaces_lock);
	space = space_find(p->signal);
	if (space)
		space_unhash(space);
	else if (atomic_read(&nr_inherits))
		inh = inherit_take(p->signal);
	spin_unlock(&spaces_lock);
	if (space)
		queue_work(reap_wq, &space->reap);
	if (inh)
		queue_work(reap_wq, &inh->release);
}

/*
 * Does the process with this signal_struct have a handler for exceptions
 * of @type?  For the fault hook: atomic context, a racy peek.
 */
bool mx_space_handles(const void *key, u32 type)
{
	struct mx_inherit *inh;
	struct mx_space *space;
	bool ret = false;

	if (type >= EXC_TYPES_COUNT || !test_bit(hash_ptr(key, EXC_KEY_BITS), &exc_keys))
		return false;
	rcu_read_lock();
	space = space_find(key);
	if (space) {
		ret = READ_ONCE(space->exc[type].port) ||
		      (READ_ONCE(space->thread_exc_mask) & (1U << type));
	} else if (atomic_read(&nr_inherits)) {
		/* A fork()ed child that has not used machexc yet. */
		hash_for_each_possible_rcu(inherits, inh, link, (unsigned long)key)
			if (inh->key == key)
				ret = READ_ONCE(inh->exc[type].port);
	}
	rcu_read_unlock();
	return ret;
}

/* Has the space anything a child would inherit?  A racy peek. */
static bool space_inheritable(struct mx_space *space)
{
	int i;

	if (READ_ONCE(space->bootstrap))
		return true;
	for (i = 0; i < EXC_TYPES_COUNT; i++)
		if (READ_ONCE(space->exc[i].port))
			return true;
	return false;
}

/*
 * Called for every new task from the sched_process_fork tracepoint, in
 * atomic context, before the child first runs.  A new process (not a
 * thread) inherits send rights to its parent's bootstrap port and task
 * exception ports, as on macOS.
 */
void mx_space_fork_notify(struct task_struct *parent, struct task_struct *child)
{
	struct mx_inherit *inh = NULL, *from;
	struct mx_space *space;
	bool found = false;

	if (!atomic_long_read(&mx_nr_spaces))
		return;
	if (child->signal == parent->signal) {
		mx_task_fork_thread(parent, child);	/* a thread: suspended? */
		return;
	}
	rcu_read_lock();
	space = space_find(parent->signal);
	if (space && space_inheritable(space))
		inh = kzalloc(sizeof(*inh), GFP_ATOMIC);
	if (inh) {
		spin_lock(&space->special_lock);
		inh->bootstrap = space->bootstrap;
		if (inh->bootstrap) {
			mx_port_copy_send(inh->bootstrap);
			mx_port_get(inh->bootstrap);
		}
		mx_exc_slots_copy(inh->exc, space->exc);
		spin_unlock(&space->special_lock);
	}
	rcu_read_unlock();
	if (!space && atomic_read(&nr_inherits)) {
		/*
		 * A parent that never used machexc itself but inherited ports
		 * (a supervised program that forks): pass them on.  Under
		 * spaces_lock the parent's record cannot be taken and released.
		 */
		inh = kzalloc(sizeof(*inh), GFP_ATOMIC);
		if (!inh)
			return;
		spin_lock(&spaces_lock);
		hash_for_each_possible(inherits, from, link, (unsigned long)parent->signal) {
			if (from->key != parent->signal)
				continue;
			inh->bootstrap = from->bootstrap;
			if (inh->bootstrap) {
				mx_port_copy_send(inh->bootstrap);
				mx_port_get(inh->bootstrap);
			}
			mx_exc_slots_copy(inh->exc, from->exc);
			found = true;
			break;
		}
		spin_unlock(&spaces_lock);
		if (!found) {
			kfree(inh);
			return;
		}
	}
	if (!inh)
		return;
	inh->key = child->signal;
	mx_space_mark_exc(inh->key);	/* it may carry exception ports */
	INIT_WORK(&inh->release, inherit_release);
	spin_lock(&spaces_lock);
	hash_add_rcu(inherits, &inh->link, (unsigned long)inh->key);
	atomic_inc(&nr_inherits);
	spin_unlock(&spaces_lock);
}

/*
 * An exec that raises privileges (setuid, setgid, file capabilities) or
 * leaves the process non-dumpable (a binary it may not read) must not
 * leave the new program in the hands of whoever held the old one's ports:
 * its task and thread ports, its exception ports and its bootstrap port.
 * As XNU's ipc_task_reset(), and further: the whole space goes, exactly
 * as at exit, so every holder of an old port sees a dead name, and the
 * new program starts with an empty name table that the old one cannot
 * have filled.  From the sched_process_exec tracepoint: atomic, in the
 * exec'ing thread (the only one left), before the new program runs.
 */
void mx_space_exec_notify(struct linux_binprm *bprm)
{
	struct mx_inherit *inh = NULL;
	struct mx_space *space;

	if (bprm->secureexec == 0 && get_dumpable(current->mm) == SUID_DUMP_USER)
		return;
	if (!atomic_long_read(&mx_nr_spaces) && !atomic_read(&nr_inherits))
		return;
	spin_lock(&spaces_lock);
	space = space_find(current->signal);
	if (space && !space_unhash(space))
		space = NULL;
	if (atomic_read(&nr_inherits))
		inh = inherit_take(current->signal);
	spin_unlock(&spaces_lock);
	if (space)
		queue_work(reap_wq, &space->reap);
	if (inh)
		queue_work(reap_wq, &inh->release);
}

/* Module unload: the hooks are gone; reap everything that is left. */
int mx_spaces_init(void)
{
	reap_wq = alloc_workqueue("machexc_reap", WQ_UNBOUND, 0);
	return reap_wq ? 0 : -ENOMEM;
}

void mx_spaces_shutdown(void)
{
	struct mx_space *space;
	struct hlist_node *tmp;
	int bkt;

	destroy_workqueue(reap_wq);	/* runs what is queued first */
	for (;;) {
		space = NULL;
		spin_lock(&spaces_lock);
		hash_for_each_safe(spaces, bkt, tmp, space, link) {
			space_unhash(space);
			break;
		}
		spin_unlock(&spaces_lock);
		if (!space)
			break;
		space_reap_work(&space->reap);
	}
	for (;;) {
		struct mx_inherit *inh = NULL;

		spin_lock(&spaces_lock);
		hash_for_each_safe(inherits, bkt, tmp, inh, link) {
			hash_del_rcu(&inh->link);
			break;
		}
		spin_unlock(&spaces_lock);
		if (!inh)
			break;
		inherit_release(&inh->release);
	}
	rcu_barrier();
}
