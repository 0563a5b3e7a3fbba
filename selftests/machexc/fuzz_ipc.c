// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's IPC generators: the device's ioctls, every mach_port_*
 * operation of MACHEXC_IOC_PORT, mach_msg with every descriptor type and
 * disposition, port fds, and the same through libmachexc.  See fuzz.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "fuzz.h"

#define R (&c->rng)

long fz_port(struct fz_ctx *c, struct machexc_port_op *op)
{
	long r = ioctl(c->fd, MACHEXC_IOC_PORT, op);

	c->last = r < 0 ? -errno : r;
	return r;
}

static long msg_notify(int fd, void *msg, uint32_t option, uint32_t send_size,
		       uint32_t rcv_size, uint32_t rcv_name, uint32_t timeout, uint32_t notify)
{
	struct machexc_msg m = {
		.msg = (uintptr_t)msg, .option = option, .send_size = send_size,
		.rcv_size = rcv_size, .rcv_name = rcv_name, .timeout = timeout,
		.notify = notify,
	};

	return ioctl(fd, MACHEXC_IOC_MSG, &m);
}

long fz_msg(int fd, void *msg, uint32_t option, uint32_t send_size, uint32_t rcv_size,
	    uint32_t rcv_name, uint32_t timeout)
{
	return msg_notify(fd, msg, option, send_size, rcv_size, rcv_name, timeout, 0);
}

/* mach_msg's notify argument: mostly none, now and then a name of ours. */
static uint32_t notify_arg(struct fz_ctx *c)
{
	return fz_one_in(R, 8) ? fz_pick(c, FZ_RECV | FZ_SONCE | FZ_SEND) : 0;
}

/* Our task port, now and then something else in its place. */
static uint32_t self_task(struct fz_ctx *c)
{
	if (fz_one_in(R, 48))
		return fz_pick(c, FZ_ANY);
	return c->task;
}

/* --- the table of names --- */

static struct fz_name *find(struct fz_ctx *c, uint32_t name)
{
	unsigned int i;

	for (i = 0; i < c->nnames; i++)
		if (c->names[i].name == name)
			return &c->names[i];
	return NULL;
}

uint32_t fz_kind_of(struct fz_ctx *c, uint32_t name)
{
	struct fz_name *n = find(c, name);

	return n ? n->kind : 0;
}

void fz_add(struct fz_ctx *c, uint32_t name, uint32_t kind)
{
	struct fz_name *n;

	if (!name || name == MACH_PORT_DEAD)
		return;
	n = find(c, name);
	if (n) {
		/* Rights are replaced, what the port is (task, thread...) stays. */
		n->kind = (n->kind & ~FZ_RIGHTS) | kind;
		return;
	}
	if (c->nnames < FZ_NAMES)
		c->names[c->nnames++] = (struct fz_name){ name, kind };
}

void fz_forget(struct fz_ctx *c, uint32_t name)
{
	struct fz_name *n = find(c, name);

	if (!n)
		return;
	memmove(c->stale + 1, c->stale, sizeof(c->stale) - sizeof(c->stale[0]));
	c->stale[0] = name;
	*n = c->names[--c->nnames];
}

static uint32_t kind_of_type(uint32_t type)
{
	uint32_t k = 0;

	if (type & MACH_PORT_TYPE_RECEIVE)
		k |= FZ_RECV;
	if (type & MACH_PORT_TYPE_SEND)
		k |= FZ_SEND;
	if (type & MACH_PORT_TYPE_SEND_ONCE)
		k |= FZ_SONCE;
	if (type & MACH_PORT_TYPE_PORT_SET)
		k |= FZ_PSET;
	if (type & MACH_PORT_TYPE_DEAD_NAME)
		k |= FZ_DEAD;
	return k;
}

/* Ask the module what @name is now, and believe it. */
void fz_refresh(struct fz_ctx *c, uint32_t name)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TYPE, .task = c->task, .name = name };
	struct fz_name *n;
	long kr;

	if (!name || name == MACH_PORT_DEAD)
		return;
	kr = fz_port(c, &op);
	n = find(c, name);
	if (kr == KERN_INVALID_NAME || (kr == 0 && !kind_of_type(op.value))) {
		if (n)
			fz_forget(c, name);
	} else if (kr == 0) {
		uint32_t k = kind_of_type(op.value);

		if (n) {
			n->kind = (n->kind & ~FZ_RIGHTS) | k;
			if (!(k & FZ_SEND))
				n->kind &= ~(FZ_TASK | FZ_THREAD | FZ_HOST);
		} else {
			fz_add(c, name, k);
		}
	}
	/* Our own task and thread names are kept usable. */
	if (name == c->task && !(fz_kind_of(c, name) & FZ_SEND)) {
		op = (struct machexc_port_op){ .op = MACHEXC_PORT_TASK_SELF };
		if (fz_port(c, &op) == 0) {
			c->task = op.name;
			fz_add(c, op.name, FZ_SEND | FZ_TASK | FZ_MINE);
		}
	}
	if (name == c->thread && !(fz_kind_of(c, name) & FZ_SEND)) {
		op = (struct machexc_port_op){ .op = MACHEXC_PORT_THREAD_SELF };
		if (fz_port(c, &op) == 0) {
			c->thread = op.name;
			fz_add(c, op.name, FZ_SEND | FZ_THREAD | FZ_MINE);
		}
	}
}

uint32_t fz_junk_name(struct fz_ctx *c)
{
	uint32_t n;

	switch (fz_below(R, 6)) {
	case 0:
		return MACH_PORT_NULL;
	case 1:
		return MACH_PORT_DEAD;
	case 2:
		return (uint32_t)fz_next(R);
	case 3:
		n = c->stale[fz_below(R, 8)];
		return n ? n : 0x103;
	case 4:
		/* A live name's index with another generation. */
		if (c->nnames) {
			n = c->names[fz_below(R, c->nnames)].name;
			return (n & ~0xffU) | ((n + 1 + fz_below(R, 254)) & 0xffU);
		}
		return 0x203;
	default:
		return (fz_below(R, 4096) << 8) | fz_below(R, 256);
	}
}

/* A name of one of @kinds, or (rarely, or if there is none) a bad one. */
uint32_t fz_pick(struct fz_ctx *c, uint32_t kinds)
{
	if (fz_one_in(R, 24))
		return fz_junk_name(c);
	return fz_pick_exact(c, kinds);
}

uint32_t fz_pick_exact(struct fz_ctx *c, uint32_t kinds)
{
	uint32_t idx[FZ_NAMES];
	unsigned int i, n = 0;

	/*
	 * Three separate questions, each asked only if @kinds asks it: one of
	 * the rights, one of the objects (task, thread, host), one of the
	 * owners.  "A send right to a child's task" is FZ_SEND|FZ_TASK|FZ_CHILD.
	 */
	for (i = 0; i < c->nnames; i++) {
		uint32_t k = c->names[i].kind;
		uint32_t what = kinds & (FZ_TASK | FZ_THREAD | FZ_HOST);
		uint32_t whose = kinds & (FZ_MINE | FZ_CHILD | FZ_FOREIGN);
		uint32_t rights = kinds & FZ_RIGHTS;

		if ((kinds & FZ_ANY) == FZ_ANY)
			what = rights = 0;	/* any name at all */

		if (rights && !(k & rights))
			continue;
		if (what && !(k & what))
			continue;
		if (whose && !(k & whose))
			continue;
		idx[n++] = i;
	}
	if (!n)
		return fz_junk_name(c);
	return c->names[idx[fz_below(R, n)]].name;
}

