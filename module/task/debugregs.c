// SPDX-License-Identifier: GPL-2.0
/*
 * A thread's debug registers: x86_DEBUG_STATE64 (and the unified
 * x86_DEBUG_STATE) through the kernel's user hw_breakpoint API, as ptrace's
 * PTRACE_POKEUSER of the debug registers does it.
 *
 * dr0-dr3 and dr7 are what was last set through machexc; each enabled
 * slot is a perf hardware-breakpoint event on the thread, whose context is
 * the thread object (alive while its events are: it releases them before
 * it goes).  When one fires, our handler marks it in the thread's virtual
 * DR6, which makes the
 * kernel's #DB handler send SIGTRAP (TRAP_HWBKPT), and that becomes
 * EXC_BREAKPOINT / EXC_I386_SGL (exc/map.c).  dr6, as read from a stopped
 * thread, is the virtual DR6 saved when it stopped: which slot fired.
 *
 * Like the other flavors, these are read and set only while the thread is
 * stopped (in an exception or suspended).  Locks: th->task->space.lock
 * guards th->dr, th->dr7 and th->bp; th->port->lock the stopped state.
 */
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <asm/debugreg.h>

#include "../ports/ports.h"
#include "task.h"

#define DR7_ENABLE(i)		(3UL << (2 * (i)))	/* Ln | Gn */
#define DR7_RW(dr7, i)		(((dr7) >> (16 + 4 * (i))) & 3)
#define DR7_LEN(dr7, i)		(((dr7) >> (18 + 4 * (i))) & 3)
/* What may be set: Ln, Gn, LE, GE (ignored, as Linux does), RWn, LENn. */
#define DR7_ALLOWED		0xffff03ffUL

/* x86_debug_state64_t: dr0..dr7, 64 bits each. */
#define DEBUG_DR6		6
#define DEBUG_DR7		7

static void bp_triggered(struct perf_event *bp, struct perf_sample_data *data,
			 struct pt_regs *regs)
{
	struct mx_thread *th = bp->overflow_handler_context;
	unsigned int i;

	/*
	 * In the thread, in #DB.  Only in the program they were set in: after
	 * an exec they fire into nothing until the thread goes (Linux keeps
	 * them; ptrace's own are flushed at exec).
	 */
	if (READ_ONCE(th->bp_exec_id) != current->self_exec_id)
		return;
	for (i = 0; i < HBP_NUM; i++)	/* tell it which slot, for SIGTRAP and dr6 */
		if (READ_ONCE(th->bp[i]) == bp)
			current->thread.virtual_dr6 |= DR_TRAP0 << i;
}

/* The hw_breakpoint length for DR7's LEN field, or 0 if not one. */
static int bp_len(unsigned long len)
{
	static const int lens[] = { HW_BREAKPOINT_LEN_1, HW_BREAKPOINT_LEN_2,
				    HW_BREAKPOINT_LEN_8, HW_BREAKPOINT_LEN_4 };

	return lens[len & 3];
}

/* Check one slot; fill @attr for it.  0 or -EINVAL. */
static int slot_attr(u64 addr, unsigned long dr7, unsigned int i, struct perf_event_attr *attr)
{
	unsigned long rw = DR7_RW(dr7, i), len = DR7_LEN(dr7, i);

	ptrace_breakpoint_init(attr);
	attr->bp_addr = addr;
	attr->bp_len = bp_len(len);
	switch (rw) {
	case 0:				/* instruction: length 1 only */
		if (len)
			return -EINVAL;
		attr->bp_type = HW_BREAKPOINT_X;
		attr->bp_len = sizeof(long);
		break;
	case 1:
		attr->bp_type = HW_BREAKPOINT_W;
		break;
	case 3:
		attr->bp_type = HW_BREAKPOINT_RW;
		break;
	default:			/* I/O: not for user space */
		return -EINVAL;
	}
	if (addr >= TASK_SIZE_MAX || (rw && (addr & (attr->bp_len - 1))))
		return -EINVAL;
	return 0;
}

static void release_events(struct perf_event **bp)
{
	unsigned int i;

	for (i = 0; i < HBP_NUM; i++) {
		if (bp[i])
			unregister_hw_breakpoint(bp[i]);
		bp[i] = NULL;
	}
}

/*
 * x86_DEBUG_STATE64 of @th: dr0-dr3, dr7 as last set, dr6 as it was when
 * the thread stopped.  KERN_FAILURE unless it is stopped.
 */
