// SPDX-License-Identifier: GPL-2.0
/*
 * Thread state in macOS's x86-64 flavors: what an exception message
 * carries, what thread_get_state()/thread_set_state() read and change on
 * a thread stopped in an exception, and what a handler's reply puts back.
 *
 *   x86_THREAD_STATE64     the general registers (user flags only are
 *                          written back; segment registers stay)
 *   x86_EXCEPTION_STATE64  trap number, CPU, error code, fault address
 *                          (read only, as on macOS)
 *   x86_FLOAT_STATE64      x87/SSE: the fxsave image, as macOS lays it
 *                          out after two reserved words
 *   x86_AVX_STATE64, x86_AVX512_STATE64
 *                          x87/SSE plus the upper halves of the ymm (and
 *                          zmm, k) registers, where the CPU has them
 *                          (exc/xstate.c converts the XSAVE image)
 *   x86_THREAD_STATE, x86_FLOAT_STATE, x86_EXCEPTION_STATE, x86_AVX_STATE,
 *   x86_AVX512_STATE       the same with the x86_state_hdr in front
 *
 * The faulting thread saves its state once, before it raises, and puts
 * back what changed when it resumes: handlers never touch a live thread.
 */
#include <linux/elf.h>
#include <linux/slab.h>
#include <linux/regset.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/trapnr.h>

#include <kunit/visibility.h>

#include "../compat/compat.h"
#include "exc.h"
#include "xstate.h"

#define FPU_RESERVED	2	/* natural_t before the fxsave image */
#define MXCSR_WORD	(FPU_RESERVED + 6)
#define MXCSR_MASK_WORD	(FPU_RESERVED + 7)
#define MXCSR_DEFAULT_MASK 0xffbf

static void regs_to_state(const struct pt_regs *regs, u64 *s)
{
	s[0] = regs->ax; s[1] = regs->bx; s[2] = regs->cx; s[3] = regs->dx;
	s[4] = regs->di; s[5] = regs->si; s[6] = regs->bp; s[7] = regs->sp;
	s[8] = regs->r8; s[9] = regs->r9; s[10] = regs->r10; s[11] = regs->r11;
	s[12] = regs->r12; s[13] = regs->r13; s[14] = regs->r14; s[15] = regs->r15;
	s[16] = regs->ip; s[17] = regs->flags; s[18] = regs->cs; s[19] = 0; s[20] = 0;
}

/* The new state; segment registers and privileged flags stay as they are. */
static void state_to_regs(const u64 *s, struct pt_regs *regs)
{
	const unsigned long user_flags = X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF |
					 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF |
					 X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_RF;

	regs->ax = s[0]; regs->bx = s[1]; regs->cx = s[2]; regs->dx = s[3];
	regs->di = s[4]; regs->si = s[5]; regs->bp = s[6]; regs->sp = s[7];
	regs->r8 = s[8]; regs->r9 = s[9]; regs->r10 = s[10]; regs->r11 = s[11];
	regs->r12 = s[12]; regs->r13 = s[13]; regs->r14 = s[14]; regs->r15 = s[15];
	regs->ip = s[16];
	regs->flags = (regs->flags & ~user_flags) | (s[17] & user_flags);
}

#define FX_REGS_SIZE	416	/* the fxsave area up to xmm15; the rest is reserved */

/* The image with the x87/SSE part as the thread's state has it now. */
static void xsave_sync_legacy(struct mx_exc_state *st)
{
	memcpy(st->xsave, &st->fpu[FPU_RESERVED], FX_REGS_SIZE);
}

static const struct user_regset *find_regset(unsigned int note)
{
	const struct user_regset_view *view = task_user_regset_view(current);
	unsigned int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note)
			return &view->regsets[i];
	return NULL;
}

/* Does this CPU give user space any register the AVX flavors carry? */
static bool have_avx(void)
{
	return mx_xstate_count(mx_xstate_cpu_layout(), x86_AVX_STATE64);
}

/* The 64-bit flavor a unified flavor (x86_THREAD_STATE, ...) stands for. */
static u32 flavor64(u32 flavor)
{
	switch (flavor) {
	case x86_AVX_STATE:
		return x86_AVX_STATE64;
	case x86_AVX512_STATE:
		return x86_AVX512_STATE64;
	case x86_THREAD_STATE:
		return x86_THREAD_STATE64;
	case x86_FLOAT_STATE:
		return x86_FLOAT_STATE64;
	case x86_EXCEPTION_STATE:
		return x86_EXCEPTION_STATE64;
	}
	return flavor;
}

/* Does @flavor carry x87/SSE or AVX registers? */
static bool fpu_flavor(u32 flavor)
{
	switch (flavor64(flavor)) {
	case x86_FLOAT_STATE64:
	case x86_AVX_STATE64:
	case x86_AVX512_STATE64:
		return true;
	}
	return false;
}

