// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: macOS's AVX and AVX-512 thread states made from, and put back
 * into, standard-format XSAVE images.  The images are synthetic, laid out
 * as an AVX-512 CPU lays them out, so the tests run on any machine.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../exc/xstate.h"

/* Intel's standard offsets: YMM_Hi128, opmask, ZMM_Hi256, Hi16_ZMM */
#define IMAGE_SIZE	2688

static const struct mx_xstate_layout avx512 = {
	.xfeatures = XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512,
	.offset = {
		[XFEATURE_YMM] = 576, [XFEATURE_OPMASK] = 1088,
		[XFEATURE_ZMM_Hi256] = 1152, [XFEATURE_Hi16_ZMM] = 1664,
	},
	.size = {
		[XFEATURE_YMM] = 256, [XFEATURE_OPMASK] = 64,
		[XFEATURE_ZMM_Hi256] = 512, [XFEATURE_Hi16_ZMM] = 1024,
	},
};

static const struct mx_xstate_layout avx_only = {
	.xfeatures = XFEATURE_MASK_YMM,
	.offset = { [XFEATURE_YMM] = 576 },
	.size = { [XFEATURE_YMM] = 256 },
};

/* Byte offsets in macOS's 64-bit structures (mach/i386/_structs.h) */
#define M_MXCSR		32
#define M_XMM(n)	(168 + 16 * (n))
#define M_RSRV4		424
#define M_YMMH(n)	(588 + 16 * (n))
#define M_K(n)		(844 + 8 * (n))
#define M_ZMMH(n)	(908 + 32 * (n))
#define M_ZMM(n)	(1420 + 64 * ((n) - 16))

/* An image with every byte set and all components in use. */
static u8 *make_image(struct kunit *test, u64 xstate_bv)
{
	u8 *img = kunit_kzalloc(test, IMAGE_SIZE, GFP_KERNEL);
	u32 mxcsr = 0x1f80, mask = 0xffbf;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, img);
	for (i = 0; i < IMAGE_SIZE; i++)
		img[i] = i * 7 + 1;
	memcpy(img + 24, &mxcsr, 4);
	memcpy(img + 28, &mask, 4);
	memset(img + 512, 0, 64);	/* the header: xcomp_bv and reserved zero */
	memcpy(img + 512, &xstate_bv, 8);
	return img;
}

static u32 *make_state(struct kunit *test)
{
	u32 *s = kunit_kzalloc(test, x86_AVX512_STATE_COUNT * sizeof(u32), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	return s;
}

static void xstate_counts(struct kunit *test)
{
	const struct mx_xstate_layout none = { };

	KUNIT_EXPECT_EQ(test, mx_xstate_count(&avx512, x86_AVX_STATE64), 211U);
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&avx512, x86_AVX_STATE), 213U);
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&avx512, x86_AVX512_STATE64), 611U);
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&avx512, x86_AVX512_STATE), 613U);
	/* No AVX-512F: no AVX-512 flavors.  No AVX: none at all. */
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&avx_only, x86_AVX_STATE64), 211U);
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&avx_only, x86_AVX512_STATE64), 0U);
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&avx_only, x86_AVX512_STATE), 0U);
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&none, x86_AVX_STATE64), 0U);
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&none, x86_AVX_STATE), 0U);
	/* Other flavors are not ours. */
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&avx512, 5), 0U);	/* x86_FLOAT_STATE64 */
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&avx512, 19), 0U);	/* x86_AVX512_STATE32 */
	/* The machine's own layout gives a count or none, nothing else. */
	KUNIT_EXPECT_TRUE(test, mx_xstate_count(mx_xstate_cpu_layout(), x86_AVX_STATE64) == 0 ||
			  mx_xstate_count(mx_xstate_cpu_layout(), x86_AVX_STATE64) == 211);
}