/* A new receive right, with a send right under the same name if asked. */
uint32_t fz_new_port(struct fz_ctx *c, int with_send)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_ALLOCATE, .task = c->task,
				      .right = MACH_PORT_RIGHT_RECEIVE };

	if (fz_port(c, &op))
		return 0;
	fz_add(c, op.name, FZ_RECV);
	if (with_send) {
		struct machexc_port_op ins = { .op = MACHEXC_PORT_INSERT_RIGHT, .task = c->task,
					       .name = op.name, .poly = op.name,
					       .arg = MACH_MSG_TYPE_MAKE_SEND };

		if (fz_port(c, &ins) == 0)
			fz_add(c, op.name, FZ_RECV | FZ_SEND);
	}
	return op.name;
}

void fz_ipc_setup(struct fz_ctx *c)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SELF };
	int i;

	c->nnames = 0;
	c->nportfds = 0;
	if (fz_port(c, &op) == 0) {
		c->task = op.name;
		fz_add(c, op.name, FZ_SEND | FZ_TASK | FZ_MINE);
	}
	op = (struct machexc_port_op){ .op = MACHEXC_PORT_THREAD_SELF };
	if (fz_port(c, &op) == 0) {
		c->thread = op.name;
		fz_add(c, op.name, FZ_SEND | FZ_THREAD | FZ_MINE);
	}
	for (i = 0; i < 4; i++)
		fz_new_port(c, i != 3);
	op = (struct machexc_port_op){ .op = MACHEXC_PORT_ALLOCATE, .task = c->task,
				       .right = MACH_PORT_RIGHT_PORT_SET };
	if (fz_port(c, &op) == 0)
		fz_add(c, op.name, FZ_PSET);
	op = (struct machexc_port_op){ .op = MACHEXC_PORT_HOST_SELF };
	if (fz_port(c, &op) == 0) {
		c->host = op.name;
		fz_add(c, op.name, FZ_SEND | FZ_HOST);
	}
}

/* --- the device's ioctls --- */

FZ_GEN(version)
{
	struct machexc_version v;

	if (fz_one_in(R, 4))
		return machexc_api_version(&v) == 0 ? FZ_OK : FZ_FAIL;
	return ioctl(c->fd, MACHEXC_IOC_VERSION, &v) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(stats)
{
	struct machexc_stats s;

	if (fz_one_in(R, 4))
		return machexc_get_stats(&s) == 0 ? FZ_OK : FZ_FAIL;
	return ioctl(c->fd, MACHEXC_IOC_STATS, &s) == 0 ? FZ_OK : FZ_FAIL;
}

/*
 * An address the kernel must refuse, and that is nothing of ours: NULL,
 * below mmap_min_addr, non-canonical, the kernel's, or inside our
 * PROT_NONE guard page (never "just past" a mapping: that may be another).
 */
static void *bad_ptr(struct fz_ctx *c)
{
	switch (fz_below(R, 5)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)(1 + fz_below(R, 0x8000));
	case 2:
		return (void *)0x8000000000000000UL;
	case 3:
		return (void *)0xffff888000000000UL;
	default:
		return c->guard ? (char *)c->guard + fz_below(R, 4096) : NULL;
	}
}

/* Refused as documented: ENOTTY, EFAULT, EINVAL (ok = it was refused). */
FZ_GEN(ioctl_bad)
{
	static const unsigned long good[] = {
		MACHEXC_IOC_VERSION, MACHEXC_IOC_PORT, MACHEXC_IOC_MSG,
		MACHEXC_IOC_PORT_FD, MACHEXC_IOC_STATS,
	};
	unsigned long cmd;
	long r;
	int fd = c->fd;

	memset(c->buf, 0, 4096);
	switch (fz_below(R, 4)) {
	case 0:	/* an unknown number, or a known one with another size or direction */
		cmd = _IOC(fz_below(R, 4), MACHEXC_IOC_MAGIC, fz_below(R, 12),
			   fz_below(R, 4) ? fz_below(R, 256) : fz_below(R, 16384));
		for (r = 0; r < 5; r++)
			if (cmd == good[r])
				cmd ^= 1U << _IOC_SIZESHIFT;	/* not a good one by chance */
		r = ioctl(fd, cmd, c->buf);
		break;
	case 1:	/* a good command with a bad pointer */
		cmd = good[fz_below(R, 5)];
		r = ioctl(fd, cmd, bad_ptr(c));
		break;
	case 2:	/* another magic */
		cmd = _IOC(fz_below(R, 4), fz_below(R, 256), fz_below(R, 256), fz_below(R, 64));
		if (_IOC_TYPE(cmd) == MACHEXC_IOC_MAGIC)
			cmd ^= 1U << _IOC_TYPESHIFT;
		r = ioctl(fd, cmd, c->buf);
		break;
	default: /* the device's commands on a port fd */
		if (!c->nportfds)
			return FZ_SKIP;
		fd = c->portfds[fz_below(R, c->nportfds)];
		r = ioctl(fd, good[fz_below(R, 5)], c->buf);
		break;
	}
	return r < 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(port_fd)
{
	struct machexc_port_fd req = {
		.name = fz_pick(c, FZ_RECV | FZ_PSET),
		.flags = fz_choose(R, 0, O_CLOEXEC, O_NONBLOCK, O_CLOEXEC | O_NONBLOCK,
				   O_CLOEXEC, O_RDWR | O_APPEND),
	};
	struct pollfd p;
	int fd;

	if (c->nportfds == FZ_PORTFDS) {
		close(c->portfds[0]);
		memmove(c->portfds, c->portfds + 1, sizeof(c->portfds[0]) * (FZ_PORTFDS - 1));
		c->nportfds--;
	}
	if (fz_one_in(R, 4))
		fd = machexc_port_fd(req.name, (int)req.flags);
	else
		fd = ioctl(c->fd, MACHEXC_IOC_PORT_FD, &req);
	if (fd < 0)
		return FZ_FAIL;
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	poll(&p, 1, 0);
	c->portfds[c->nportfds++] = fd;
	return FZ_OK;
}

FZ_GEN(port_fd_poll)
{
	struct pollfd p[FZ_PORTFDS];
	struct epoll_event ev;
	unsigned int i;
	char byte;
	int ep, r;

	if (!c->nportfds)
		return FZ_SKIP;
	switch (fz_below(R, 5)) {
	case 0:	/* epoll */
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0)
			return FZ_FAIL;
		for (i = 0; i < c->nportfds; i++) {
			ev = (struct epoll_event){ .events = EPOLLIN | (fz_one_in(R, 2) ? EPOLLET : 0),
						   .data.u32 = i };
			epoll_ctl(ep, EPOLL_CTL_ADD, c->portfds[i], &ev);
		}
		r = epoll_wait(ep, &ev, 1, 0);
		close(ep);
		return r >= 0 ? FZ_OK : FZ_FAIL;
	case 1:	/* close one */
		i = fz_below(R, c->nportfds);
		r = close(c->portfds[i]);
		c->portfds[i] = c->portfds[--c->nportfds];
		return r == 0 ? FZ_OK : FZ_FAIL;
	case 2:	/* what a port fd does with read and write */
		i = fz_below(R, c->nportfds);
		if (fz_one_in(R, 2))
			r = (int)read(c->portfds[i], &byte, 1);
		else
			r = (int)write(c->portfds[i], "x", 1);
		return r >= 0 ? FZ_OK : FZ_FAIL;
	default:
		for (i = 0; i < c->nportfds; i++)
			p[i] = (struct pollfd){ .fd = c->portfds[i], .events = POLLIN | POLLOUT };
		r = poll(p, c->nportfds, fz_one_in(R, 8) ? 1 : 0);
		return r >= 0 ? FZ_OK : FZ_FAIL;
	}
}

