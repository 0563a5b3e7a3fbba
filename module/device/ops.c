// SPDX-License-Identifier: GPL-2.0
/*
 * MACHEXC_IOC_PORT: the dispatch table, one row per operation (the MIG
 * server's routine table), and the dispatcher that owns the buffers.
 *
 * A row says which handler runs, whether the caller's space is locked
 * around it (MX_CALL_LOCKED) and must be named by op->task
 * (MX_CALL_OWN_TASK), and what op->buf carries: in, a fixed structure
 * (in_size) or op->count items of in_unit bytes (at most in_max items);
 * out, a fixed structure (out_size) or op->count items of out_unit bytes
 * (at most out_max items, or the space's name limit for NAMES).
 */
#include <linux/machexc.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../msg/msg.h"
#include "../task/task.h"
#include "call.h"

#define MX_CALL_LOCKED		0x1U	/* run with self->lock held */
#define MX_CALL_OWN_TASK	0x2U	/* op->task must be mach_task_self() */
#define MX_CALL_NAMES_MAX	0x4U	/* out_max is mx_max_names */

struct mx_op_row {
	mx_call_fn fn;
	unsigned int flags;
	unsigned int variant;
	u32 in_size, in_unit, in_max;
	u32 out_size, out_unit, out_max;
};

#define SPACE_OP	(MX_CALL_LOCKED | MX_CALL_OWN_TASK)
#define STATE_BYTES	(MACHEXC_THREAD_STATE_MAX * sizeof(u32))
#define EXC_PORTS	sizeof(struct machexc_exc_ports)
#define THREADS_MAX	0x100000U	/* task_threads() names at most */