/* Each register lands in its macOS field. */
static void xstate_registers_land_in_place(struct kunit *test)
{
	u8 *img = make_image(test, 0xe7);
	u32 *s = make_state(test);
	u8 *m = (u8 *)s;

	KUNIT_ASSERT_EQ(test, mx_xstate_to_mach(&avx512, img, IMAGE_SIZE, x86_AVX_STATE64, s),
			211);
	KUNIT_EXPECT_EQ(test, s[0], 0U);			/* __fpu_reserved */
	KUNIT_EXPECT_EQ(test, s[1], 0U);
	KUNIT_EXPECT_EQ(test, memcmp(m + 8, img, 24), 0);	/* fcw..ds */
	KUNIT_EXPECT_EQ(test, *(u32 *)(m + M_MXCSR), 0x1f80U);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_XMM(3), img + 160 + 3 * 16, 16), 0);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_XMM(15), img + 160 + 15 * 16, 16), 0);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_YMMH(3), img + 576 + 3 * 16, 16), 0);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_YMMH(15), img + 576 + 15 * 16, 16), 0);
	/* Past xmm15 only reserved fields: zero. */
	KUNIT_EXPECT_TRUE(test, !memchr_inv(m + M_RSRV4, 0, M_YMMH(0) - M_RSRV4));

	KUNIT_ASSERT_EQ(test, mx_xstate_to_mach(&avx512, img, IMAGE_SIZE, x86_AVX512_STATE64,
						s), 611);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_YMMH(7), img + 576 + 7 * 16, 16), 0);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_K(0), img + 1088, 8), 0);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_K(7), img + 1088 + 7 * 8, 8), 0);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_ZMMH(5), img + 1152 + 5 * 32, 32), 0);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_ZMM(16), img + 1664, 64), 0);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_ZMM(31), img + 1664 + 15 * 64, 64), 0);

	/* The unified flavors: the same after an x86_state_hdr. */
	KUNIT_ASSERT_EQ(test, mx_xstate_to_mach(&avx512, img, IMAGE_SIZE, x86_AVX512_STATE, s),
			613);
	KUNIT_EXPECT_EQ(test, s[0], (u32)x86_AVX512_STATE64);
	KUNIT_EXPECT_EQ(test, s[1], 611U);
	KUNIT_EXPECT_EQ(test, memcmp(m + 8 + M_YMMH(1), img + 576 + 16, 16), 0);
	KUNIT_EXPECT_EQ(test, memcmp(m + 8 + M_ZMM(31), img + 1664 + 15 * 64, 64), 0);
	KUNIT_ASSERT_EQ(test, mx_xstate_to_mach(&avx512, img, IMAGE_SIZE, x86_AVX_STATE, s),
			213);
	KUNIT_EXPECT_EQ(test, s[0], (u32)x86_AVX_STATE64);
	KUNIT_EXPECT_EQ(test, s[1], 211U);
}

/* A component not in use is in its init state, zeros, whatever the image holds. */
static void xstate_absent_components_are_zero(struct kunit *test)
{
	u8 *img = make_image(test, XFEATURE_MASK_FPSSE | XFEATURE_MASK_ZMM_Hi256);
	u32 *s = make_state(test);
	u8 *m = (u8 *)s;

	memset(s, 0xff, x86_AVX512_STATE_COUNT * sizeof(u32));
	KUNIT_ASSERT_EQ(test, mx_xstate_to_mach(&avx512, img, IMAGE_SIZE, x86_AVX512_STATE64,
						s), 611);
	KUNIT_EXPECT_EQ(test, memcmp(m + M_XMM(0), img + 160, 16), 0);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(m + M_YMMH(0), 0, 256));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(m + M_K(0), 0, 64));
	KUNIT_EXPECT_EQ(test, memcmp(m + M_ZMMH(0), img + 1152, 512), 0);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(m + M_ZMM(16), 0, 1024));
	/* Nothing written past the state. */
	KUNIT_EXPECT_EQ(test, s[611], 0xffffffffU);
}

/* from_mach(to_mach(image)) is the image. */
static void xstate_round_trip(struct kunit *test)
{
	static const u32 flavors[] = {
		x86_AVX_STATE64, x86_AVX_STATE, x86_AVX512_STATE64, x86_AVX512_STATE,
	};
	u8 *img = make_image(test, 0xe7);
	u8 *copy = kunit_kzalloc(test, IMAGE_SIZE, GFP_KERNEL);
	u32 *s = make_state(test);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	for (i = 0; i < ARRAY_SIZE(flavors); i++) {
		memcpy(copy, img, IMAGE_SIZE);
		KUNIT_ASSERT_GT(test, mx_xstate_to_mach(&avx512, copy, IMAGE_SIZE, flavors[i], s),
				0);
		KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, IMAGE_SIZE, flavors[i],
							  s), 0);
		KUNIT_EXPECT_EQ(test, memcmp(copy, img, IMAGE_SIZE), 0);
	}

	/*
	 * A new YMM upper half goes into the image, marked in use; the
	 * reserved fields and MXCSR_MASK are not taken from the state.
	 */
	memcpy(copy, img, IMAGE_SIZE);
	memset(copy + 512, 0, 8);			/* nothing in use */
	mx_xstate_to_mach(&avx512, copy, IMAGE_SIZE, x86_AVX_STATE64, s);
	memset((u8 *)s + M_YMMH(2), 0x42, 16);
	memset((u8 *)s + M_RSRV4, 0x42, M_YMMH(0) - M_RSRV4);
	s[9] = 0xffff;					/* __fpu_mxcsrmask */
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, IMAGE_SIZE, x86_AVX_STATE64, s),
			0);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(copy + 576 + 2 * 16, 0x42, 16));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(copy + 576, 0, 16));
	KUNIT_EXPECT_EQ(test, *(u64 *)(copy + 512), (u64)(XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM));
	KUNIT_EXPECT_EQ(test, memcmp(copy + 416, img + 416, 96), 0);
	KUNIT_EXPECT_EQ(test, *(u32 *)(copy + 28), 0xffbfU);
	/* AVX state leaves the AVX-512 components alone. */
	KUNIT_EXPECT_EQ(test, memcmp(copy + 1088, img + 1088, IMAGE_SIZE - 1088), 0);
}

