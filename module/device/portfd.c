// SPDX-License-Identifier: GPL-2.0
/*
 * Port fds: what kqueue's EVFILT_MACHPORT is on macOS, for poll/epoll.
 * The fd is readable while the receive right (or any member of the port
 * set) has a message queued, and reports EPOLLHUP once the port or set is
 * dead.  It holds the port, not the right: receiving stays mach_msg()'s
 * business.
 */
#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/machexc.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "../msg/msg.h"
#include "../names/names.h"
#include "../task/task.h"
#include "../ports/ports.h"
#include "../machexc.h"

struct portfd {
	struct mx_port *port;
	struct mx_pset *pset;
};

static __poll_t portfd_poll(struct file *file, poll_table *pt)
{
	struct portfd *pfd = file->private_data;
	struct mx_port *port;
	__poll_t mask = 0;

	if (pfd->port) {
		port = pfd->port;
		poll_wait(file, &port->rcv_wait, pt);
		spin_lock(&port->lock);
		if (port->msgcount)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!port->active)
			mask |= EPOLLHUP;
		spin_unlock(&port->lock);
		return mask;
	}
	poll_wait(file, &pfd->pset->rcv_wait, pt);
	spin_lock(&pfd->pset->lock);
	if (!pfd->pset->active)
		mask |= EPOLLHUP;
	list_for_each_entry(port, &pfd->pset->members, pset_link) {
		if (READ_ONCE(port->msgcount)) {
			mask |= EPOLLIN | EPOLLRDNORM;
			break;
		}
	}
	spin_unlock(&pfd->pset->lock);
	return mask;
}

static void portfd_free(struct portfd *pfd)
{
	if (pfd->port)
		mx_port_put(pfd->port);
	else
		mx_pset_put(pfd->pset);
	kfree(pfd);
}

static int portfd_release(struct inode *inode, struct file *file)
{
	portfd_free(file->private_data);
	return 0;
}

static const struct file_operations portfd_fops = {
	.owner = THIS_MODULE,
	.poll = portfd_poll,
	.release = portfd_release,
	.llseek = noop_llseek,
};

long mx_port_fd(const struct machexc_port_fd *req)
{
	struct mx_space *space;
	struct mx_task *task;
	struct mx_entry *entry;
	struct portfd *pfd;
	int fd;

	if (req->flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	pfd = kzalloc(sizeof(*pfd), GFP_KERNEL_ACCOUNT);
	if (!pfd)
		return -ENOMEM;
	task = mx_task_current();
	if (IS_ERR(task)) {
		kfree(pfd);
		return PTR_ERR(task);
	}
	space = &task->space;
	mutex_lock(&space->lock);
	entry = mx_entry_lookup(space, req->name);
	if (entry && (entry->type & MACH_PORT_TYPE_RECEIVE)) {
		pfd->port = entry->port;
		mx_port_get(pfd->port);
	} else if (entry && (entry->type & MACH_PORT_TYPE_PORT_SET)) {
		pfd->pset = entry->pset;
		refcount_inc(&pfd->pset->ref);
	}
	mutex_unlock(&space->lock);
	mx_task_put(task);
	if (!pfd->port && !pfd->pset) {
		kfree(pfd);
		return -ENOENT;
	}
	fd = anon_inode_getfd("[machexc-port]", &portfd_fops, pfd,
			      O_RDWR | (req->flags & (O_CLOEXEC | O_NONBLOCK)));
	if (fd < 0)
		portfd_free(pfd);
	return fd;
}
