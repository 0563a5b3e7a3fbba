/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels machexc builds for (Debian's 6.1,
 * 6.12 and unstable's 7.x), kept in one place so that the rest of the
 * module reads as plain current kernel code.
 */
#ifndef _MACHEXC_COMPAT_H
#define _MACHEXC_COMPAT_H

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xstate.h>
#include <linux/sched/signal.h>
#include <linux/uprobes.h>
#include <linux/errno.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <asm/unistd.h>
/* 6.16 moved cpuid_count() to <asm/cpuid/api.h> and named leaf 0xd anew. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#include <asm/cpuid/api.h>
#endif
#ifndef XSTATE_CPUID
#define XSTATE_CPUID CPUID_LEAF_XSTATE
#endif

/*
 * Is @t dumpable by its owner (SUID_DUMP_USER), as a fresh exec of a
 * program that gained no privilege leaves it?  7.x keeps dumpability in
 * the task's exec state rather than in its mm.
 */
#include <linux/sched/coredump.h>
#ifndef SUID_DUMP_USER
#include <linux/sched/exec_state.h>
static inline bool mx_dumpable_by_owner(struct task_struct *t)
{
	bool owner;

	rcu_read_lock();
	owner = READ_ONCE(rcu_dereference(t->exec_state)->dumpable) == TASK_DUMPABLE_OWNER;
	rcu_read_unlock();
	return owner;
}
#else
static inline bool mx_dumpable_by_owner(struct task_struct *t)
{
	return t->mm && get_dumpable(t->mm) == SUID_DUMP_USER;
}
#endif

/*
 * Internals that the KUnit suites call are exported with
 * EXPORT_SYMBOL_IF_KUNIT() (<kunit/visibility.h>); 6.13 turned the
 * namespace argument of MODULE_IMPORT_NS() into a string literal.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define MACHEXC_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define MACHEXC_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

/*
 * dequeue_signal() lost its task argument (always current) in 6.11.
 * Called with current->sighand->siglock held.
 */
static inline int mx_dequeue_signal(sigset_t *mask, kernel_siginfo_t *info,
				    enum pid_type *type)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	return dequeue_signal(mask, info, type);
#else
	return dequeue_signal(current, mask, info, type);
#endif
}

/*
 * Does this kernel check indirect calls against a type hash (kCFI)?
 * CONFIG_CFI_CLANG until 6.18, CONFIG_CFI from then (gcc too).  A
 * function found by address cannot be called through a pointer then.
 */
#define MX_KCFI (IS_ENABLED(CONFIG_CFI_CLANG) || IS_ENABLED(CONFIG_CFI))

/*
 * The core dump's entry, which get_signal() calls for every fatal signal
 * of the core-dump set: do_coredump(), renamed vfs_coredump() in 6.17.
 * Both take the signal's siginfo and return nothing.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define MX_COREDUMP_SYMBOL	"vfs_coredump"
#else
#define MX_COREDUMP_SYMBOL	"do_coredump"
#endif

/*
 * The number arch_do_signal_or_restart() puts in rax to restart a call
 * through restart_syscall, as get_nr_restart_syscall() (arch/x86/kernel/
 * signal.c, 6.1's; unchanged in 6.12) makes it: a 32-bit call's (TS_COMPAT
 * noted in the restart block by set_restart_fn()), an x32 call's, or the
 * 64-bit one.
 */
static inline unsigned long mx_nr_restart_syscall(const struct pt_regs *regs)
{
#ifdef CONFIG_IA32_EMULATION
	if (current->restart_block.arch_data & TS_COMPAT)
		return __NR_ia32_restart_syscall;
#endif
#ifdef CONFIG_X86_X32_ABI
	return __NR_restart_syscall | (regs->orig_ax & __X32_SYSCALL_BIT);
#else
	return __NR_restart_syscall;
#endif
}

/*
 * Do now what arch_do_signal_or_restart() does for a system call that was
 * interrupted and is to be restarted (no handler runs for it): point the
 * thread back at its syscall instruction with the call's number (or
 * restart_syscall's) in rax, and mark the call done (orig_ax -1) so the
 * kernel does not do it again on the way out.  x86-64 only.
 */
