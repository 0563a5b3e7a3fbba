// SPDX-License-Identifier: GPL-2.0
/*
 * Thread ports: the kernel object a thread is known by in Mach messages
 * (mach_thread_self(), the thread of an exception).  One per thread per
 * space, made on first use, keyed by the thread's struct pid (which cannot
 * be reused while we hold it).  Ports of threads that have exited are
 * pruned when a new one is made, and all go with the space.
 */
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../ipc.h"

struct mx_thread {
	struct hlist_node link;
	struct pid *pid;
	struct mx_port *port;
};

static void thread_destroy(struct mx_thread *th, struct list_head *reap)
{
	hash_del(&th->link);
	spin_lock(&th->port->lock);
	th->port->kobject = NULL;
	spin_unlock(&th->port->lock);
	mx_port_destroy(th->port, reap);
	mx_port_put(th->port);
	put_pid(th->pid);
	kfree(th);
}

static void prune_exited(struct mx_space *space, struct list_head *reap)
{
	struct mx_thread *th;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(space->threads, bkt, tmp, th, link)
		if (!pid_has_task(th->pid, PIDTYPE_PID))
			thread_destroy(th, reap);
}

/* @task's thread port in @space, made if need be; NULL without memory. */
struct mx_port *mx_thread_port(struct mx_space *space, struct task_struct *task)
{
	struct pid *pid = task_pid(task);
	struct mx_thread *th;
	LIST_HEAD(reap);

	hash_for_each_possible(space->threads, th, link, (unsigned long)pid)
		if (th->pid == pid)
			return th->port;

	prune_exited(space, &reap);
	mx_reap(&reap);
	th = kzalloc(sizeof(*th), GFP_KERNEL_ACCOUNT);
	if (!th)
		return NULL;
	th->port = mx_port_alloc();
	if (!th->port) {
		kfree(th);
		return NULL;
	}
	th->port->kotype = MX_KOBJECT_THREAD;
	th->port->kobject = th;
	th->pid = get_pid(pid);
	hash_add(space->threads, &th->link, (unsigned long)pid);
	return th->port;
}

void mx_threads_destroy(struct mx_space *space, struct list_head *reap)
{
	struct mx_thread *th;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(space->threads, bkt, tmp, th, link)
		thread_destroy(th, reap);
}
