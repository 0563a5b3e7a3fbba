/* SPDX-License-Identifier: GPL-2.0 */
/*
 * macOS's AVX and AVX-512 thread states to and from the standard-format
 * XSAVE image of Linux's NT_X86_XSTATE regset.
 */
#ifndef _MACHEXC_XSTATE_H
#define _MACHEXC_XSTATE_H

#include <linux/types.h>
#include <asm/fpu/types.h>

#include "exc.h"

/* enum xfeature up to Hi16_ZMM, the last component macOS's flavors carry */
#define MX_XSTATE_COMPONENTS		8

/*
 * Where the XSAVE state components that macOS's flavors carry are in the
 * standard-format image, and which of them user space has.  Indexed by
 * enum xfeature; only YMM (2) and OPMASK..Hi16_ZMM (5..7) are used.
 */
struct mx_xstate_layout {
	u64 xfeatures;				/* XFEATURE_MASK_YMM, _AVX512 */
	u32 offset[MX_XSTATE_COMPONENTS];	/* CPUID.(0xd, i).EBX */
	u32 size[MX_XSTATE_COMPONENTS];		/* CPUID.(0xd, i).EAX */
};

/* The layout of this machine, from CPUID and XCR0 (read once). */
const struct mx_xstate_layout *mx_xstate_cpu_layout(void);

/*
 * The size of @flavor in natural_t, or 0 if it is not one of the AVX
 * flavors or @layout lacks what it carries (AVX, or AVX-512F).
 */
u32 mx_xstate_count(const struct mx_xstate_layout *layout, u32 flavor);

/*
 * @xsave, @xsave_size bytes, as NT_X86_XSTATE gives it, to @flavor at
 * @out (room for mx_xstate_count() natural_t).  Returns that count, or
 * -EINVAL for a flavor not offered and -ENOSPC for an image too small.
 */
int mx_xstate_to_mach(const struct mx_xstate_layout *layout, const void *xsave,
		      size_t xsave_size, u32 flavor, u32 *out);

/*
 * Put @flavor from @in (mx_xstate_count() natural_t) into the image at
 * @xsave, ready for NT_X86_XSTATE's ->set().  Returns 0, -EINVAL for a
 * flavor not offered, a header that does not match or an MXCSR the CPU
 * refuses, or -ENOSPC for an image too small; the image is unchanged on
 * error.
 */
int mx_xstate_from_mach(const struct mx_xstate_layout *layout, void *xsave,
			size_t xsave_size, u32 flavor, const u32 *in);

#endif /* _MACHEXC_XSTATE_H */
