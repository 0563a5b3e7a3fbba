// SPDX-License-Identifier: GPL-2.0
/*
 * The AVX and AVX-512 thread states of macOS, x86_AVX_STATE64 and
 * x86_AVX512_STATE64 (and x86_AVX_STATE, x86_AVX512_STATE with the
 * x86_state_hdr in front), made from and put back into the XSAVE image
 * that Linux's NT_X86_XSTATE regset reads and writes.
 *
 * That image is in the standard (non-compacted) format: the 512-byte
 * fxsave area, the 64-byte XSAVE header (xstate_bv first), then each state
 * component at the offset CPUID leaf 0xd gives it.  macOS's structures
 * carry the same registers in a fixed layout:
 *
 *   bytes	macOS field		XSAVE image
 *   0		__fpu_reserved[2]	-
 *   8		__fpu_fcw..xmm15	fxsave area 0..415
 *   424	__fpu_rsrv4[96]		-  (fxsave padding, Linux's sw bytes)
 *   520	__fpu_reserved1		-
 *   524	__avx_reserved1[64]	-
 *   588	__fpu_ymmh0..15		component 2, YMM_Hi128 (256 bytes)
 *   844	__fpu_k0..7		component 5, opmask (64)
 *   908	__fpu_zmmh0..15		component 6, ZMM_Hi256 (512)
 *   1420	__fpu_zmm16..31		component 7, Hi16_ZMM (1024)
 *
 * so that the first 131 natural_t are x86_FLOAT_STATE64 as exc/state.c
 * makes it.  The functions work on buffers only: the caller reads and
 * writes the regset, and owns the buffers.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/once.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>

#include <kunit/visibility.h>

#include "../compat/compat.h"
#include "exc.h"
#include "xstate.h"

/* The standard-format XSAVE image */
#define XSAVE_XSTATE_BV		512	/* the header's first field */
#define XSAVE_EXTENDED		576	/* where components 2 and up may start */
#define FX_MXCSR		24
#define FX_MXCSR_MASK		28
#define FX_REGS_SIZE		416	/* fcw..xmm15; then no registers */
#define MXCSR_DEFAULT_MASK	0xffbf	/* if the CPU stores a mask of 0 */
#define CPUID_XSTATE		0xd

/* In macOS's structures, after the x86_state_hdr if there is one */
#define MACH_FX			8	/* __fpu_fcw, after __fpu_reserved[2] */

/* The components macOS's flavors carry, in the order they carry them. */
static const struct {
	u8 feature;	/* enum xfeature */
	u16 mach;	/* byte offset in the macOS structure */
	u16 size;
} parts[] = {
	{ XFEATURE_YMM,		588,	16 * 16 },	/* __fpu_ymmh0 */
	{ XFEATURE_OPMASK,	844,	8 * 8 },	/* __fpu_k0 */
	{ XFEATURE_ZMM_Hi256,	908,	16 * 32 },	/* __fpu_zmmh0 */
	{ XFEATURE_Hi16_ZMM,	1420,	16 * 64 },	/* __fpu_zmm16 */
};

static const struct flavor {
	u32 flavor;
	u32 flavor64;	/* the flavor without the x86_state_hdr */
	u32 count;	/* natural_t, with the header */
	u32 parts;	/* how many of parts[] */
} flavors[] = {
	{ x86_AVX_STATE64, x86_AVX_STATE64, x86_AVX_STATE64_COUNT, 1 },
	{ x86_AVX_STATE, x86_AVX_STATE64, x86_AVX_STATE_COUNT, 1 },
	{ x86_AVX512_STATE64, x86_AVX512_STATE64, x86_AVX512_STATE64_COUNT, 4 },
	{ x86_AVX512_STATE, x86_AVX512_STATE64, x86_AVX512_STATE_COUNT, 4 },
};

static_assert(XFEATURE_Hi16_ZMM < MX_XSTATE_COMPONENTS);

static struct mx_xstate_layout cpu_layout;

static void cpu_layout_init(struct mx_xstate_layout *l)
{
	u32 eax, ebx, ecx, edx;
	u64 want = 0;
	unsigned int i;

	memset(l, 0, sizeof(*l));
	if (!boot_cpu_has(X86_FEATURE_XSAVE) || !boot_cpu_has(X86_FEATURE_OSXSAVE))
		return;
	if (boot_cpu_has(X86_FEATURE_AVX))
		want |= XFEATURE_MASK_YMM;
	if (boot_cpu_has(X86_FEATURE_AVX512F))
		want |= XFEATURE_MASK_AVX512;
	/* A CPU may have a feature whose state the kernel does not enable. */
	want &= xgetbv(XCR_XFEATURE_ENABLED_MASK);
	for (i = 0; i < ARRAY_SIZE(l->offset); i++) {
		if (!(want & BIT_ULL(i)))
			continue;
		cpuid_count(CPUID_XSTATE, i, &eax, &ebx, &ecx, &edx);
		l->size[i] = eax;
		l->offset[i] = ebx;
	}
	l->xfeatures = want;
}

/*
 * CPUID is slow (and traps to the hypervisor in a VM), and its answers do
 * not change: ask it once.  DO_ONCE() makes every caller wait until the
 * first has filled the layout in.
 */
const struct mx_xstate_layout *mx_xstate_cpu_layout(void)
{
	DO_ONCE(cpu_layout_init, &cpu_layout);
	return &cpu_layout;
}
EXPORT_SYMBOL_IF_KUNIT(mx_xstate_cpu_layout);

