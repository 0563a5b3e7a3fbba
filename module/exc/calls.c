// SPDX-License-Identifier: GPL-2.0
/*
 * The exception-port calls (MIG's task_, thread_ and host_
 * set/get/swap_exception_ports), as the dispatch table calls them.
 *
 * Task and thread ports may be another process's: the permission rule
 * (task.h) is checked at each call, and the slots are changed under
 * their owner's special_lock while the caller's space, where the names
 * live, is locked.  The two spaces' locks never nest.
 */
#include <linux/machexc.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>

#include "../device/call.h"
#include "../hooks/hooks.h"
#include "exc.h"
#include "../ports/ports.h"
#include "../task/task.h"

/* get, set or swap on @level, in the caller's names; self->lock held. */
static mx_return_t exception_ports_locked(struct mx_call *c, struct mx_exc_level level,
					  struct pid_namespace *ns)
{
	struct machexc_port_op *op = c->op;
	struct machexc_exc_ports *ports = c->out;
	mx_return_t kr;

	lockdep_assert_held(&c->self->lock);
	if (ports)
		ports->count = ((const struct machexc_exc_ports *)c->in)->count;
	if (c->variant == MX_GET)
		kr = mx_exc_get_ports(c->self, level, op->arg, ports);
	else
		kr = mx_exc_set_ports(c->self, level, op->arg, op->poly, op->value, op->right, ns,
				      c->variant == MX_SWAP ? ports : NULL);
	if (kr == KERN_SUCCESS && ports)
		c->out_len = sizeof(*ports);
	return kr;
}

/*
 * Before a handler is set for the exceptions of @mask: the hooks that
 * raise them.  KERN_RESOURCE_SHORTAGE if one could not be attached (for
 * EXC_CRASH also where this kernel cannot raise it: MACHEXC_FEATURE_CRASH).
 */
static mx_return_t arm_hooks(u32 mask)
{
	if (mx_hooks_arm(MX_HOOKS_EXCEPTIONS))
		return KERN_RESOURCE_SHORTAGE;	/* the fault hook could not be attached */
	if ((mask & (1U << EXC_CRASH)) && mx_hooks_arm(MX_HOOKS_CRASH))
		return KERN_RESOURCE_SHORTAGE;
	return KERN_SUCCESS;
}

/* Before a handler is set for @target: the fault hook must look. */
static mx_return_t arm(struct mx_call *c, struct mx_task *target)
{
	mx_return_t kr;

	if (c->variant == MX_GET || c->op->poly == MACH_PORT_NULL)
		return KERN_SUCCESS;
	kr = arm_hooks(c->op->arg);
	if (kr != KERN_SUCCESS)
		return kr;
	mx_task_mark_exc(target);	/* before the fault hook may look */
	return KERN_SUCCESS;
}

static mx_return_t exception_ports(struct mx_call *c, struct mx_task *target,
				   struct mx_exc_level level)
{
	mx_return_t kr = arm(c, target);

	if (kr != KERN_SUCCESS)
		return kr;
	mutex_lock(&c->self->lock);
	kr = c->self->active ? exception_ports_locked(c, level, NULL) : KERN_INVALID_TASK;
	mutex_unlock(&c->self->lock);
	return kr;
}

mx_return_t mx_call_task_exception_ports(struct mx_call *c)
{
	struct mx_task *target;
	mx_return_t kr;

	mutex_lock(&c->self->lock);
	target = mx_task_lookup_locked(c->self, c->op->task);
	mutex_unlock(&c->self->lock);
	if (!target)
		return MACH_SEND_INVALID_DEST;
	kr = mx_task_check(c->task, target);
	if (kr == KERN_SUCCESS)
		kr = exception_ports(c, target, (struct mx_exc_level){
			&target->special_lock, target->exc, &target->exc_closed });
	mx_task_put(target);
	return kr;
}

mx_return_t mx_call_thread_exception_ports(struct mx_call *c)
{
	struct mx_task *target;
	struct mx_thread *th;
	mx_return_t kr;

	mutex_lock(&c->self->lock);
	th = mx_thread_lookup_locked(c->self, c->op->task);
	mutex_unlock(&c->self->lock);
	if (!th)
		return MACH_SEND_INVALID_DEST;
	target = th->task;
	kr = mx_thread_check(c->task, th);
	if (kr == KERN_SUCCESS && c->variant != MX_GET && c->op->poly != MACH_PORT_NULL) {
		/*
		 * The fault hook's summary first: a superset is harmless.
		 * Under the lock its recomputation takes, so that no bit set
		 * by another call is lost meanwhile.
		 */
		mutex_lock(&target->space.lock);
		WRITE_ONCE(target->thread_exc_mask,
			   target->thread_exc_mask | (c->op->arg & MX_EXC_MASK_VALID));
		mutex_unlock(&target->space.lock);
	}
	if (kr == KERN_SUCCESS)
		kr = exception_ports(c, target, mx_thread_level(th));
	if (kr == KERN_SUCCESS && c->variant != MX_GET) {
		mutex_lock(&target->space.lock);
		mx_thread_exc_changed(target);
		mutex_unlock(&target->space.lock);
	}
	mx_thread_put(th);
	mx_task_put(target);
	return kr;
}

/* Host level: CAP_SYS_ADMIN, and only the caller's pid namespace and below. */
mx_return_t mx_call_host_exception_ports(struct mx_call *c)
{
	mx_return_t kr = mx_host_check(c->self, c->op->task);

	if (kr != KERN_SUCCESS)
		return kr;
	if (c->variant != MX_GET && c->op->poly != MACH_PORT_NULL) {
		kr = arm_hooks(c->op->arg);
		if (kr != KERN_SUCCESS)
			return kr;
	}
	kr = exception_ports_locked(c, mx_host_level(), task_active_pid_ns(current));
	if (kr == KERN_SUCCESS && c->variant != MX_GET)
		mx_host_exc_changed();
	return kr;
}

mx_return_t mx_call_host_self(struct mx_call *c)
{
	return mx_host_self(c->self, &c->op->name);
}