/*
 * The buffer the thread's XSAVE image is read into if @flavor needs the
 * FPU registers and the CPU has AVX, for mx_exc_state_load_fpu(); NULL
 * otherwise or without memory (x87/SSE only then).  Sleeps: no lock.
 */
void *mx_exc_state_fpu_buf(u32 flavor)
{
	const struct user_regset *xs;

	if (!fpu_flavor(flavor) || !have_avx())
		return NULL;
	xs = find_regset(NT_X86_XSTATE);
	return xs ? kmalloc(xs->n * xs->size, GFP_KERNEL_ACCOUNT) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_state_fpu_buf);

/*
 * What @flavor needs of the stopped thread's FPU registers, read the first
 * time it is asked for, not on every exception: nothing for a flavor
 * without them; its x87/SSE registers into st->fpu; and, given *@buf (from
 * mx_exc_state_fpu_buf(), taken over), its whole XSAVE image.  The image
 * can come after the x87/SSE registers (a FLOAT flavor first, an AVX one
 * later): then what st->fpu holds, read or changed, wins over the image's
 * copy.  The thread saved its registers to memory when it stopped
 * (mx_exc_state_save(), which leaves st->fpu to be zeroed here) and does
 * not run user code again before its state is withdrawn, so another
 * thread may read them.  Called with whatever guards @st held (the thread
 * port's lock once published); does not sleep.
 */
void mx_exc_state_load_fpu(struct mx_exc_state *st, u32 flavor, void **buf)
{
	const struct user_regset *fx = find_regset(NT_PRFPREG), *xs;
	u8 *fxsave = (u8 *)&st->fpu[FPU_RESERVED];
	unsigned int size;

	if (!fpu_flavor(flavor) || !st->task)
		return;		/* nothing needed, or no thread to read (a bare state) */
	if (!st->fpu_loaded)
		memset(st->fpu, 0, sizeof(st->fpu));	/* left as it was by the save */
	xs = buf && *buf && !st->xsave ? find_regset(NT_X86_XSTATE) : NULL;
	if (xs) {
		size = xs->n * xs->size;
		if (regset_get(st->task, xs, size, *buf) >= 0) {
			st->xsave = *buf;
			*buf = NULL;
			st->xsave_size = size;
			if (st->fpu_valid) {
				xsave_sync_legacy(st);
			} else {
				memcpy(fxsave, st->xsave, FX_REGS_SIZE);
				memset(fxsave + FX_REGS_SIZE, 0, FXSAVE_SIZE - FX_REGS_SIZE);
				st->fpu_valid = true;
			}
			st->fpu_loaded = true;
			return;
		}
	}
	if (st->fpu_loaded)
		return;
	st->fpu_loaded = true;
	st->fpu_valid = fx && regset_get(st->task, fx, FXSAVE_SIZE, fxsave) >= 0;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_state_load_fpu);

/*
 * The current thread's state, as it stopped: its general registers and
 * what the fault left; the FPU registers are only saved to the thread's
 * own memory (they are read from there if a flavor asks for them).
 */
void mx_exc_state_save(struct mx_exc_state *st, const kernel_siginfo_t *info,
		       unsigned int trap_nr, unsigned long error_code, unsigned long cr2)
{
	u64 fault = trap_nr == X86_TRAP_PF ? cr2 : 0;

	/* All but the FPU registers, which are zeroed when first read. */
	memset(st, 0, offsetof(struct mx_exc_state, fpu));
	memset((u8 *)st + offsetofend(struct mx_exc_state, fpu), 0,
	       sizeof(*st) - offsetofend(struct mx_exc_state, fpu));
	regs_to_state(task_pt_regs(current), st->regs);
	st->exc[0] = (trap_nr & 0xffff) | (raw_smp_processor_id() & 0xffff) << 16;
	st->exc[1] = error_code;
	memcpy(&st->exc[2], &fault, sizeof(fault));
	st->task = current;
	mx_fpu_flush();
	st->dr6 = current->thread.virtual_dr6;
	if (info) {	/* else a thread stopped by suspension, not a fault */
		st->signo = info->si_signo;
		st->code = info->si_code;
		st->addr = (unsigned long)info->si_addr;
	}
	st->trapno = trap_nr;
	st->error_code = error_code;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_state_save);

/* Put back into the current thread what handlers changed. */
void mx_exc_state_restore(struct mx_exc_state *st)
{
	if (st->dirty & MX_STATE_DIRTY_REGS)
		state_to_regs(st->regs, task_pt_regs(current));
	if ((st->dirty & MX_STATE_DIRTY_XSTATE) && st->xsave) {
		xsave_sync_legacy(st);	/* a later x86_FLOAT_STATE64 set wins */
		mx_fpu_write_xstate(st->xsave, st->xsave_size);
	} else if ((st->dirty & MX_STATE_DIRTY_FPU) && st->fpu_valid) {
		mx_fpu_write_fxsave(&st->fpu[FPU_RESERVED]);
	}
	st->dirty = 0;
}