/* --- mach_port_* --- */

static uint32_t some_right(struct fz_ctx *c)
{
	if (fz_one_in(R, 16))
		return fz_below(R, 8);
	return fz_choose(R, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_RECEIVE,
			 MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_RECEIVE,
			 MACH_PORT_RIGHT_PORT_SET, MACH_PORT_RIGHT_DEAD_NAME);
}

static int allocate(struct fz_ctx *c, struct machexc_port_op *op)
{
	long kr = fz_port(c, op);

	if (kr == 0) {
		fz_refresh(c, op->name);
		if (op->right == MACH_PORT_RIGHT_RECEIVE && !fz_one_in(R, 4)) {
			struct machexc_port_op ins = {
				.op = MACHEXC_PORT_INSERT_RIGHT, .task = c->task,
				.name = op->name, .poly = op->name,
				.arg = MACH_MSG_TYPE_MAKE_SEND,
			};

			fz_port(c, &ins);
			fz_refresh(c, op->name);
		}
	}
	return kr == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(allocate)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_ALLOCATE, .task = self_task(c),
				      .right = some_right(c) };

	return allocate(c, &op);
}

FZ_GEN(allocate_name)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_ALLOCATE_NAME, .task = self_task(c),
				      .right = some_right(c) };

	if (fz_one_in(R, 8))
		op.name = fz_pick(c, FZ_ANY);	/* taken */
	else
		op.name = ((0x1000 + fz_below(R, 0x3000)) << 8) | fz_below(R, 256);
	return allocate(c, &op);
}

/* A name to drop, sparing our own task and thread names most of the time. */
static uint32_t victim(struct fz_ctx *c, uint32_t kinds)
{
	uint32_t n = fz_pick(c, kinds);
	int tries = 4;

	while ((n == c->task || n == c->thread) && tries-- && !fz_one_in(R, 64))
		n = fz_pick(c, kinds);
	return n;
}

FZ_GEN(deallocate)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_DEALLOCATE, .task = self_task(c),
				      .name = victim(c, FZ_SEND | FZ_SONCE | FZ_DEAD | FZ_RECV) };
	long kr = fz_port(c, &op);

	fz_refresh(c, op.name);
	return kr == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(destroy)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_DESTROY, .task = self_task(c),
				      .name = victim(c, FZ_ANY) };
	long kr = fz_port(c, &op);

	fz_refresh(c, op.name);
	return kr == 0 ? FZ_OK : FZ_FAIL;
}

/* The right a name of kind @k has, for mod_refs and get_refs. */
static uint32_t right_of(struct fz_ctx *c, uint32_t k)
{
	uint32_t r[5], n = 0;

	if (fz_one_in(R, 12) || !(k & FZ_RIGHTS))
		return fz_below(R, 7);
	if (k & FZ_SEND)
		r[n++] = MACH_PORT_RIGHT_SEND;
	if (k & FZ_RECV)
		r[n++] = MACH_PORT_RIGHT_RECEIVE;
	if (k & FZ_SONCE)
		r[n++] = MACH_PORT_RIGHT_SEND_ONCE;
	if (k & FZ_PSET)
		r[n++] = MACH_PORT_RIGHT_PORT_SET;
	if (k & FZ_DEAD)
		r[n++] = MACH_PORT_RIGHT_DEAD_NAME;
	return r[fz_below(R, n)];
}

FZ_GEN(mod_refs)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_MOD_REFS, .task = self_task(c) };
	long kr;

	op.name = victim(c, FZ_ANY);
	op.right = right_of(c, fz_kind_of(c, op.name));
	if (fz_one_in(R, 16))
		op.delta = (int32_t)fz_next(R);
	else
		op.delta = (int32_t)fz_choose(R, 1, 1, 2, 0, -1, -1, -1, -2, 0xffff);
	kr = fz_port(c, &op);
	fz_refresh(c, op.name);
	return kr == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(get_refs)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_GET_REFS, .task = self_task(c) };

	op.name = fz_pick(c, FZ_ANY);
	op.right = right_of(c, fz_kind_of(c, op.name));
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(type)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TYPE, .task = self_task(c),
				      .name = fz_pick(c, FZ_ANY) };
	long kr = fz_port(c, &op);

	fz_refresh(c, op.name);
	return kr == 0 ? FZ_OK : FZ_FAIL;
}

/* A disposition that suits a name of kind @k (now and then any). */
static uint32_t disposition_for(struct fz_ctx *c, uint32_t k)
{
	if (fz_one_in(R, 16))
		return fz_one_in(R, 2) ? fz_below(R, 32) : fz_choose(R,
			MACH_MSG_TYPE_COPY_RECEIVE, MACH_MSG_TYPE_DISPOSE_RECEIVE,
			MACH_MSG_TYPE_DISPOSE_SEND, MACH_MSG_TYPE_DISPOSE_SEND_ONCE,
			MACH_MSG_TYPE_PORT_NAME);
	if (k & FZ_RECV)
		return fz_choose(R, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND,
				 MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_MAKE_SEND_ONCE,
				 MACH_MSG_TYPE_MOVE_RECEIVE,
				 k & FZ_SEND ? MACH_MSG_TYPE_COPY_SEND : MACH_MSG_TYPE_MAKE_SEND);
	if (k & FZ_SEND)
		return fz_choose(R, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_COPY_SEND,
				 MACH_MSG_TYPE_MOVE_SEND);
	if (k & FZ_SONCE)
		return MACH_MSG_TYPE_MOVE_SEND_ONCE;
	if (k & FZ_DEAD)
		return fz_choose(R, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND,
				 MACH_MSG_TYPE_MOVE_SEND_ONCE);
	return fz_choose(R, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND);
}