/* MXCSR bits the CPU lacks are refused; the image stays as it was. */
static void xstate_mxcsr_is_checked(struct kunit *test)
{
	u8 *img = make_image(test, 0xe7);
	u8 *copy = kunit_kzalloc(test, IMAGE_SIZE, GFP_KERNEL);
	u32 *s = make_state(test);
	u32 zero = 0;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, img, IMAGE_SIZE);
	mx_xstate_to_mach(&avx512, img, IMAGE_SIZE, x86_AVX512_STATE64, s);
	s[M_MXCSR / 4] = 0x10000;			/* reserved */
	memset((u8 *)s + M_ZMM(20), 0x42, 64);
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, IMAGE_SIZE, x86_AVX512_STATE64,
						  s), -EINVAL);
	s[M_MXCSR / 4] = 0x1f80 | 0x40;			/* DAZ, not in mask 0xffbf */
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, IMAGE_SIZE, x86_AVX512_STATE64,
						  s), -EINVAL);
	KUNIT_EXPECT_EQ(test, memcmp(copy, img, IMAGE_SIZE), 0);
	/* A CPU that stores no mask has 0xffbf. */
	memcpy(copy + 28, &zero, 4);
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, IMAGE_SIZE, x86_AVX512_STATE64,
						  s), -EINVAL);
	s[M_MXCSR / 4] = 0x1f80 | 0x20;			/* PM: a real bit */
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, IMAGE_SIZE, x86_AVX512_STATE64,
						  s), 0);
	KUNIT_EXPECT_EQ(test, *(u32 *)(copy + 24), 0x1fa0U);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(copy + 1664 + 4 * 64, 0x42, 64));
}

/* An image too small for what the flavor carries, or the wrong header. */
static void xstate_bad_input_is_refused(struct kunit *test)
{
	struct mx_xstate_layout odd = avx512;
	u8 *img = make_image(test, 0xe7);
	u8 *copy = kunit_kzalloc(test, IMAGE_SIZE, GFP_KERNEL);
	u32 *s = make_state(test);

	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, img, IMAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mx_xstate_to_mach(&avx512, img, IMAGE_SIZE - 1, x86_AVX512_STATE64,
						s), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mx_xstate_to_mach(&avx512, img, 575, x86_AVX_STATE64, s),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, mx_xstate_to_mach(&avx512, img, 831, x86_AVX_STATE64, s),
			-ENOSPC);
	/* YMM_Hi128 ends at 832: enough for AVX state, not for AVX-512. */
	KUNIT_EXPECT_EQ(test, mx_xstate_to_mach(&avx512, img, 832, x86_AVX_STATE64, s), 211);
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, 831, x86_AVX_STATE64, s),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, 832, x86_AVX512_STATE64, s),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, memcmp(copy, img, IMAGE_SIZE), 0);

	/* Flavors not offered. */
	KUNIT_EXPECT_EQ(test, mx_xstate_to_mach(&avx_only, img, IMAGE_SIZE, x86_AVX512_STATE64,
						s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mx_xstate_to_mach(&avx512, img, IMAGE_SIZE, 5, s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx_only, copy, IMAGE_SIZE, x86_AVX512_STATE,
						  s), -EINVAL);

	/* The unified flavors' header must name the 64-bit flavor and its count. */
	mx_xstate_to_mach(&avx512, img, IMAGE_SIZE, x86_AVX_STATE, s);
	s[1] = 212;
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, IMAGE_SIZE, x86_AVX_STATE, s),
			-EINVAL);
	s[1] = 211;
	s[0] = 16;					/* x86_AVX_STATE32 */
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, IMAGE_SIZE, x86_AVX_STATE, s),
			-EINVAL);
	s[0] = x86_AVX_STATE64;
	KUNIT_EXPECT_EQ(test, mx_xstate_from_mach(&avx512, copy, IMAGE_SIZE, x86_AVX_STATE, s),
			0);
	KUNIT_EXPECT_EQ(test, memcmp(copy, img, IMAGE_SIZE), 0);

	/* A layout whose sizes are not macOS's gets no flavors. */
	odd.size[XFEATURE_OPMASK] = 128;
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&odd, x86_AVX512_STATE64), 0U);
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&odd, x86_AVX_STATE64), 211U);
	odd.offset[XFEATURE_YMM] = 512;			/* over the header */
	KUNIT_EXPECT_EQ(test, mx_xstate_count(&odd, x86_AVX_STATE64), 0U);
}

static struct kunit_case machexc_xstate_cases[] = {
	KUNIT_CASE(xstate_counts),
	KUNIT_CASE(xstate_registers_land_in_place),
	KUNIT_CASE(xstate_absent_components_are_zero),
	KUNIT_CASE(xstate_round_trip),
	KUNIT_CASE(xstate_mxcsr_is_checked),
	KUNIT_CASE(xstate_bad_input_is_refused),
	{}
};

static struct kunit_suite machexc_xstate_suite = {
	.name = "machexc_xstate",
	.test_cases = machexc_xstate_cases,
};

kunit_test_suite(machexc_xstate_suite);