static inline void mx_syscall_restart_now(struct pt_regs *regs)
{
	if ((long)regs->orig_ax < 0)
		return;
	switch ((long)regs->ax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		regs->ax = regs->orig_ax;
		regs->ip -= 2;
		break;
	case -ERESTART_RESTARTBLOCK:
		regs->ax = mx_nr_restart_syscall(regs);
		regs->ip -= 2;
		break;
	default:
		return;
	}
	regs->orig_ax = -1;
}

/*
 * Undo what arch_do_signal_or_restart() did when get_signal() found no
 * signal to deliver: it set the system call that @ax and @ip (as they were
 * before) tell was interrupted up to restart.  Only if the registers are
 * exactly what it made of those (a tracer that changed them meanwhile
 * wins).  The next signal's delivery then decides between EINTR and a
 * restart, by its handler's SA_RESTART.  True if undone.  x86-64 only.
 */
static inline bool mx_syscall_restart_undo(struct pt_regs *regs, unsigned long ax,
					   unsigned long ip)
{
	if ((long)regs->orig_ax < 0 || regs->ip != ip - 2)
		return false;
	switch ((long)ax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		if (regs->ax != regs->orig_ax)
			return false;
		break;
	case -ERESTART_RESTARTBLOCK:
		if (regs->ax != mx_nr_restart_syscall(regs))
			return false;
		break;
	default:
		return false;
	}
	regs->ax = ax;
	regs->ip = ip;
	return true;
}

/*
 * A task's FPU state: in task_struct.thread.fpu up to 6.14, right after the
 * task_struct from 6.15.  There x86_task_fpu() is that address, or with
 * CONFIG_X86_DEBUG_FPU (Debian's 7.x) an out-of-line function that is not
 * exported; the address is the same either way.
 */
static inline struct fpu *mx_task_fpu(struct task_struct *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	return (struct fpu *)((void *)t + sizeof(*t));
#else
	return &t->thread.fpu;
#endif
}

/*
 * Replace the current thread's x87/SSE state with an fxsave image before
 * it returns to user space.  kernel_fpu_begin() saves the user registers
 * to memory and marks them to be reloaded from there on the way out, so
 * what we write is what the thread gets back.
 */
static inline void mx_fpu_write_fxsave(const void *fx)
{
	struct fpu *fpu = mx_task_fpu(current);

	kernel_fpu_begin();
	memcpy(&fpu->fpstate->regs.fxsave, fx, sizeof(struct fxregs_state));
	/* An XSAVE image restores FP/SSE from memory only if marked in use. */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		fpu->fpstate->regs.xsave.header.xfeatures |= XFEATURE_MASK_FPSSE;
	kernel_fpu_end();
}

/*
 * The same for a whole standard-format XSAVE image (NT_X86_XSTATE's): the
 * x87/SSE registers and the user components the image carries, written
 * where the kernel keeps them (its buffer may be in the compacted format
 * of XSAVES, whose offsets follow from CPUID as the SDM lays them out).
 * A component clear in the image's xstate_bv goes back to its init state.
 */