static mx_return_t mx_thread_debug_get(struct mx_thread *th, u64 *dr)
{
	struct mx_task *task = th->task;
	mx_return_t kr = KERN_SUCCESS;

	memset(dr, 0, 8 * sizeof(*dr));
	mutex_lock(&task->space.lock);
	memcpy(dr, th->dr, sizeof(th->dr));
	dr[DEBUG_DR7] = th->dr7;
	spin_lock(&th->port->lock);
	if (!th->port->kobject)
		kr = MACH_SEND_INVALID_DEST;
	else if (!th->state)
		kr = KERN_FAILURE;
	else
		dr[DEBUG_DR6] = th->state->dr6;
	spin_unlock(&th->port->lock);
	mutex_unlock(&task->space.lock);
	return kr;
}

/*
 * Set the debug registers of stopped @th.  All or nothing: on any bad
 * address or DR7 bit (KERN_INVALID_ARGUMENT) or a slot the kernel cannot
 * give (KERN_NO_SPACE), the old ones stay.
 */
static mx_return_t mx_thread_debug_set(struct mx_thread *th, const u64 *dr)
{
	struct perf_event *bp[HBP_NUM] = { };
	unsigned long dr7 = dr[DEBUG_DR7];
	struct mx_task *task = th->task;
	struct perf_event_attr attr;
	struct task_struct *p;
	mx_return_t kr = KERN_SUCCESS;
	unsigned int i;

	if (dr7 & ~DR7_ALLOWED)
		return KERN_INVALID_ARGUMENT;
	for (i = 0; i < HBP_NUM; i++)
		if ((dr7 & DR7_ENABLE(i)) && slot_attr(dr[i], dr7, i, &attr))
			return KERN_INVALID_ARGUMENT;

	p = get_pid_task(th->pid, PIDTYPE_PID);
	if (!p)
		return MACH_SEND_INVALID_DEST;
	mutex_lock(&task->space.lock);
	spin_lock(&th->port->lock);
	if (!th->port->kobject || READ_ONCE(task->dead))
		kr = MACH_SEND_INVALID_DEST;
	else if (!th->state)
		kr = KERN_FAILURE;
	spin_unlock(&th->port->lock);
	for (i = 0; i < HBP_NUM && kr == KERN_SUCCESS; i++) {
		if (!(dr7 & DR7_ENABLE(i)))
			continue;
		slot_attr(dr[i], dr7, i, &attr);
		bp[i] = register_user_hw_breakpoint(&attr, bp_triggered, th, p);
		if (IS_ERR(bp[i])) {
			bp[i] = NULL;
			kr = KERN_NO_SPACE;
		}
	}
	if (kr == KERN_SUCCESS) {
		release_events(th->bp);
		WRITE_ONCE(th->bp_exec_id, p->self_exec_id);
		for (i = 0; i < HBP_NUM; i++)
			WRITE_ONCE(th->bp[i], bp[i]);
		memcpy(th->dr, dr, sizeof(th->dr));
		th->dr7 = dr7;
	} else {
		release_events(bp);
	}
	mutex_unlock(&task->space.lock);
	put_task_struct(p);
	return kr;
}

/*
 * thread_get/set_state() with x86_DEBUG_STATE64 or x86_DEBUG_STATE (the
 * same behind an x86_state_hdr); @count in natural_t, as for the others.
 */
mx_return_t mx_thread_debug_state(struct mx_thread *th, bool set, u32 flavor, u32 *buf,
				  u32 *count)
{
	u32 hdr = flavor == x86_DEBUG_STATE ? 2 : 0;
	u64 dr[8];
	mx_return_t kr;

	BUILD_BUG_ON(sizeof(dr) != x86_DEBUG_STATE64_COUNT * sizeof(u32));
	if (set) {
		if (*count != hdr + x86_DEBUG_STATE64_COUNT ||
		    (hdr && (buf[0] != x86_DEBUG_STATE64 || buf[1] != x86_DEBUG_STATE64_COUNT)))
			return KERN_INVALID_ARGUMENT;
		memcpy(dr, buf + hdr, sizeof(dr));
		return mx_thread_debug_set(th, dr);
	}
	if (*count < hdr + x86_DEBUG_STATE64_COUNT)
		return KERN_INVALID_ARGUMENT;
	kr = mx_thread_debug_get(th, dr);
	if (kr != KERN_SUCCESS)
		return kr;
	if (hdr) {
		buf[0] = x86_DEBUG_STATE64;
		buf[1] = x86_DEBUG_STATE64_COUNT;
	}
	memcpy(buf + hdr, dr, sizeof(dr));
	*count = hdr + x86_DEBUG_STATE64_COUNT;
	return KERN_SUCCESS;
}

/* The thread goes: its breakpoints with it.  task->space.lock held. */
void mx_thread_debug_release(struct mx_thread *th)
{
	lockdep_assert_held(&th->task->space.lock);
	release_events(th->bp);
	memset(th->dr, 0, sizeof(th->dr));
	th->dr7 = 0;
}
