/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/i386/exception.h>: x86 exception codes, as on macOS. */
#ifndef _MACHEXC_MACH_I386_EXCEPTION_H
#define _MACHEXC_MACH_I386_EXCEPTION_H

#define EXCEPTION_CODE_MAX	2

#define EXC_I386_INVOP		1

#define EXC_I386_DIV		1
#define EXC_I386_INTO		2
#define EXC_I386_NOEXT		3
#define EXC_I386_EXTOVR		4
#define EXC_I386_EXTERR		5
#define EXC_I386_EMERR		6
#define EXC_I386_BOUND		7
#define EXC_I386_SSEEXTERR	8

#define EXC_I386_SGL		1
#define EXC_I386_BPT		2

#define EXC_I386_DIVERR		0
#define EXC_I386_SGLSTP		1
#define EXC_I386_NMIFLT		2
#define EXC_I386_BPTFLT		3
#define EXC_I386_INTOFLT	4
#define EXC_I386_BOUNDFLT	5
#define EXC_I386_INVOPFLT	6
#define EXC_I386_NOEXTFLT	7
#define EXC_I386_DBLFLT		8
#define EXC_I386_EXTOVRFLT	9
#define EXC_I386_INVTSSFLT	10
#define EXC_I386_SEGNPFLT	11
#define EXC_I386_STKFLT		12
#define EXC_I386_GPFLT		13
#define EXC_I386_PGFLT		14
#define EXC_I386_EXTERRFLT	16
#define EXC_I386_ALIGNFLT	17
#define EXC_I386_ENDPERR	33
#define EXC_I386_ENOEXTFLT	32

#define EXC_MASK_MACHINE	0

#endif