static inline void mx_fpu_write_xstate(const void *img, u32 img_size)
{
	struct fpu *fpu = mx_task_fpu(current);
	const struct xregs_state *from = img;
	struct xregs_state *to;
	u32 eax, ebx, ecx, edx, off, size;
	unsigned int i, j;
	u64 user;

	kernel_fpu_begin();
	to = &fpu->fpstate->regs.xsave;
	memcpy(&to->i387, &from->i387, sizeof(struct fxregs_state));
	to->header.xfeatures |= XFEATURE_MASK_FPSSE;
	user = fpu->fpstate->user_xfeatures & ~XFEATURE_MASK_FPSSE;
	/* The components macOS's flavors carry: YMM_Hi128 and AVX-512's. */
	user &= XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512;
	for (i = FIRST_EXTENDED_XFEATURE; i <= XFEATURE_Hi16_ZMM; i++) {
		bool compacted = to->header.xcomp_bv & XCOMP_BV_COMPACTED_FORMAT;

		if (!(user & BIT_ULL(i)) || (compacted && !(to->header.xcomp_bv & BIT_ULL(i))))
			continue;
		cpuid_count(XSTATE_CPUID, i, &size, &ebx, &ecx, &edx);
		if ((u64)ebx + size > img_size)
			continue;
		off = ebx;
		if (compacted) {
			off = FXSAVE_SIZE + XSAVE_HDR_SIZE;
			for (j = FIRST_EXTENDED_XFEATURE; j <= i; j++) {
				if (!(to->header.xcomp_bv & BIT_ULL(j)))
					continue;
				cpuid_count(XSTATE_CPUID, j, &eax, &ebx, &ecx, &edx);
				if (ecx & 2)	/* 64-byte aligned when compacted */
					off = ALIGN(off, 64);
				if (j < i)
					off += eax;
			}
			cpuid_count(XSTATE_CPUID, i, &size, &ebx, &ecx, &edx);
		}
		if (off + size > fpu->fpstate->size)
			continue;
		if (from->header.xfeatures & BIT_ULL(i)) {
			/* Past struct xregs_state: the buffer is fpstate->size long. */
			memcpy((u8 *)fpu->fpstate + offsetof(struct fpstate, regs) + off,
			       (const u8 *)img + ebx, size);
			to->header.xfeatures |= BIT_ULL(i);
		} else {
			to->header.xfeatures &= ~BIT_ULL(i);
		}
	}
	kernel_fpu_end();
}

/*
 * Is the current thread in a system call rather than an exception?  A
 * process may send itself a fault signal with a fault's si_code
 * (rt_sigqueueinfo(), rt_tgsigqueueinfo(), pidfd_send_signal()), and only
 * a signal the kernel raised for an exception may become one.  A 32-bit
 * call (int $0x80) sets TS_COMPAT until it returns.  The 64-bit syscall
 * instruction leaves the return address in both ip and cx and the flags in
 * both flags and r11, and entry stores the call's number in orig_ax, where
 * an exception stores its error code or -1.  A fault with an error code on
 * the instruction right after a syscall, with rcx and r11 untouched, looks
 * the same: it is not raised, and Linux delivers its signal as always.
 */
static inline bool mx_in_syscall(struct pt_regs *regs)
{
	return in_ia32_syscall() ||
	       ((long)regs->orig_ax >= 0 && regs->ip == regs->cx && regs->flags == regs->r11);
}

/*
 * Is the current thread single-stepping a uprobe's copied instruction?
 * Then get_signal() returns before its loop (uprobe_deny_signal()), and a
 * task work that stepped out would not be queued again in time.
 */
static inline bool mx_in_uprobe_step(void)
{
#ifdef CONFIG_UPROBES
	return current->utask && current->utask->active_uprobe;
#else
	return false;
#endif
}

/*
 * One page of another process's memory, for a debugger's read or write,
 * with a reference, or an ERR_PTR; the mmap lock held for reading.
 * get_user_pages_remote() lost its vmas argument in 6.5.
 */
static inline struct page *mx_get_user_page_remote(struct mm_struct *mm,
						   unsigned long addr,
						   unsigned int gup_flags)
{
	struct page *page;
	long got;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	got = get_user_pages_remote(mm, addr, 1, gup_flags, &page, NULL);
#else
	got = get_user_pages_remote(mm, addr, 1, gup_flags, &page, NULL, NULL);
#endif
	if (got < 0)
		return ERR_PTR(got);
	return got == 1 ? page : ERR_PTR(-EFAULT);
}

/*
 * vm/map.c needs no wrapper: kthread_use_mm()/kthread_unuse_mm(),
 * vm_mmap(), vm_munmap(), get_mem_cgroup_from_mm() and set_active_memcg()
 * have the same signatures and exports in 6.1 and 6.12.  Kernels after
 * 6.12 changed override_creds() to take no reference of its own (and
 * revert_creds() to return the credentials it took off instead of
 * dropping one); map.c holds its own reference on the credentials it
 * installs until after revert_creds() and ignores what revert_creds()
 * returns, which is right under both rules.
 */

/*
 * Save the current thread's user FPU registers to its memory now (as a
 * context switch would), and leave them there until it returns to user
 * space (TIF_NEED_FPU_LOAD): then its regsets can be read by another
 * thread while it is stopped.  kernel_fpu_begin() does exactly that, and
 * is exported (GPL) in every kernel built for.
 */
