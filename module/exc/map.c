// SPDX-License-Identifier: GPL-2.0
/*
 * Which Mach exception a Linux fault signal is, with the codes macOS's
 * x86-64 kernel gives for the same fault.  Only synchronous signals that
 * the kernel raised (si_code > 0) qualify; kill(), tgkill() and
 * sigqueue() send their signals as they always did.
 */
#include <asm/trapnr.h>
#include <kunit/visibility.h>
#include <linux/signal.h>

#include "exc.h"

static void set(struct mx_exception *exc, u32 type, s64 code, s64 subcode)
{
	exc->type = type;
	exc->code[0] = code;
	exc->code[1] = subcode;
}

bool mx_exc_from_siginfo(const kernel_siginfo_t *info, unsigned int trap_nr,
			 struct mx_exception *exc)
{
	s64 addr;

	if (info->si_code <= 0)
		return false;
	addr = (s64)(unsigned long)info->si_addr;

	switch (info->si_signo) {
	case SIGSEGV:
		if (info->si_code == SEGV_MAPERR)
			set(exc, EXC_BAD_ACCESS, KERN_INVALID_ADDRESS, addr);
		else if (info->si_code == SI_KERNEL)
			/* A general protection fault: no address to give. */
			set(exc, EXC_BAD_ACCESS, EXC_I386_GPFLT, 0);
		else
			set(exc, EXC_BAD_ACCESS, KERN_PROTECTION_FAILURE, addr);
		return true;
	case SIGBUS:
		if (info->si_code == BUS_ADRALN)
			set(exc, EXC_BAD_ACCESS, EXC_I386_ALIGNFLT, addr);
		else if (info->si_code == BUS_MCEERR_AR || info->si_code == BUS_MCEERR_AO)
			set(exc, EXC_BAD_ACCESS, KERN_MEMORY_FAILURE, addr);
		else
			set(exc, EXC_BAD_ACCESS, KERN_MEMORY_ERROR, addr);
		return true;
	case SIGILL:
		set(exc, EXC_BAD_INSTRUCTION, EXC_I386_INVOP, 0);
		return true;
	case SIGFPE:
		if (info->si_code == FPE_INTDIV)
			set(exc, EXC_ARITHMETIC, EXC_I386_DIV, 0);
		else if (info->si_code == FPE_INTOVF)
			set(exc, EXC_ARITHMETIC, EXC_I386_INTO, 0);
		else if (trap_nr == X86_TRAP_XF)
			set(exc, EXC_ARITHMETIC, EXC_I386_SSEEXTERR, 0);
		else
			set(exc, EXC_ARITHMETIC, EXC_I386_EXTERR, 0);
		return true;
	case SIGTRAP:
		/* int3 arrives as SI_KERNEL; a single step as TRAP_TRACE. */
		if (info->si_code == TRAP_TRACE || info->si_code == TRAP_HWBKPT)
			set(exc, EXC_BREAKPOINT, EXC_I386_SGL, 0);
		else
			set(exc, EXC_BREAKPOINT, EXC_I386_BPT, 0);
		return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(mx_exc_from_siginfo);