static const struct mx_op_row rows[MACHEXC_PORT_OP_MAX + 1] = {
	[MACHEXC_PORT_ALLOCATE] = { mx_call_port_allocate, SPACE_OP },
	[MACHEXC_PORT_ALLOCATE_NAME] = { mx_call_port_allocate_name, SPACE_OP },
	[MACHEXC_PORT_DEALLOCATE] = { mx_call_port_deallocate, SPACE_OP },
	[MACHEXC_PORT_DESTROY] = { mx_call_port_destroy, SPACE_OP },
	[MACHEXC_PORT_MOD_REFS] = { mx_call_port_mod_refs, SPACE_OP },
	[MACHEXC_PORT_GET_REFS] = { mx_call_port_get_refs, SPACE_OP },
	[MACHEXC_PORT_TYPE] = { mx_call_port_type, SPACE_OP },
	[MACHEXC_PORT_INSERT_RIGHT] = { mx_call_port_insert_right, SPACE_OP },
	[MACHEXC_PORT_EXTRACT_RIGHT] = { mx_call_port_extract_right, SPACE_OP },
	[MACHEXC_PORT_NAMES] = { mx_call_port_names, SPACE_OP | MX_CALL_NAMES_MAX,
				 .out_unit = 2 * sizeof(u32) },
	[MACHEXC_PORT_MOVE_MEMBER] = { mx_call_port_member, SPACE_OP },
	[MACHEXC_PORT_INSERT_MEMBER] = { mx_call_port_member, SPACE_OP },
	[MACHEXC_PORT_EXTRACT_MEMBER] = { mx_call_port_member, SPACE_OP },
	[MACHEXC_PORT_REQUEST_NOTIFICATION] = { mx_call_port_request_notification, SPACE_OP },
	[MACHEXC_PORT_GET_ATTRIBUTES] = { mx_call_port_get_attributes, SPACE_OP,
					  .out_unit = sizeof(u32),
					  .out_max = MACH_PORT_RECEIVE_STATUS_COUNT },
	[MACHEXC_PORT_SET_ATTRIBUTES] = { mx_call_port_set_attributes, SPACE_OP,
					  .in_unit = sizeof(u32),
					  .in_max = MACH_PORT_RECEIVE_STATUS_COUNT },
	[MACHEXC_PORT_TASK_SELF] = { mx_call_task_self, MX_CALL_LOCKED },
	[MACHEXC_PORT_GET_SPECIAL_PORT] = { mx_call_get_special_port, SPACE_OP },
	[MACHEXC_PORT_SET_SPECIAL_PORT] = { mx_call_set_special_port, SPACE_OP },
	[MACHEXC_PORT_TASK_SET_EXCEPTION_PORTS] = { mx_call_task_exception_ports, 0, MX_SET },
	[MACHEXC_PORT_TASK_GET_EXCEPTION_PORTS] = { mx_call_task_exception_ports, 0, MX_GET,
						    .in_size = EXC_PORTS,
						    .out_size = EXC_PORTS },
	[MACHEXC_PORT_TASK_SWAP_EXCEPTION_PORTS] = { mx_call_task_exception_ports, 0, MX_SWAP,
						     .in_size = EXC_PORTS,
						     .out_size = EXC_PORTS },
	[MACHEXC_PORT_THREAD_SELF] = { mx_call_thread_self, MX_CALL_LOCKED },
	[MACHEXC_PORT_THREAD_SET_EXCEPTION_PORTS] = { mx_call_thread_exception_ports, 0,
						      MX_SET },
	[MACHEXC_PORT_THREAD_GET_EXCEPTION_PORTS] = { mx_call_thread_exception_ports, 0,
						      MX_GET, .in_size = EXC_PORTS,
						      .out_size = EXC_PORTS },
	[MACHEXC_PORT_THREAD_SWAP_EXCEPTION_PORTS] = { mx_call_thread_exception_ports, 0,
						       MX_SWAP, .in_size = EXC_PORTS,
						       .out_size = EXC_PORTS },
	[MACHEXC_PORT_HOST_SELF] = { mx_call_host_self, MX_CALL_LOCKED },
	[MACHEXC_PORT_HOST_SET_EXCEPTION_PORTS] = { mx_call_host_exception_ports,
						    MX_CALL_LOCKED, MX_SET },
	[MACHEXC_PORT_HOST_GET_EXCEPTION_PORTS] = { mx_call_host_exception_ports,
						    MX_CALL_LOCKED, MX_GET,
						    .in_size = EXC_PORTS,
						    .out_size = EXC_PORTS },
	[MACHEXC_PORT_HOST_SWAP_EXCEPTION_PORTS] = { mx_call_host_exception_ports,
						     MX_CALL_LOCKED, MX_SWAP,
						     .in_size = EXC_PORTS,
						     .out_size = EXC_PORTS },
	[MACHEXC_PORT_THREAD_GET_STATE] = { mx_call_thread_state, 0, MX_GET,
					    .out_size = STATE_BYTES },
	[MACHEXC_PORT_THREAD_SET_STATE] = { mx_call_thread_state, 0, MX_SET,
					    .in_unit = sizeof(u32),
					    .in_max = MACHEXC_THREAD_STATE_MAX },
	[MACHEXC_PORT_PID_FOR_TASK] = { mx_call_pid_for_task },
	[MACHEXC_PORT_THREAD_FAULT] = { mx_call_thread_fault,
					.out_size = sizeof(struct machexc_thread_fault) },
	[MACHEXC_PORT_TASK_FOR_PID] = { mx_call_task_for_pid },
	[MACHEXC_PORT_TASK_THREADS] = { mx_call_task_threads, .out_unit = sizeof(u32),
					.out_max = THREADS_MAX },
	[MACHEXC_PORT_TASK_SUSPEND] = { mx_call_task_suspend, 0, MX_SUSPEND },
	[MACHEXC_PORT_TASK_RESUME] = { mx_call_task_suspend, 0, MX_RESUME },
	[MACHEXC_PORT_THREAD_SUSPEND] = { mx_call_thread_suspend, 0, MX_SUSPEND },
	[MACHEXC_PORT_THREAD_RESUME] = { mx_call_thread_suspend, 0, MX_RESUME },
	[MACHEXC_PORT_TASK_INFO] = { mx_call_task_info, .out_unit = sizeof(u32),
				     .out_max = MACHEXC_INFO_MAX },
	[MACHEXC_PORT_THREAD_INFO] = { mx_call_thread_info, .out_unit = sizeof(u32),
				       .out_max = MACHEXC_INFO_MAX },
	[MACHEXC_PORT_TASK_SUSPEND_AT_EXEC] = { mx_call_task_suspend, 0, MX_SUSPEND_AT_EXEC },
	[MACHEXC_PORT_TASK_SET_SOFT_SIGNALS] = { mx_call_task_soft_signals },
	[MACHEXC_PORT_THREAD_SET_SOFT_SIGNAL] = { mx_call_thread_soft_signal },
};