static inline void mx_fpu_flush(void)
{
	kernel_fpu_begin();
	kernel_fpu_end();
}

/*
 * Wake the task sleeping on @entry (a message was handed to it); @sync
 * if the waker is about to sleep itself: it waits for the answer, or
 * receives next with nothing queued.  WF_SYNC says so to the scheduler
 * (__wake_up_sync()'s flag); from 6.6 WF_CURRENT_CPU also puts the wakee
 * on this CPU, where it runs as soon as the waker sleeps, with no IPI:
 * what seccomp's wake_up_poll_on_current_cpu() does (6.6+), the direct
 * switch of GNU Mach's handoff.  Neither __wake_up_on_current_cpu() nor
 * the flags are exported; default_wake_function() is, and passes its
 * flags on to try_to_wake_up().  The flags are kernel/sched/sched.h's
 * WF_*, which no header package ships, so each range below says where
 * its values were read:
 *
 * - 6.1: linux-source-6.1's kernel/sched/sched.h (Debian 6.1.x): WF_SYNC
 *   0x10, WF_MIGRATED 0x20, nothing above; no WF_CURRENT_CPU.
 * - 6.6 to 7.2: WF_CURRENT_CPU 0x40 came in 6.6 (with seccomp's use of
 *   it), WF_RQ_SELECTED 0x80 in 6.13, WF_SYNC unchanged (the kernel
 *   history).  Checked in the lanes' own images, Debian's 6.12.95 and
 *   7.2.13 vmlinuz: __wake_up_locked_sync_key() and __wake_up_sync_key()
 *   pass 0x10 to __wake_up_common(), __wake_up_on_current_cpu() (its one
 *   caller, seccomp) 0x40; 7.2's BTF also has SCX_WAKE_SYNC = WF_SYNC =
 *   0x10 (enum scx_wake_flags).
 * - Later kernels: not checked, so a plain wakeup (no flags), which is
 *   always right; check the values there and widen the range above.
 *
 * Called with the wait queue's lock held.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#define MX_WF_SYNC		0x10
#define MX_WF_CURRENT_CPU	0
#elif LINUX_VERSION_CODE < KERNEL_VERSION(7, 3, 0)
#define MX_WF_SYNC		0x10
#define MX_WF_CURRENT_CPU	0x40
#else
#define MX_WF_SYNC		0
#define MX_WF_CURRENT_CPU	0
#endif

static inline void mx_wake_handoff(struct wait_queue_entry *entry, bool sync)
{
	default_wake_function(entry, TASK_NORMAL, sync ? MX_WF_SYNC | MX_WF_CURRENT_CPU : 0, NULL);
}

/*
 * A function of our own called straight from a kernel function's entry
 * (ftrace direct calls): the ftrace_ops API of 6.6+ is 6.1's "_multi"
 * one, whose unregistration leaves the filter to free.  The trampoline's
 * return-stack accounting (call depth tracking) is 6.2+.
 */
#include <linux/ftrace.h>
#ifdef CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS
#define MX_FTRACE_DIRECT	1
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
static inline int mx_register_ftrace_direct(struct ftrace_ops *ops, unsigned long addr)
{
	return register_ftrace_direct(ops, addr);
}

static inline int mx_unregister_ftrace_direct(struct ftrace_ops *ops, unsigned long addr)
{
	return unregister_ftrace_direct(ops, addr, true);
}
#else
static inline int mx_register_ftrace_direct(struct ftrace_ops *ops, unsigned long addr)
{
	return register_ftrace_direct_multi(ops, addr);
}

static inline int mx_unregister_ftrace_direct(struct ftrace_ops *ops, unsigned long addr)
{
	int err = unregister_ftrace_direct_multi(ops, addr);

	ftrace_free_filter(ops);
	return err;
}
#endif
#else
#define MX_FTRACE_DIRECT	0
#endif
#include <asm/nospec-branch.h>
#ifndef CALL_DEPTH_ACCOUNT
#define CALL_DEPTH_ACCOUNT	""
#endif

#endif /* _MACHEXC_COMPAT_H */