FZ_GEN(insert_right)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_INSERT_RIGHT, .task = self_task(c) };
	long kr;

	op.poly = fz_pick(c, FZ_RECV | FZ_SEND | FZ_SONCE | FZ_DEAD);
	op.arg = disposition_for(c, fz_kind_of(c, op.poly));
	switch (fz_below(R, 4)) {
	case 0:	/* under another name: a new one, or one that is taken */
		op.name = fz_one_in(R, 2) ? ((0x4000 + fz_below(R, 0x2000)) << 8) | 1 :
					    fz_pick(c, FZ_ANY);
		break;
	default:
		op.name = op.poly;
		break;
	}
	kr = fz_port(c, &op);
	fz_refresh(c, op.name);
	fz_refresh(c, op.poly);
	return kr == 0 ? FZ_OK : FZ_FAIL;
}

static uint32_t kind_of_msg_type(uint32_t t)
{
	switch (t) {
	case MACH_MSG_TYPE_PORT_RECEIVE:
		return FZ_RECV;
	case MACH_MSG_TYPE_PORT_SEND:
		return FZ_SEND;
	case MACH_MSG_TYPE_PORT_SEND_ONCE:
		return FZ_SONCE;
	default:
		return 0;
	}
}

FZ_GEN(extract_right)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_EXTRACT_RIGHT, .task = self_task(c) };
	uint32_t k;
	long kr;

	op.name = victim(c, FZ_RECV | FZ_SEND | FZ_SONCE | FZ_DEAD);
	k = fz_kind_of(c, op.name);
	op.arg = disposition_for(c, k);
	kr = fz_port(c, &op);
	if (kr == 0) {
		fz_refresh(c, op.poly);
		/* A task or thread port stays one under its new name. */
		if (k & (FZ_TASK | FZ_THREAD | FZ_HOST) && kind_of_msg_type(op.value) == FZ_SEND)
			fz_add(c, op.poly, FZ_SEND | (k & ~FZ_RIGHTS));
	}
	fz_refresh(c, op.name);
	return kr == 0 ? FZ_OK : FZ_FAIL;
}

/*
 * mach_port_names: believe the module about everything, and keep the
 * space small: past twice what the table holds, drop what we do not track.
 */
FZ_GEN(names)
{
	uint32_t *buf = c->rbuf, cap = fz_choose(R, 0, 1, 16, 1024, 1024, 1024), i, n;
	struct machexc_port_op op = { .op = MACHEXC_PORT_NAMES, .task = self_task(c),
				      .buf = (uintptr_t)buf, .count = cap };
	long kr;

	if (fz_one_in(R, 32))
		op.buf = (uintptr_t)bad_ptr(c);
	kr = fz_port(c, &op);
	if (kr != 0 || op.buf != (uintptr_t)buf)
		return kr == 0 ? FZ_OK : FZ_FAIL;
	n = op.count < cap ? op.count : cap;
	for (i = 0; i < n; i++) {
		uint32_t name = buf[i], k = kind_of_type(buf[n + i]);
		struct fz_name *e = find(c, name);

		if (e)
			e->kind = (e->kind & ~FZ_RIGHTS) | k;
		else if (c->nnames < FZ_NAMES)
			fz_add(c, name, k);
		else if (n > 2 * FZ_NAMES && name != c->task && name != c->thread &&
			 name != c->host) {
			struct machexc_port_op d = { .op = MACHEXC_PORT_DESTROY,
						     .task = c->task, .name = name };

			fz_port(c, &d);
		}
	}
	return FZ_OK;
}

static int member(struct fz_ctx *c, uint32_t code)
{
	struct machexc_port_op op = { .op = code, .task = self_task(c),
				      .name = fz_pick(c, FZ_RECV),
				      .poly = fz_pick(c, FZ_PSET) };

	if (code == MACHEXC_PORT_MOVE_MEMBER && fz_one_in(R, 3))
		op.poly = MACH_PORT_NULL;
	if (code == MACHEXC_PORT_EXTRACT_MEMBER && c->member && fz_one_in(R, 2)) {
		op.name = c->member;	/* what we put in a set: out again */
		op.poly = c->set;
	}
	if (fz_port(c, &op))
		return FZ_FAIL;
	if (code != MACHEXC_PORT_EXTRACT_MEMBER && op.poly) {
		c->member = op.name;
		c->set = op.poly;
	}
	return FZ_OK;
}

FZ_GEN(move_member) { return member(c, MACHEXC_PORT_MOVE_MEMBER); }
FZ_GEN(insert_member) { return member(c, MACHEXC_PORT_INSERT_MEMBER); }
FZ_GEN(extract_member) { return member(c, MACHEXC_PORT_EXTRACT_MEMBER); }

FZ_GEN(request_notification)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_REQUEST_NOTIFICATION,
				      .task = self_task(c) };
	long kr;

	op.arg = fz_choose(R, MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS,
			   MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_PORT_DELETED,
			   MACH_NOTIFY_SEND_ONCE, MACH_NOTIFY_PORT_DESTROYED,
			   MACH_NOTIFY_SEND_POSSIBLE, fz_below(R, 0x100));
	switch (op.arg) {
	case MACH_NOTIFY_NO_SENDERS:
	case MACH_NOTIFY_PORT_DESTROYED:
		op.name = fz_pick(c, FZ_RECV);
		op.value = fz_choose(R, 0, 0, 1, 2);	/* make-send count */
		break;
	case MACH_NOTIFY_DEAD_NAME:
		op.name = fz_pick(c, FZ_SEND | FZ_SONCE | FZ_DEAD);
		op.value = fz_choose(R, 0, 0, 1);	/* sync: dead already fires */
		break;
	default:
		op.name = fz_pick(c, FZ_ANY);
		break;
	}
	switch (fz_below(R, 6)) {
	case 0:	/* cancel */
		op.poly = MACH_PORT_NULL;
		op.right = MACH_MSG_TYPE_MAKE_SEND_ONCE;
		break;
	case 1:	/* a send-once right we hold */
		op.poly = fz_pick(c, FZ_SONCE);
		op.right = MACH_MSG_TYPE_MOVE_SEND_ONCE;
		break;
	case 2:
		op.poly = fz_pick(c, FZ_ANY);
		op.right = fz_below(R, 32);
		break;
	default:
		op.poly = fz_pick(c, FZ_RECV);
		op.right = MACH_MSG_TYPE_MAKE_SEND_ONCE;
		break;
	}
	kr = fz_port(c, &op);
	if (kr == 0 && op.poly)
		fz_refresh(c, op.poly);		/* the previous request's right */
	fz_refresh(c, op.name);
	return kr == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(get_attributes)
{
	uint32_t *buf = c->rbuf;
	struct machexc_port_op op = { .op = MACHEXC_PORT_GET_ATTRIBUTES, .task = self_task(c),
				      .name = fz_pick(c, FZ_RECV), .buf = (uintptr_t)buf };

	op.arg = fz_choose(R, MACH_PORT_LIMITS_INFO, MACH_PORT_RECEIVE_STATUS,
			   MACH_PORT_RECEIVE_STATUS, MACH_PORT_DNREQUESTS_SIZE,
			   MACH_PORT_TEMPOWNER, MACH_PORT_INFO_EXT, fz_below(R, 64));
	op.count = fz_one_in(R, 8) ? fz_below(R, 32) : MACH_PORT_RECEIVE_STATUS_COUNT;
	if (fz_one_in(R, 32))
		op.buf = (uintptr_t)bad_ptr(c);
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(set_attributes)
{
	uint32_t *buf = c->rbuf;
	struct machexc_port_op op = { .op = MACHEXC_PORT_SET_ATTRIBUTES, .task = self_task(c),
				      .name = fz_pick(c, FZ_RECV), .buf = (uintptr_t)buf };
	unsigned int i;

	op.arg = fz_choose(R, MACH_PORT_LIMITS_INFO, MACH_PORT_LIMITS_INFO, MACH_PORT_LIMITS_INFO,
			   MACH_PORT_RECEIVE_STATUS, MACH_PORT_DNREQUESTS_SIZE,
			   MACH_PORT_TEMPOWNER, fz_below(R, 64));
	op.count = op.arg == MACH_PORT_LIMITS_INFO ? MACH_PORT_LIMITS_INFO_COUNT :
		   MACH_PORT_RECEIVE_STATUS_COUNT;
	if (fz_one_in(R, 8))
		op.count = fz_below(R, 16);
	for (i = 0; i < MACH_PORT_RECEIVE_STATUS_COUNT; i++)
		buf[i] = (uint32_t)fz_next(R);
	buf[0] = fz_choose(R, 0, 1, 5, 16, 64, 1024, 1025, (uint32_t)fz_next(R));
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(task_self)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SELF };

	if (fz_port(c, &op))
		return FZ_FAIL;
	c->task = op.name;
	fz_add(c, op.name, FZ_SEND | FZ_TASK | FZ_MINE);
	return FZ_OK;
}