/* What mx_exc_state_save() allocated. */
void mx_exc_state_release(struct mx_exc_state *st)
{
	if (!st->xsave)
		return;		/* the usual case: no call for nothing */
	kfree(st->xsave);
	st->xsave = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_state_release);

/* A state's size in natural_t, or 0 for a flavor we do not offer. */
u32 mx_exc_state_count(u32 flavor)
{
	u32 hdr = flavor64(flavor) != flavor ? 2 : 0;

	switch (flavor64(flavor)) {
	case x86_THREAD_STATE64:
		return hdr + x86_THREAD_STATE64_COUNT;
	case x86_FLOAT_STATE64:
		return hdr + x86_FLOAT_STATE64_COUNT;
	case x86_EXCEPTION_STATE64:
		return hdr + x86_EXCEPTION_STATE64_COUNT;
	}
	return mx_xstate_count(mx_xstate_cpu_layout(), flavor);
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_state_count);

/* Copy @flavor of @st to @out (room for its count); sets *count. */
mx_return_t mx_exc_state_get(struct mx_exc_state *st, u32 flavor, u32 *out, u32 *count)
{
	u32 f = flavor64(flavor), n = mx_exc_state_count(f);
	const void *src;

	mx_exc_state_load_fpu(st, f, NULL);
	if (!n || (f == x86_FLOAT_STATE64 && !st->fpu_valid))
		return KERN_INVALID_ARGUMENT;
	if (f == x86_AVX_STATE64 || f == x86_AVX512_STATE64) {
		if (!st->xsave)
			return KERN_INVALID_ARGUMENT;
		xsave_sync_legacy(st);
		if (mx_xstate_to_mach(mx_xstate_cpu_layout(), st->xsave, st->xsave_size, flavor,
				      out) < 0)
			return KERN_INVALID_ARGUMENT;
		*count = mx_exc_state_count(flavor);
		return KERN_SUCCESS;
	}
	if (f == x86_THREAD_STATE64)
		src = st->regs;
	else if (f == x86_FLOAT_STATE64)
		src = st->fpu;
	else
		src = st->exc;
	if (f != flavor) {
		*out++ = f;	/* x86_state_hdr */
		*out++ = n;
	}
	memcpy(out, src, n * sizeof(u32));
	*count = mx_exc_state_count(flavor);
	return KERN_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_state_get);

/* Change @flavor of @st, as thread_set_state() does on macOS. */
mx_return_t mx_exc_state_set(struct mx_exc_state *st, u32 flavor, const u32 *in, u32 count)
{
	u32 f = flavor64(flavor), n = mx_exc_state_count(f), mask;

	mx_exc_state_load_fpu(st, f, NULL);
	if (!n || count != mx_exc_state_count(flavor))
		return KERN_INVALID_ARGUMENT;
	if (f == x86_AVX_STATE64 || f == x86_AVX512_STATE64) {
		if (!st->xsave)
			return KERN_INVALID_ARGUMENT;
		xsave_sync_legacy(st);
		if (mx_xstate_from_mach(mx_xstate_cpu_layout(), st->xsave, st->xsave_size, flavor,
					in))
			return KERN_INVALID_ARGUMENT;
		memcpy(&st->fpu[FPU_RESERVED], st->xsave, FX_REGS_SIZE);
		st->dirty |= MX_STATE_DIRTY_FPU | MX_STATE_DIRTY_XSTATE;
		return KERN_SUCCESS;
	}
	if (f != flavor) {
		if (in[0] != f || in[1] != n)
			return KERN_INVALID_ARGUMENT;
		in += 2;
	}
	switch (f) {
	case x86_THREAD_STATE64:
		memcpy(st->regs, in, sizeof(st->regs));
		st->dirty |= MX_STATE_DIRTY_REGS;
		return KERN_SUCCESS;
	case x86_FLOAT_STATE64:
		/* MXCSR bits the CPU does not have would fault on restore. */
		mask = st->fpu[MXCSR_MASK_WORD] ?: MXCSR_DEFAULT_MASK;
		if (!st->fpu_valid || (in[MXCSR_WORD] & ~mask))
			return KERN_INVALID_ARGUMENT;
		memcpy(st->fpu, in, sizeof(st->fpu));
		st->fpu[MXCSR_MASK_WORD] = mask;
		st->dirty |= MX_STATE_DIRTY_FPU;
		return KERN_SUCCESS;
	}
	return KERN_INVALID_ARGUMENT;	/* exception state is read only */
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_state_set);