/* How many bytes of op->buf go in and out for @row. */
static size_t in_bytes(const struct mx_op_row *row, const struct machexc_port_op *op)
{
	if (row->in_unit)
		return (size_t)min(op->count, row->in_max) * row->in_unit;
	return row->in_size;
}

static size_t out_bytes(const struct mx_op_row *row, const struct machexc_port_op *op)
{
	u32 max = row->flags & MX_CALL_NAMES_MAX ? READ_ONCE(mx_max_names) : row->out_max;

	if (row->out_unit)
		return (size_t)min(op->count, max) * row->out_unit;
	return row->out_size;
}

/* Is op->task the caller's own task port?  With self->lock held. */
static bool own_task(struct mx_space *self, u32 name)
{
	struct mx_task *target = mx_task_lookup_locked(self, name);

	if (target)
		mx_task_put(target);
	return target && &target->space == self;
}

static mx_return_t dispatch(const struct mx_op_row *row, struct mx_call *c)
{
	mx_return_t kr;

	if (!(row->flags & MX_CALL_LOCKED))
		return row->fn(c);
	mutex_lock(&c->self->lock);
	if (!c->self->active)
		kr = KERN_INVALID_TASK;
	else if ((row->flags & MX_CALL_OWN_TASK) && !own_task(c->self, c->op->task))
		kr = MACH_SEND_INVALID_DEST;
	else
		kr = row->fn(c);
	mutex_unlock(&c->self->lock);
	return kr;
}

/* MACHEXC_IOC_PORT: returns the kern_return_t, or -errno. */
long mx_port_op(struct machexc_port_op *op)
{
	const struct mx_op_row *row;
	struct mx_call c = { .op = op };
	size_t in, out;
	long ret;

	if (op->reserved || !op->op || op->op > MACHEXC_PORT_OP_MAX || !rows[op->op].fn)
		return -EINVAL;
	row = &rows[op->op];
	if (row->in_unit && op->count > row->in_max)
		return KERN_INVALID_ARGUMENT;
	c.variant = row->variant;
	INIT_LIST_HEAD(&c.reap);
	in = in_bytes(row, op);
	out = out_bytes(row, op);
	if (in) {
		c.in = memdup_user(u64_to_user_ptr(op->buf), in);
		if (IS_ERR(c.in))
			return PTR_ERR(c.in);
	}
	if (out) {
		c.out_room = out;
		c.out = kvzalloc(out, GFP_KERNEL_ACCOUNT);
		if (!c.out) {
			ret = -ENOMEM;
			goto out;
		}
	}
	c.task = mx_task_current();
	if (IS_ERR(c.task)) {
		ret = PTR_ERR(c.task);
		goto out;
	}
	c.self = &c.task->space;
	ret = dispatch(row, &c);
	mx_reap(&c.reap);
	mx_task_put(c.task);
	if (c.out_len && !WARN_ON_ONCE(c.out_len > out) &&
	    copy_to_user(u64_to_user_ptr(op->buf), c.out, c.out_len))
		ret = -EFAULT;
out:
	kvfree(c.out);
	if (!IS_ERR_OR_NULL(c.in))
		kfree(c.in);
	return ret;
}