FZ_GEN(get_special_port)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_GET_SPECIAL_PORT, .task = self_task(c) };

	op.arg = fz_choose(R, TASK_KERNEL_PORT, TASK_BOOTSTRAP_PORT, TASK_BOOTSTRAP_PORT,
			   TASK_HOST_PORT, TASK_NAME_PORT, fz_below(R, 16), 0xffffffffU);
	if (fz_port(c, &op))
		return FZ_FAIL;
	if (op.poly) {
		fz_refresh(c, op.poly);
		if (op.arg == TASK_KERNEL_PORT)
			fz_add(c, op.poly, FZ_SEND | FZ_TASK | FZ_MINE);
	}
	return FZ_OK;
}

FZ_GEN(set_special_port)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_SET_SPECIAL_PORT, .task = self_task(c) };

	op.arg = fz_choose(R, TASK_BOOTSTRAP_PORT, TASK_BOOTSTRAP_PORT, TASK_BOOTSTRAP_PORT,
			   TASK_KERNEL_PORT, fz_below(R, 16));
	op.poly = fz_one_in(R, 6) ? MACH_PORT_NULL : fz_pick(c, FZ_SEND);
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

/* MACHEXC_IOC_PORT that is wrong as a whole (ok = refused). */
FZ_GEN(port_op_bad)
{
	struct machexc_port_op op = { .task = c->task };
	long r;

	switch (fz_below(R, 6)) {
	case 0:
		op.op = fz_choose(R, 0, MACHEXC_PORT_OP_MAX + 1, 0x100, 0xffffffffU);
		break;
	case 1:
		op.op = 1 + fz_below(R, MACHEXC_PORT_OP_MAX);
		op.reserved = 1 + fz_below(R, 0xffff);
		break;
	case 2:	/* a space operation on a task that is not ours */
		op.op = 1 + fz_below(R, MACHEXC_PORT_SET_SPECIAL_PORT);
		if (op.op == MACHEXC_PORT_TASK_SELF)
			op.op = MACHEXC_PORT_TYPE;
		op.task = fz_junk_name(c);
		if (op.task == c->task)
			op.task = 0;
		op.name = fz_pick(c, FZ_ANY);
		break;
	case 3:	/* a buffer that is not there */
		op.op = fz_choose(R, MACHEXC_PORT_NAMES, MACHEXC_PORT_GET_ATTRIBUTES,
				  MACHEXC_PORT_SET_ATTRIBUTES, MACHEXC_PORT_TASK_GET_EXCEPTION_PORTS,
				  MACHEXC_PORT_THREAD_GET_STATE, MACHEXC_PORT_THREAD_SET_STATE,
				  MACHEXC_PORT_TASK_THREADS, MACHEXC_PORT_TASK_INFO,
				  MACHEXC_PORT_THREAD_FAULT, MACHEXC_PORT_TASK_SWAP_EXCEPTION_PORTS);
		op.name = fz_pick(c, FZ_RECV);
		op.buf = (uintptr_t)bad_ptr(c);
		op.count = fz_choose(R, 1, 4, 42, 614);
		op.arg = x86_THREAD_STATE64;
		if (op.op == MACHEXC_PORT_NAMES || op.op == MACHEXC_PORT_TASK_THREADS)
			op.count = 0x100000;
		if (op.op >= MACHEXC_PORT_TASK_SET_EXCEPTION_PORTS)
			op.task = fz_pick_exact(c, FZ_SEND | FZ_THREAD);
		if (op.op == MACHEXC_PORT_TASK_THREADS || op.op == MACHEXC_PORT_TASK_INFO ||
		    op.op == MACHEXC_PORT_TASK_GET_EXCEPTION_PORTS ||
		    op.op == MACHEXC_PORT_TASK_SWAP_EXCEPTION_PORTS)
			op.task = c->task;
		break;
	case 4:	/* counts past the limits */
		op.op = fz_choose(R, MACHEXC_PORT_SET_ATTRIBUTES, MACHEXC_PORT_THREAD_SET_STATE);
		op.task = fz_pick_exact(c, FZ_SEND | FZ_THREAD);
		if (op.op == MACHEXC_PORT_SET_ATTRIBUTES)
			op.task = c->task;
		op.name = fz_pick(c, FZ_RECV);
		op.count = fz_choose(R, 615, 0x10000, 0xffffffffU);
		op.buf = (uintptr_t)c->rbuf;
		break;
	default: /* the structure itself unreadable */
		r = ioctl(c->fd, MACHEXC_IOC_PORT, bad_ptr(c));
		return r != 0 ? FZ_OK : FZ_FAIL;
	}
	r = fz_port(c, &op);
	if (op.op == MACHEXC_PORT_TASK_THREADS && r == 0)
		return FZ_FAIL;
	return r != 0 ? FZ_OK : FZ_FAIL;
}

/* --- mach_msg --- */

struct fz_builder {
	uint8_t *p;
	uint32_t len, ndesc;
	uint32_t used[80];		/* names whose rights the message may move */
	uint32_t nused;
};

static void use(struct fz_builder *b, uint32_t name)
{
	if (b->nused < 80 && name && name != MACH_PORT_DEAD)
		b->used[b->nused++] = name;
}

