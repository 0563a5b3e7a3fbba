// SPDX-License-Identifier: GPL-2.0
/*
 * The task and thread calls (MIG's task.defs, thread_act.defs and the
 * task_for_pid trap), as the dispatch table calls them: each names its
 * task or thread by a port in the caller's space, is checked against the
 * permission rule at that moment (task.h), and then acts on the object.
 */
#include <linux/machexc.h>
#include <linux/sched.h>

#include "../device/call.h"
#include "../ports/ports.h"
#include "task.h"
#include "task.h"

/* The task @c names, checked; a reference, or NULL with *@kr set. */
static struct mx_task *call_task(struct mx_call *c, mx_return_t *kr)
{
	struct mx_task *target;

	mutex_lock(&c->self->lock);
	target = mx_task_lookup_locked(c->self, c->op->task);
	mutex_unlock(&c->self->lock);
	*kr = target ? mx_task_check(c->task, target) : MACH_SEND_INVALID_DEST;
	if (target && *kr != KERN_SUCCESS) {
		mx_task_put(target);
		target = NULL;
	}
	return target;
}

/* The same for a thread: references to it and its space. */
static struct mx_thread *call_thread(struct mx_call *c, mx_return_t *kr)
{
	struct mx_thread *th;

	mutex_lock(&c->self->lock);
	th = mx_thread_lookup_locked(c->self, c->op->task);
	mutex_unlock(&c->self->lock);
	*kr = th ? mx_thread_check(c->task, th) : MACH_SEND_INVALID_DEST;
	if (th && *kr != KERN_SUCCESS) {
		mx_task_put(th->task);
		mx_thread_put(th);
		th = NULL;
	}
	return th;
}

static void put_thread(struct mx_thread *th)
{
	mx_task_put(th->task);
	mx_thread_put(th);
}

/* mach_thread_self(): with the caller's space locked. */
mx_return_t mx_call_thread_self(struct mx_call *c)
{
	struct mx_port *port = mx_thread_port(c->task, current);

	if (!port)
		return KERN_RESOURCE_SHORTAGE;
	return mx_right_copyout_send(c->self, port, &c->op->name);
}

mx_return_t mx_call_thread_state(struct mx_call *c)
{
	bool set = c->variant == MX_SET;
	struct mx_thread *th;
	mx_return_t kr;

	if (!set && c->op->count > MACHEXC_THREAD_STATE_MAX)
		return KERN_INVALID_ARGUMENT;
	th = call_thread(c, &kr);
	if (!th)
		return kr;
	if (c->op->arg == x86_DEBUG_STATE64 || c->op->arg == x86_DEBUG_STATE)
		kr = mx_thread_debug_state(th, set, c->op->arg, set ? c->in : c->out,
					   &c->op->count);
	else
		kr = mx_thread_state(th, set, c->op->arg, set ? c->in : c->out, &c->op->count);
	if (kr == KERN_SUCCESS && !set)
		c->out_len = c->op->count * sizeof(u32);
	put_thread(th);
	return kr;
}

mx_return_t mx_call_pid_for_task(struct mx_call *c)
{
	return mx_pid_for_task(c->task, c->op->task, &c->op->value);
}

mx_return_t mx_call_thread_fault(struct mx_call *c)
{
	struct mx_thread *th;
	mx_return_t kr;

	th = call_thread(c, &kr);
	if (!th)
		return kr;
	kr = mx_thread_fault(th, &c->op->value, c->out, &c->op->count);
	if (kr == KERN_SUCCESS && c->op->count)
		c->out_len = sizeof(struct machexc_thread_fault);
	put_thread(th);
	return kr;
}

mx_return_t mx_call_task_for_pid(struct mx_call *c)
{
	c->op->name = MACH_PORT_NULL;
	return mx_task_for_pid(c->task, c->op->task, (s32)c->op->arg, &c->op->name);
}

mx_return_t mx_call_task_threads(struct mx_call *c)
{
	u32 room = c->out_room / sizeof(u32);
	struct mx_task *target;
	mx_return_t kr;

	target = call_task(c, &kr);
	if (!target)
		return kr;
	kr = mx_task_threads(c->task, target, min(c->op->count, room), c->out, &c->op->count);
	if (kr == KERN_SUCCESS && c->op->count <= room)
		c->out_len = c->op->count * sizeof(u32);
	mx_task_put(target);
	return kr;
}

mx_return_t mx_call_task_suspend(struct mx_call *c)
{
	struct mx_task *target;
	mx_return_t kr;

	target = call_task(c, &kr);
	if (!target)
		return kr;
	if (c->variant == MX_SUSPEND)
		kr = mx_task_suspend(target);
	else if (c->variant == MX_SUSPEND_AT_EXEC)
		kr = mx_task_suspend_at_exec(target);
	else
		kr = mx_task_resume(target);
	mx_task_put(target);
	return kr;
}

mx_return_t mx_call_thread_suspend(struct mx_call *c)
{
	struct mx_thread *th;
	mx_return_t kr;

	th = call_thread(c, &kr);
	if (!th)
		return kr;
	kr = c->variant == MX_SUSPEND ? mx_thread_suspend(th) : mx_thread_resume(th);
	put_thread(th);
	return kr;
}

mx_return_t mx_call_task_info(struct mx_call *c)
{
	struct mx_task *target;
	mx_return_t kr;

	target = call_task(c, &kr);
	if (!target)
		return kr;
	c->op->count = min_t(u32, c->op->count, c->out_room / sizeof(u32));
	kr = mx_task_info(target, c->op->arg, c->out, &c->op->count);
	if (kr == KERN_SUCCESS)
		c->out_len = c->op->count * sizeof(u32);
	mx_task_put(target);
	return kr;
}

mx_return_t mx_call_thread_info(struct mx_call *c)
{
	struct mx_thread *th;
	mx_return_t kr;

	th = call_thread(c, &kr);
	if (!th)
		return kr;
	c->op->count = min_t(u32, c->op->count, c->out_room / sizeof(u32));
	kr = mx_thread_info(th, c->op->arg, c->out, &c->op->count);
	if (kr == KERN_SUCCESS)
		c->out_len = c->op->count * sizeof(u32);
	put_thread(th);
	return kr;
}

/* machexc_task_set_soft_signals(): arg 0 off, 1 on (exc/softsig.c). */
mx_return_t mx_call_task_soft_signals(struct mx_call *c)
{
	struct mx_task *target;
	mx_return_t kr;

	if (c->op->arg > 1)
		return KERN_INVALID_ARGUMENT;
	target = call_task(c, &kr);
	if (!target)
		return kr;
	kr = mx_softsig_task_set(target, c->op->arg);
	mx_task_put(target);
	return kr;
}

/* machexc_thread_set_soft_signal(): arg the signal (exc/softsig.c). */
mx_return_t mx_call_thread_soft_signal(struct mx_call *c)
{
	struct mx_thread *th;
	mx_return_t kr;

	th = call_thread(c, &kr);
	if (!th)
		return kr;
	kr = mx_softsig_thread_set(th, c->op->arg);
	put_thread(th);
	return kr;
}
