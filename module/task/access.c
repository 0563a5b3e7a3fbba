// SPDX-License-Identifier: GPL-2.0
/*
 * The permission rule for other processes: what ptrace(PTRACE_ATTACH)
 * would allow.
 *
 * The rule is the kernel's own ptrace_may_access(): credentials,
 * CAP_SYS_PTRACE in the target's user namespace, dumpability, Yama and
 * every other LSM.  It is not exported, and a home-made copy would be
 * weaker, so it is found at load time through a kprobe on it (the kprobe
 * only resolves the address; it is unregistered at once).  On a kernel
 * whose CPU enforces indirect-branch tracking (IBT), the function must
 * start with ENDBR to be called through a pointer; objtool removes that
 * from functions nobody calls indirectly.  Where it is missing and IBT is
 * on, machexc refuses all access to other processes rather than risk a
 * control-protection fault (and says so once in the log).
 *
 * On top of ptrace's rule, the target must be visible in the caller's pid
 * namespace and live in the caller's user namespace or one below it:
 * nobody reaches out of a namespace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "../hooks/hooks.h"
#include "task.h"

static bool (*ptrace_may_access_fn)(struct task_struct *task, unsigned int mode);

int mx_access_init(void)
{
	unsigned long start = mx_kprobe_lookup("ptrace_may_access");

	if (!start) {
		pr_warn("ptrace_may_access not found: no access to other processes\n");
		return 0;
	}
	if (!mx_callable(start)) {
		pr_warn("ptrace_may_access cannot be called under IBT or kCFI: no access to other processes\n");
		return 0;
	}
	ptrace_may_access_fn = (void *)start;
	return 0;
}

/* Can machexc act on other processes at all on this kernel? */
bool mx_tasks_available(void)
{
	return ptrace_may_access_fn;
}

/* Is @ns @mine or one below it? */
static bool userns_covered(const struct user_namespace *ns, const struct user_namespace *mine)
{
	for (; ns; ns = ns->parent)
		if (ns == mine)
			return true;
	return false;
}

/* The rule below, for ptrace_may_access()'s @mode. */
static bool task_may(struct task_struct *task, unsigned int mode)
{
	bool ok;

	if (same_thread_group(task, current))
		return true;
	if (!ptrace_may_access_fn)
		return false;
	if (!pid_nr_ns(task_tgid(task), task_active_pid_ns(current)))
		return false;
	rcu_read_lock();
	ok = userns_covered(__task_cred(task)->user_ns, current_user_ns());
	rcu_read_unlock();
	return ok && ptrace_may_access_fn(task, mode);
}

/*
 * The same rule for @obs rather than for the caller: the credentials,
 * pid namespace and process saved in @obs.  ptrace_may_access() runs
 * under @obs's credentials (override_creds()): it, and every LSM it
 * asks, judge current_cred().  It also lets current's own thread group
 * through whatever the credentials; so a process other than @obs's is
 * refused here when it is the caller's own (a requester may not read a
 * process by having that process read the answer for it).
 */
static bool task_may_as(struct task_struct *task, unsigned int mode,
			const struct mx_observer *obs)
{
	const struct cred *old;
	bool ok;

	if (task_tgid(task) == obs->tgid)
		return true;
	if (!ptrace_may_access_fn || same_thread_group(task, current))
		return false;
	/* The pid goes, through RCU, as the process exits: read it under RCU. */
	rcu_read_lock();
	ok = pid_nr_ns(task_tgid(task), obs->ns) &&
	     userns_covered(__task_cred(task)->user_ns, obs->cred->user_ns);
	rcu_read_unlock();
	if (!ok)
		return false;
	old = override_creds(obs->cred);
	ok = ptrace_may_access_fn(task, mode);
	revert_creds(old);
	return ok;
}

/*
 * Save the caller as an observer (@obs): its credentials, its pid
 * namespace and its thread-group pid, with a reference on each, for a
 * check made later in another process's context (a netlink dump's later
 * callbacks run in whoever reads the socket).  mx_observer_put() drops
 * them.
 */
void mx_observer_get(struct mx_observer *obs)
{
	obs->cred = get_cred(current_cred());
	obs->ns = get_pid_ns(task_active_pid_ns(current));
	obs->tgid = get_pid(task_tgid(current));
}

void mx_observer_put(struct mx_observer *obs)
{
	if (!obs->cred)
		return;		/* never got, or already put */
	put_pid(obs->tgid);
	put_pid_ns(obs->ns);
	put_cred(obs->cred);
	memset(obs, 0, sizeof(*obs));
}

/*
 * May the caller, now, act on @task's process as a debugger would?
 * Sleeps (LSMs may).  Its own process always.
 */
bool mx_task_may_access(struct task_struct *task)
{
	return task_may(task, PTRACE_MODE_ATTACH_REALCREDS);
}

/*
 * A thread of @tgid's process that still has its mm, with a reference:
 * ptrace_may_access() skips the dumpability test for a thread without
 * one, such as a main thread that exited before the others.
 */
struct task_struct *mx_live_thread(struct pid *tgid)
{
	struct task_struct *leader, *t, *found = NULL;

	rcu_read_lock();
	leader = pid_task(tgid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			if (READ_ONCE(t->mm) && !(READ_ONCE(t->flags) & PF_EXITING)) {
				found = t;
				get_task_struct(found);
				break;
			}
		}
	}
	rcu_read_unlock();
	return found;
}

/* The same for the process whose thread-group pid is @tgid. */
bool mx_pid_may_access(struct pid *tgid)
{
	struct task_struct *task = mx_live_thread(tgid);
	bool ok;

	if (!task)
		return false;
	ok = mx_task_may_access(task);
	put_task_struct(task);
	return ok;
}

/*
 * May the caller, now, look at the process whose thread-group pid is
 * @tgid, as /proc/PID/stat's readers may (observers: netlink/): the same
 * namespace rule, with ptrace_may_access(PTRACE_MODE_READ_REALCREDS).
 * Sleeps.
 */
bool mx_pid_may_read(struct pid *tgid)
{
	struct task_struct *task = mx_live_thread(tgid);
	bool ok;

	if (!task)
		return false;
	ok = task_may(task, PTRACE_MODE_READ_REALCREDS);
	put_task_struct(task);
	return ok;
}

/*
 * May @obs look at the process whose thread-group pid is @tgid: the rule
 * of mx_pid_may_read() for the observer saved in @obs instead of the
 * caller.  Sleeps.
 */
bool mx_pid_may_read_as(struct pid *tgid, const struct mx_observer *obs)
{
	struct task_struct *task = mx_live_thread(tgid);
	bool ok;

	if (!task)
		return false;
	ok = task_may_as(task, PTRACE_MODE_READ_REALCREDS, obs);
	put_task_struct(task);
	return ok;
}