static void put32(struct fz_builder *b, uint32_t v)
{
	memcpy(b->p + b->len, &v, 4);
	b->len += 4;
}

static void put_port_desc(struct fz_builder *b, uint32_t name, uint32_t disp, uint32_t type)
{
	mach_msg_port_descriptor_t d = { .name = name, .disposition = disp, .type = type };

	memcpy(b->p + b->len, &d, sizeof(d));
	b->len += sizeof(d);
	b->ndesc++;
	use(b, name);
}

/* A header: to a right of ours, with a reply right now and then. */
static void header(struct fz_ctx *c, struct fz_builder *b, int complex)
{
	mach_msg_header_t *h = (void *)b->p;
	uint32_t remote = fz_pick(c, FZ_SEND | FZ_RECV | FZ_SONCE), local = 0, rbits, lbits = 0;

	if (fz_one_in(R, 64))
		remote = fz_pick(c, FZ_DEAD | FZ_PSET);
	rbits = disposition_for(c, fz_kind_of(c, remote));
	if (rbits == MACH_MSG_TYPE_MOVE_RECEIVE && !fz_one_in(R, 8))
		rbits = MACH_MSG_TYPE_MAKE_SEND;
	switch (fz_below(R, 4)) {
	case 0:
		local = fz_pick(c, FZ_RECV);
		lbits = MACH_MSG_TYPE_MAKE_SEND_ONCE;
		break;
	case 1:
		local = fz_pick(c, FZ_RECV | FZ_SEND | FZ_SONCE);
		lbits = disposition_for(c, fz_kind_of(c, local));
		break;
	default:
		break;
	}
	memset(h, 0, sizeof(*h));
	h->msgh_bits = MACH_MSGH_BITS(rbits, lbits) | (complex ? MACH_MSGH_BITS_COMPLEX : 0);
	h->msgh_remote_port = remote;
	h->msgh_local_port = local;
	h->msgh_id = fz_one_in(R, 16) ? (int)fz_choose(R, 2401, 2402, 2403, 2405, 2406, 2407,
							2501, 2505, 0110, 0106, 0107)
				      : (int)fz_below(R, 5000);
	if (fz_one_in(R, 64))
		h->msgh_voucher_port = fz_pick(c, FZ_SEND);
	b->len = sizeof(*h);
	b->ndesc = 0;
	b->nused = 0;
	use(b, remote);
	use(b, local);
}

static void payload(struct fz_ctx *c, struct fz_builder *b)
{
	uint32_t n = fz_one_in(R, 4) ? 0 : fz_below(R, fz_one_in(R, 16) ? 4096 : 64), i;

	for (i = 0; i < n; i++)
		put32(b, (uint32_t)fz_next(R));
}

static uint32_t send_options(struct fz_ctx *c, uint32_t *timeout)
{
	uint32_t o = MACH_SEND_MSG | MACH_SEND_TIMEOUT;

	*timeout = fz_choose(R, 0, 0, 0, 1, 2);
	if (fz_one_in(R, 8))
		o |= fz_choose(R, MACH_SEND_INTERRUPT, MACH_SEND_NOTIFY, MACH_SEND_ALWAYS,
			       MACH_SEND_TRAILER, MACH_SEND_OVERRIDE, MACH_SEND_SYNC_OVERRIDE,
			       MACH_SEND_NOIMPORTANCE, MACH_SEND_KERNEL);
	return o;
}

/* After a send, what happened to the rights it named. */
static void after_send(struct fz_ctx *c, struct fz_builder *b)
{
	uint32_t i;

	for (i = 0; i < b->nused; i++)
		fz_refresh(c, b->used[i]);
}

static int send(struct fz_ctx *c, struct fz_builder *b)
{
	uint32_t timeout, opt = send_options(c, &timeout);
	mach_msg_header_t *h = (void *)b->p;
	long mr;

	h->msgh_size = b->len;
	mr = msg_notify(c->fd, b->p, opt, b->len, 0, 0, timeout, notify_arg(c));
	after_send(c, b);
	return mr == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(msg_send)
{
	struct fz_builder b = { .p = c->buf };

	header(c, &b, 0);
	payload(c, &b);
	return send(c, &b);
}

/* Port descriptors, every disposition; sometimes many send-once rights at once. */
static void port_descs(struct fz_ctx *c, struct fz_builder *b, uint32_t n)
{
	uint32_t i;

	if (fz_one_in(R, 24)) {
		uint32_t name = fz_pick(c, FZ_RECV), many = 16 + fz_below(R, 48);

		for (i = 0; i < many; i++)
			put_port_desc(b, name, fz_choose(R, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							 MACH_MSG_TYPE_MAKE_SEND),
				      MACH_MSG_PORT_DESCRIPTOR);
		return;
	}
	for (i = 0; i < n; i++) {
		uint32_t name = fz_one_in(R, 12) ? MACH_PORT_NULL :
				fz_pick(c, FZ_RECV | FZ_SEND | FZ_SONCE | FZ_DEAD);

		put_port_desc(b, name, disposition_for(c, fz_kind_of(c, name)),
			      fz_one_in(R, 32) ? fz_below(R, 8) : MACH_MSG_PORT_DESCRIPTOR);
	}
}

FZ_GEN(msg_send_complex)
{
	struct fz_builder b = { .p = c->buf };
	uint32_t at;

	header(c, &b, 1);
	at = b.len;
	put32(&b, 0);
	port_descs(c, &b, fz_below(R, 9));
	memcpy(b.p + at, &b.ndesc, 4);
	payload(c, &b);
	return send(c, &b);
}

/*
 * Out-of-line memory and port arrays, volatile and guarded descriptors:
 * what macOS has and machexc may not yet (MACH_SEND_INVALID_TYPE until it
 * does).  Memory sent with deallocate set is a mapping of its own.
 */
FZ_GEN(msg_send_ool)
{
	struct fz_builder b = { .p = c->buf };
	uint32_t at, n = 1 + fz_below(R, 4), i, *names = (uint32_t *)((uint8_t *)c->buf + 60000);
	void *maps[8];
	unsigned int nmaps = 0;
	int r;

	header(c, &b, 1);
	at = b.len;
	put32(&b, 0);
	for (i = 0; i < 8; i++)
		names[i] = fz_pick(c, FZ_SEND | FZ_RECV | FZ_SONCE);
	for (i = 0; i < n; i++) {
		uint32_t type = fz_choose(R, MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_DESCRIPTOR,
					  MACH_MSG_OOL_PORTS_DESCRIPTOR,
					  MACH_MSG_OOL_PORTS_DESCRIPTOR,
					  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
					  MACH_MSG_GUARDED_PORT_DESCRIPTOR, MACH_MSG_PORT_DESCRIPTOR,
					  5 + fz_below(R, 251));
		mach_msg_ool_descriptor_t d = { .type = type };

		if (type == MACH_MSG_PORT_DESCRIPTOR) {
			port_descs(c, &b, 1);
			continue;
		}
		d.copy = fz_choose(R, MACH_MSG_PHYSICAL_COPY, MACH_MSG_VIRTUAL_COPY,
				   MACH_MSG_VIRTUAL_COPY, MACH_MSG_ALLOCATE, 7);
		d.deallocate = fz_one_in(R, 4);
		if (type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
			mach_msg_ool_ports_descriptor_t *pd = (void *)&d;

			pd->disposition = disposition_for(c, fz_kind_of(c, names[0]));
			pd->count = fz_one_in(R, 16) ? 0x10000000 : fz_below(R, 9);
			pd->address = names;
			for (uint32_t j = 0; j < 8; j++)
				use(&b, names[j]);
		} else {
			d.size = fz_one_in(R, 16) ? 0x7fffffff : fz_below(R, 3 * 4096);
			d.address = fz_one_in(R, 16) ? bad_ptr(c) : c->rbuf;
		}
		if (d.deallocate && nmaps < 8) {
			void *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m != MAP_FAILED) {
				maps[nmaps++] = m;
				if (type == MACH_MSG_OOL_PORTS_DESCRIPTOR)
					memcpy(m, names, 8 * 4);
				d.address = m;
			}
		}
		memcpy(b.p + b.len, &d, sizeof(d));
		b.len += sizeof(d);
		b.ndesc++;
	}
	memcpy(b.p + at, &b.ndesc, 4);
	payload(c, &b);
	r = send(c, &b);
	/* Refused: the memory is still ours to free. */
	for (i = 0; r != FZ_OK && i < nmaps; i++)
		munmap(maps[i], 3 * 4096);
	return r;
}