/*
 * @flavor, if @l has every component it carries where we expect it: each
 * of the size macOS gives it, past the header.  A CPU that says otherwise
 * is not one these layouts were made for; it gets no AVX flavors.
 */
static const struct flavor *find_flavor(const struct mx_xstate_layout *l, u32 flavor)
{
	const struct flavor *f = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flavors); i++)
		if (flavors[i].flavor == flavor)
			f = &flavors[i];
	if (!f)
		return NULL;
	for (i = 0; i < f->parts; i++) {
		unsigned int x = parts[i].feature;

		if (!(l->xfeatures & BIT_ULL(x)) || l->size[x] != parts[i].size ||
		    l->offset[x] < XSAVE_EXTENDED)
			return NULL;
	}
	return f;
}

/* Whether an image of @size bytes holds all that @f carries. */
static bool image_fits(const struct mx_xstate_layout *l, const struct flavor *f,
		       size_t size)
{
	unsigned int i;

	if (size < XSAVE_EXTENDED)
		return false;
	for (i = 0; i < f->parts; i++) {
		unsigned int x = parts[i].feature;

		/* Both are u32: the sum cannot wrap a size_t. */
		if ((size_t)l->offset[x] + l->size[x] > size)
			return false;
	}
	return true;
}

u32 mx_xstate_count(const struct mx_xstate_layout *layout, u32 flavor)
{
	const struct flavor *f = find_flavor(layout, flavor);

	return f ? f->count : 0;
}
EXPORT_SYMBOL_IF_KUNIT(mx_xstate_count);

int mx_xstate_to_mach(const struct mx_xstate_layout *layout, const void *xsave,
		      size_t xsave_size, u32 flavor, u32 *out)
{
	const struct flavor *f = find_flavor(layout, flavor);
	const u8 *img = xsave;
	u8 *mach = (u8 *)out;
	u64 xstate_bv;
	unsigned int i;

	if (!f)
		return -EINVAL;
	if (!image_fits(layout, f, xsave_size))
		return -ENOSPC;

	/* The reserved fields, and the components not in use, are zero. */
	memset(out, 0, f->count * sizeof(u32));
	if (f->flavor != f->flavor64) {
		out[0] = f->flavor64;		/* x86_state_hdr */
		out[1] = f->count - 2;
		mach += 2 * sizeof(u32);
	}
	/*
	 * The regset fills the fxsave area whether or not x87 and SSE are
	 * in use (with their init state if not).  Past xmm15 it has no
	 * registers, only the kernel's own sw_reserved bytes: left out.
	 */
	memcpy(mach + MACH_FX, img, FX_REGS_SIZE);

	/*
	 * A component whose xstate_bv bit is clear is in its init state,
	 * all zeros for these, whatever the image holds there.
	 */
	memcpy(&xstate_bv, img + XSAVE_XSTATE_BV, sizeof(xstate_bv));
	for (i = 0; i < f->parts; i++) {
		unsigned int x = parts[i].feature;

		if (xstate_bv & BIT_ULL(x))
			memcpy(mach + parts[i].mach, img + layout->offset[x], parts[i].size);
	}
	return f->count;
}
EXPORT_SYMBOL_IF_KUNIT(mx_xstate_to_mach);

int mx_xstate_from_mach(const struct mx_xstate_layout *layout, void *xsave,
			size_t xsave_size, u32 flavor, const u32 *in)
{
	const struct flavor *f = find_flavor(layout, flavor);
	const u8 *mach = (const u8 *)in;
	u32 mxcsr, mask;
	u64 xstate_bv;
	u8 *img = xsave;
	unsigned int i;

	if (!f)
		return -EINVAL;
	if (!image_fits(layout, f, xsave_size))
		return -ENOSPC;
	if (f->flavor != f->flavor64) {
		if (in[0] != f->flavor64 || in[1] != f->count - 2)
			return -EINVAL;
		mach += 2 * sizeof(u32);
	}

	/*
	 * MXCSR bits the CPU does not have fault when the state is loaded:
	 * refuse them here, against the mask the CPU stored in the image,
	 * as the regset's ->set() would.
	 */
	memcpy(&mxcsr, mach + MACH_FX + FX_MXCSR, sizeof(mxcsr));
	memcpy(&mask, img + FX_MXCSR_MASK, sizeof(mask));
	if (mxcsr & ~(mask ?: MXCSR_DEFAULT_MASK))
		return -EINVAL;

	/* All of fcw..xmm15 but MXCSR_MASK, which is the CPU's, not ours. */
	memcpy(img, mach + MACH_FX, FX_MXCSR_MASK);
	memcpy(img + FX_MXCSR_MASK + sizeof(mask), mach + MACH_FX + FX_MXCSR_MASK + sizeof(mask),
	       FX_REGS_SIZE - FX_MXCSR_MASK - sizeof(mask));

	/*
	 * Mark what we wrote as in use: the regset's ->set() takes only the
	 * components whose bits are set, and puts the others in their init
	 * state.
	 */
	memcpy(&xstate_bv, img + XSAVE_XSTATE_BV, sizeof(xstate_bv));
	xstate_bv |= XFEATURE_MASK_FPSSE;
	for (i = 0; i < f->parts; i++) {
		unsigned int x = parts[i].feature;

		memcpy(img + layout->offset[x], mach + parts[i].mach, parts[i].size);
		xstate_bv |= BIT_ULL(x);
	}
	memcpy(img + XSAVE_XSTATE_BV, &xstate_bv, sizeof(xstate_bv));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mx_xstate_from_mach);
