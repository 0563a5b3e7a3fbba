/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One MACHEXC_IOC_PORT operation on its way through the dispatcher
 * (device/ops.c), as a MIG server routine sees its request.
 *
 * The dispatch table maps each opcode to its handler, whether the
 * dispatcher locks the caller's space around it, and the sizes of what
 * op->buf carries in and out.  The dispatcher copies the input in before
 * any lock is taken and the output out after every lock is dropped; the
 * handler only reads c->in and fills c->out (and sets c->out_len).
 *
 * Handlers marked MX_CALL_LOCKED run with c->self->lock held and the
 * space active; the others take what locks they need themselves (they
 * reach other processes' spaces, whose locks never nest in ours).
 */
#ifndef _MACHEXC_CALL_H
#define _MACHEXC_CALL_H

#include <linux/list.h>
#include <linux/machexc.h>
#include <linux/types.h>

#include "../mach_abi.h"

struct mx_space;
struct mx_task;

struct mx_call {
	struct mx_task *task;		/* the caller's task (a reference) */
	struct mx_space *self;		/* its names: &task->space */
	struct machexc_port_op *op;	/* in and out: the op's fields */
	unsigned int variant;		/* the table row's: MX_GET, MX_SET, ... */
	void *in;			/* what op->buf carried in */
	void *out;			/* room for what goes back to op->buf */
	size_t out_room;		/* its size in bytes */
	u32 out_len;			/* bytes of it to copy back */
	struct list_head reap;		/* dying messages, emptied after unlock */
};

typedef mx_return_t (*mx_call_fn)(struct mx_call *c);

/* ports/ops.c: mach_port_* and the caller's own task (space locked) */
mx_return_t mx_call_port_allocate(struct mx_call *c);
mx_return_t mx_call_port_allocate_name(struct mx_call *c);
mx_return_t mx_call_port_deallocate(struct mx_call *c);
mx_return_t mx_call_port_destroy(struct mx_call *c);
mx_return_t mx_call_port_mod_refs(struct mx_call *c);
mx_return_t mx_call_port_get_refs(struct mx_call *c);
mx_return_t mx_call_port_type(struct mx_call *c);
mx_return_t mx_call_port_insert_right(struct mx_call *c);
mx_return_t mx_call_port_extract_right(struct mx_call *c);
mx_return_t mx_call_port_names(struct mx_call *c);
mx_return_t mx_call_port_member(struct mx_call *c);
mx_return_t mx_call_port_request_notification(struct mx_call *c);
mx_return_t mx_call_port_get_attributes(struct mx_call *c);
mx_return_t mx_call_port_set_attributes(struct mx_call *c);
mx_return_t mx_call_task_self(struct mx_call *c);
mx_return_t mx_call_get_special_port(struct mx_call *c);
mx_return_t mx_call_set_special_port(struct mx_call *c);

/* exc/calls.c: exception ports at the three levels */
mx_return_t mx_call_task_exception_ports(struct mx_call *c);
mx_return_t mx_call_thread_exception_ports(struct mx_call *c);
mx_return_t mx_call_host_exception_ports(struct mx_call *c);
mx_return_t mx_call_host_self(struct mx_call *c);

/* task/calls.c: task and thread calls */
mx_return_t mx_call_thread_self(struct mx_call *c);
mx_return_t mx_call_thread_state(struct mx_call *c);
mx_return_t mx_call_pid_for_task(struct mx_call *c);
mx_return_t mx_call_thread_fault(struct mx_call *c);
mx_return_t mx_call_task_for_pid(struct mx_call *c);
mx_return_t mx_call_task_threads(struct mx_call *c);
mx_return_t mx_call_task_suspend(struct mx_call *c);
mx_return_t mx_call_thread_suspend(struct mx_call *c);
mx_return_t mx_call_task_info(struct mx_call *c);
mx_return_t mx_call_thread_info(struct mx_call *c);
mx_return_t mx_call_task_soft_signals(struct mx_call *c);
mx_return_t mx_call_thread_soft_signal(struct mx_call *c);

/* Variants of one handler, from the table row. */
enum {
	MX_SET = 1,		/* *_set_exception_ports, thread_set_state */
	MX_GET,			/* *_get_exception_ports, thread_get_state */
	MX_SWAP,		/* *_swap_exception_ports */
	MX_SUSPEND,
	MX_RESUME,
	MX_SUSPEND_AT_EXEC,
};

long mx_port_op(struct machexc_port_op *op);

#endif /* _MACHEXC_CALL_H */