int fz_is_exception(const mach_msg_header_t *h)
{
	return (h->msgh_id >= 2401 && h->msgh_id <= 2403) ||
	       (h->msgh_id >= 2405 && h->msgh_id <= 2407);
}

/*
 * Take in what a received message gave us: its reply right, the rights of
 * its descriptors, out-of-line memory (freed) and port arrays.
 */
void fz_absorb(struct fz_ctx *c, void *msg, uint32_t size)
{
	mach_msg_header_t *h = msg;
	uint8_t *p = (uint8_t *)msg + sizeof(*h), *end = (uint8_t *)msg + size;
	uint32_t n, i;

	if (size < sizeof(*h) || h->msgh_size > size)
		return;
	end = (uint8_t *)msg + h->msgh_size;
	fz_add(c, h->msgh_remote_port, kind_of_msg_type(MACH_MSGH_BITS_REMOTE(h->msgh_bits)));
	if (!(h->msgh_bits & MACH_MSGH_BITS_COMPLEX) || p + 4 > end)
		return;
	memcpy(&n, p, 4);
	p += 4;
	for (i = 0; i < n && p + 12 <= end; i++) {
		mach_msg_type_descriptor_t t;

		memcpy(&t, p, sizeof(t));
		if (t.type == MACH_MSG_PORT_DESCRIPTOR) {
			mach_msg_port_descriptor_t d;

			memcpy(&d, p, sizeof(d));
			fz_add(c, d.name, kind_of_msg_type(d.disposition));
			p += sizeof(d);
		} else if (t.type == MACH_MSG_OOL_DESCRIPTOR ||
			   t.type == MACH_MSG_OOL_VOLATILE_DESCRIPTOR) {
			mach_msg_ool_descriptor_t d;

			if (p + sizeof(d) > end)
				return;
			memcpy(&d, p, sizeof(d));
			if (d.address && d.size)
				munmap(d.address, d.size);
			p += sizeof(d);
		} else if (t.type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
			mach_msg_ool_ports_descriptor_t d;
			uint32_t j;

			if (p + sizeof(d) > end)
				return;
			memcpy(&d, p, sizeof(d));
			for (j = 0; d.address && j < d.count && j < 4096; j++)
				fz_add(c, ((uint32_t *)d.address)[j], kind_of_msg_type(d.disposition));
			if (d.address && d.count)
				munmap(d.address, d.count * 4);
			p += sizeof(d);
		} else {
			return;	/* unknown: stop reading */
		}
	}
}

/* After a receive: take the message in, and answer it if it is an exception. */
static void received(struct fz_ctx *c, void *buf, uint32_t rcv_size)
{
	mach_msg_header_t *h = buf;

	if (fz_is_exception(h)) {
		fz_serve(c->fd, R, h, c);
		return;
	}
	fz_absorb(c, buf, rcv_size);
}

static uint32_t rcv_options(struct fz_ctx *c)
{
	uint32_t o = MACH_RCV_MSG | MACH_RCV_TIMEOUT;

	if (fz_one_in(R, 4))
		o |= MACH_RCV_LARGE;
	if (fz_one_in(R, 3))
		o |= MACH_RCV_TRAILER_TYPE(fz_one_in(R, 8) ? 1 : 0) |
		     MACH_RCV_TRAILER_ELEMENTS(fz_below(R, 9));
	if (fz_one_in(R, 16))
		o |= fz_choose(R, MACH_RCV_INTERRUPT, MACH_RCV_VOUCHER, MACH_RCV_SYNC_WAIT,
			       MACH_RCV_GUARDED_DESC, MACH_RCV_LARGE_IDENTITY);
	return o;
}

FZ_GEN(msg_receive)
{
	uint32_t name = fz_pick(c, FZ_RECV | FZ_PSET), size = FZ_BUF;
	long mr;

	if (fz_one_in(R, 8))
		size = fz_choose(R, 0, 24, 32, 44, 64, 128);
	mr = msg_notify(c->fd, c->rbuf, rcv_options(c), 0, size, name,
			fz_choose(R, 0, 0, 0, 1, 3), notify_arg(c));
	if (mr == 0)
		received(c, c->rbuf, size);
	else if (mr == MACH_RCV_TOO_LARGE && size >= sizeof(mach_msg_header_t))
		mr = 0;		/* MACH_RCV_LARGE: the size came back, the message stays */
	return mr == 0 ? FZ_OK : FZ_FAIL;
}

/* Send and receive in one call: a request with a reply port, and the wait. */
FZ_GEN(msg_rpc)
{
	struct fz_builder b = { .p = c->buf };
	mach_msg_header_t *h = (void *)b.p;
	uint32_t reply = fz_pick(c, FZ_RECV), timeout, opt;
	long mr;

	header(c, &b, fz_one_in(R, 2));
	if (h->msgh_bits & MACH_MSGH_BITS_COMPLEX) {
		uint32_t at = b.len;

		put32(&b, 0);
		port_descs(c, &b, fz_below(R, 4));
		memcpy(b.p + at, &b.ndesc, 4);
	}
	payload(c, &b);
	h->msgh_local_port = reply;
	h->msgh_bits = (h->msgh_bits & ~0xff00U) |
		       (fz_one_in(R, 8) ? MACH_MSG_TYPE_MAKE_SEND : MACH_MSG_TYPE_MAKE_SEND_ONCE) << 8;
	use(&b, reply);
	h->msgh_size = b.len;
	opt = send_options(c, &timeout) | rcv_options(c);
	mr = msg_notify(c->fd, b.p, opt, b.len, FZ_BUF,
			fz_one_in(R, 8) ? fz_pick(c, FZ_PSET) : reply, timeout, notify_arg(c));
	if (mr == 0)
		received(c, b.p, FZ_BUF);
	after_send(c, &b);
	return mr == 0 || mr == MACH_RCV_TIMED_OUT ? FZ_OK : FZ_FAIL;
}

/* Malformed messages and calls (ok = refused). */
FZ_GEN(msg_bad)
{
	struct fz_builder b = { .p = c->buf };
	mach_msg_header_t *h = (void *)b.p;
	uint32_t size, opt = MACH_SEND_MSG | MACH_SEND_TIMEOUT, rcv = 0, rcv_name = 0;
	void *p = b.p;
	long mr;

	header(c, &b, 0);
	payload(c, &b);
	size = b.len;
	switch (fz_below(R, 10)) {
	case 0:	/* shorter than a header, or not a multiple of 4 */
		size = fz_choose(R, 0, 4, 8, 20, 23, 25, size + 1, size + 2);
		break;
	case 1:	/* larger than max_msg_size */
		if (!c->big) {
			c->big = mmap(NULL, FZ_BIG, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (c->big == MAP_FAILED) {
				c->big = NULL;
				return FZ_SKIP;
			}
		}
		memcpy(c->big, b.p, b.len);
		p = c->big;
		h = p;
		size = FZ_BIG - fz_below(R, 4) * 4;
		break;
	case 2:	/* a complex message whose descriptors do not fit */
		h->msgh_bits |= MACH_MSGH_BITS_COMPLEX;
		memcpy(b.p + sizeof(*h), &(uint32_t){ fz_choose(R, 1, 2, 1000, 0x7fffffff,
							       0xffffffffU) }, 4);
		size = sizeof(*h) + 4 + fz_below(R, 3) * 4;
		break;
	case 3:	/* header bits that mean nothing */
		h->msgh_bits |= (uint32_t)fz_next(R) & ~0x80001f1fU;
		h->msgh_bits |= fz_one_in(R, 2) ? (fz_below(R, 32) << 16) : 0;
		break;
	case 4:	/* the message is not there */
		p = bad_ptr(c);
		break;
	case 5:	/* a receive into memory that is not there (a message may be lost) */
		opt = MACH_RCV_MSG | MACH_RCV_TIMEOUT;
		rcv = fz_choose(R, 64, FZ_BUF, 0x7fffffff);
		rcv_name = fz_pick(c, FZ_RECV | FZ_PSET);
		p = bad_ptr(c);
		break;
	case 6:	/* options nobody knows */
		opt |= (uint32_t)fz_next(R) & ~0x3U & ~MACH_SEND_TIMEOUT;
		break;
	case 7:	/* a dead or null destination, a port set, a receive-only disposition */
		h->msgh_remote_port = fz_choose(R, MACH_PORT_NULL, MACH_PORT_DEAD,
						fz_pick(c, FZ_PSET), fz_pick(c, FZ_DEAD));
		h->msgh_bits = (h->msgh_bits & ~0x1fU) |
			       fz_choose(R, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_RECEIVE, 0,
					 MACH_MSG_TYPE_COPY_RECEIVE, 31);
		break;
	case 8:	/* receive with a size smaller than a header, and no timeout flag */
		opt = MACH_RCV_MSG | MACH_RCV_TIMEOUT | (fz_one_in(R, 2) ? MACH_RCV_LARGE : 0);
		rcv = fz_below(R, 24);
		rcv_name = fz_pick(c, FZ_RECV | FZ_PSET);
		break;
	default: /* neither send nor receive, or receive on a bad name */
		opt = fz_choose(R, 0, MACH_RCV_MSG | MACH_RCV_TIMEOUT);
		rcv = FZ_BUF;
		rcv_name = fz_junk_name(c);
		break;
	}
	if (p == b.p || p == c->big)
		h->msgh_size = size;
	mr = fz_msg(c->fd, p, opt, (opt & MACH_SEND_MSG) ? size : 0, rcv, rcv_name, 0);
	after_send(c, &b);
	if (mr == 0 && rcv && p == b.p)
		received(c, b.p, rcv);
	return mr != 0 ? FZ_OK : FZ_FAIL;
}

/* The same calls through libmachexc, which keeps its own descriptor. */
FZ_GEN(lib_ports)
{
	mach_port_t p = MACH_PORT_NULL;
	mach_port_name_array_t names = NULL;
	mach_port_type_array_t types = NULL;
	mach_msg_type_number_t n = 0, nt = 0;
	mach_port_status_t st;
	struct {
		mach_msg_header_t h;
		uint32_t body[8];
		mach_msg_max_trailer_t t;
	} m;
	kern_return_t kr;

	switch (fz_below(R, 5)) {
	case 0:
		kr = mach_port_allocate(mach_task_self(), fz_one_in(R, 4) ?
					MACH_PORT_RIGHT_PORT_SET : MACH_PORT_RIGHT_RECEIVE, &p);
		if (kr == 0)
			fz_refresh(c, p);
		return kr == 0 ? FZ_OK : FZ_FAIL;
	case 1:
		kr = mach_port_names(mach_task_self(), &names, &n, &types, &nt);
		if (kr == 0) {
			vm_deallocate(mach_task_self(), (vm_address_t)names, n * sizeof(*names));
			vm_deallocate(mach_task_self(), (vm_address_t)types, nt * sizeof(*types));
		}
		return kr == 0 ? FZ_OK : FZ_FAIL;
	case 2:	/* a message to ourselves through the library, and back */
		p = fz_pick(c, FZ_RECV);
		memset(&m, 0, sizeof(m));
		m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		m.h.msgh_remote_port = p;
		m.h.msgh_local_port = p;
		m.h.msgh_size = sizeof(m.h) + 4 * fz_below(R, 9);
		kr = mach_msg(&m.h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, m.h.msgh_size, 0,
			      MACH_PORT_NULL, 0, MACH_PORT_NULL);
		if (kr)
			return FZ_FAIL;
		kr = mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m), p, 0,
			      MACH_PORT_NULL);
		if (kr == 0)
			mach_msg_destroy(&m.h);	/* the send-once right we made */
		return kr == 0 || kr == MACH_RCV_TIMED_OUT ? FZ_OK : FZ_FAIL;
	case 3:
		n = MACH_PORT_RECEIVE_STATUS_COUNT;
		kr = mach_port_get_attributes(mach_task_self(), fz_pick(c, FZ_RECV),
					      MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st, &n);
		return kr == 0 ? FZ_OK : FZ_FAIL;
	default:
		p = fz_pick(c, FZ_SEND | FZ_RECV | FZ_SONCE | FZ_DEAD);
		kr = mach_port_mod_refs(mach_task_self(), p,
					right_of(c, fz_kind_of(c, p)),
					fz_one_in(R, 2) ? 1 : -1);
		fz_refresh(c, p);
		return kr == 0 ? FZ_OK : FZ_FAIL;
	}
}
