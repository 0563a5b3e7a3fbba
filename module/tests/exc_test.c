// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: fault signals to Mach exceptions, exception_raise messages
 * encoded and decoded with macOS's MIG layouts, and thread state read and
 * changed in macOS's flavors.
 */
#include <asm/trapnr.h>
#include <kunit/test.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../exc/exc.h"

static struct mx_exception map(int sig, int code, unsigned long addr, unsigned int trap)
{
	kernel_siginfo_t info = { };
	struct mx_exception exc = { };

	info.si_signo = sig;
	info.si_code = code;
	info.si_addr = (void __user *)addr;
	if (!mx_exc_from_siginfo(&info, trap, &exc))
		exc.type = 0;
	return exc;
}

static void signals_map_to_exceptions(struct kunit *test)
{
	struct mx_exception e;

	e = map(SIGSEGV, SEGV_MAPERR, 0x1234, 0);
	KUNIT_EXPECT_EQ(test, e.type, (u32)EXC_BAD_ACCESS);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)KERN_INVALID_ADDRESS);
	KUNIT_EXPECT_EQ(test, e.code[1], (s64)0x1234);
	e = map(SIGSEGV, SEGV_ACCERR, 0x5000, 0);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)KERN_PROTECTION_FAILURE);
	KUNIT_EXPECT_EQ(test, e.code[1], (s64)0x5000);
	e = map(SIGSEGV, SI_KERNEL, 0, 0);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)EXC_I386_GPFLT);
	e = map(SIGBUS, BUS_ADRERR, 0x7000, 0);
	KUNIT_EXPECT_EQ(test, e.type, (u32)EXC_BAD_ACCESS);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)KERN_MEMORY_ERROR);
	KUNIT_EXPECT_EQ(test, e.code[1], (s64)0x7000);
	e = map(SIGBUS, BUS_ADRALN, 0x7001, 0);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)EXC_I386_ALIGNFLT);
	e = map(SIGILL, ILL_ILLOPN, 0x400000, 0);
	KUNIT_EXPECT_EQ(test, e.type, (u32)EXC_BAD_INSTRUCTION);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)EXC_I386_INVOP);
	e = map(SIGFPE, FPE_INTDIV, 0x400000, X86_TRAP_DE);
	KUNIT_EXPECT_EQ(test, e.type, (u32)EXC_ARITHMETIC);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)EXC_I386_DIV);
	e = map(SIGFPE, FPE_FLTDIV, 0x400000, X86_TRAP_XF);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)EXC_I386_SSEEXTERR);
	e = map(SIGFPE, FPE_FLTINV, 0x400000, X86_TRAP_MF);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)EXC_I386_EXTERR);
	e = map(SIGTRAP, SI_KERNEL, 0, X86_TRAP_BP);
	KUNIT_EXPECT_EQ(test, e.type, (u32)EXC_BREAKPOINT);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)EXC_I386_BPT);
	e = map(SIGTRAP, TRAP_TRACE, 0, X86_TRAP_DB);
	KUNIT_EXPECT_EQ(test, e.code[0], (s64)EXC_I386_SGL);
}

static void user_signals_are_not_exceptions(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, map(SIGSEGV, SI_USER, 0, 0).type, 0U);
	KUNIT_EXPECT_EQ(test, map(SIGSEGV, SI_TKILL, 0, 0).type, 0U);
	KUNIT_EXPECT_EQ(test, map(SIGSEGV, SI_QUEUE, 0, 0).type, 0U);
	KUNIT_EXPECT_EQ(test, map(SIGUSR1, SI_KERNEL, 0, 0).type, 0U);
	KUNIT_EXPECT_EQ(test, map(SIGCHLD, CLD_EXITED, 0, 0).type, 0U);
}

static void request_ids(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_exc_request_id(EXCEPTION_DEFAULT), 2401);
	KUNIT_EXPECT_EQ(test, mx_exc_request_id(EXCEPTION_STATE), 2402);
	KUNIT_EXPECT_EQ(test, mx_exc_request_id(EXCEPTION_STATE_IDENTITY), 2403);
	KUNIT_EXPECT_EQ(test, mx_exc_request_id(EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES), 2405);
	KUNIT_EXPECT_EQ(test, mx_exc_request_id(EXCEPTION_STATE | MACH_EXCEPTION_CODES), 2406);
	KUNIT_EXPECT_EQ(test, mx_exc_request_id(EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES),
			2407);
	KUNIT_EXPECT_TRUE(test, mx_exc_has_identity(EXCEPTION_DEFAULT));
	KUNIT_EXPECT_FALSE(test, mx_exc_has_identity(EXCEPTION_STATE | MACH_EXCEPTION_CODES));
}

/*
 * Request sizes are MIG's: __Request__exception_raise_t is 76 bytes with
 * two codes, __Request__mach_exception_raise_t 84; the state requests add
 * flavor, count and the state itself.
 */
static void request_layouts(struct kunit *test)
{
	const size_t hdr = sizeof(struct mach_msg_header);
	const size_t ident = 4 + 2 * 12;
	struct mx_exception exc = { EXC_BAD_ACCESS, { KERN_INVALID_ADDRESS, 0x123456789aLL } };
	u32 state[42];
	u8 buf[320];
	size_t n;
	s64 codes[2];
	s32 code32[2];

	n = mx_exc_encode_body(buf, sizeof(buf), EXCEPTION_DEFAULT, &exc, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, hdr + ident + n, (size_t)76);
	n = mx_exc_encode_body(buf, sizeof(buf), EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
			       &exc, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, hdr + ident + n, (size_t)84);
	/* NDR int_rep, exception, codeCnt, then the 64-bit codes. */
	KUNIT_EXPECT_EQ(test, buf[4], 1);
	KUNIT_EXPECT_EQ(test, *(u32 *)(buf + 8), (u32)EXC_BAD_ACCESS);
	KUNIT_EXPECT_EQ(test, *(u32 *)(buf + 12), 2U);
	memcpy(codes, buf + 16, sizeof(codes));
	KUNIT_EXPECT_EQ(test, codes[1], 0x123456789aLL);
	n = mx_exc_encode_body(buf, sizeof(buf), EXCEPTION_DEFAULT, &exc, 0, NULL, 0);
	memcpy(code32, buf + 16, sizeof(code32));
	KUNIT_EXPECT_EQ(test, code32[1], (s32)0x3456789a);

	memset(state, 0x5a, sizeof(state));
	n = mx_exc_encode_body(buf, sizeof(buf), EXCEPTION_STATE | MACH_EXCEPTION_CODES,
			       &exc, 4, state, 42);
	KUNIT_EXPECT_EQ(test, hdr + n, (size_t)(24 + 8 + 4 + 4 + 16 + 4 + 4 + 42 * 4));
	KUNIT_EXPECT_EQ(test, *(u32 *)(buf + 32), 4U);		/* flavor */
	KUNIT_EXPECT_EQ(test, *(u32 *)(buf + 36), 42U);		/* old_stateCnt */
	KUNIT_EXPECT_EQ(test, *(u32 *)(buf + 40), 0x5a5a5a5aU);
	/* Too small a buffer, too much state. */
	KUNIT_EXPECT_EQ(test, mx_exc_encode_body(buf, 20, EXCEPTION_DEFAULT, &exc, 0, NULL, 0),
			(size_t)0);
	KUNIT_EXPECT_EQ(test, mx_exc_encode_body(buf, sizeof(buf), EXCEPTION_STATE, &exc, 4,
						 state, MX_THREAD_STATE_MAX + 1), (size_t)0);
}

static u32 make_reply(u8 *buf, u32 behavior, s32 ret, u32 flavor, u32 count)
{
	struct mach_msg_header *h = (void *)buf;
	u32 size = 36;

	memset(buf, 0, 512);
	h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	h->msgh_id = mx_exc_request_id(behavior) + 100;
	memcpy(buf + 32, &ret, 4);
	if (count != ~0U) {
		memcpy(buf + 36, &flavor, 4);
		memcpy(buf + 40, &count, 4);
		size += 8 + 4 * count;
	}
	h->msgh_size = size;
	return size;
}

static void replies_are_checked(struct kunit *test)
{
	u32 flavor = 0, count = 0, size;
	u32 *state = kunit_kzalloc(test, MX_THREAD_STATE_MAX * sizeof(u32), GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, state);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	size = make_reply(buf, EXCEPTION_DEFAULT, KERN_SUCCESS, 0, ~0U);
	KUNIT_EXPECT_EQ(test, mx_exc_parse_reply(buf, size, EXCEPTION_DEFAULT, &flavor, state,
						 &count), KERN_SUCCESS);
	size = make_reply(buf, EXCEPTION_DEFAULT, KERN_FAILURE, 0, ~0U);
	KUNIT_EXPECT_EQ(test, mx_exc_parse_reply(buf, size, EXCEPTION_DEFAULT, &flavor, state,
						 &count), KERN_FAILURE);
	/* Wrong id, complex bit, size that lies: MIG_REPLY_MISMATCH. */
	size = make_reply(buf, EXCEPTION_DEFAULT, KERN_SUCCESS, 0, ~0U);
	KUNIT_EXPECT_EQ(test, mx_exc_parse_reply(buf, size, EXCEPTION_DEFAULT |
						 MACH_EXCEPTION_CODES, &flavor, state, &count),
			MIG_REPLY_MISMATCH);
	((struct mach_msg_header *)buf)->msgh_bits |= MACH_MSGH_BITS_COMPLEX;
	KUNIT_EXPECT_EQ(test, mx_exc_parse_reply(buf, size, EXCEPTION_DEFAULT, &flavor, state,
						 &count), MIG_REPLY_MISMATCH);
	size = make_reply(buf, EXCEPTION_DEFAULT, KERN_SUCCESS, 0, ~0U);
	KUNIT_EXPECT_EQ(test, mx_exc_parse_reply(buf, 24, EXCEPTION_DEFAULT, &flavor, state,
						 &count), MIG_REPLY_MISMATCH);

	/* State replies carry the new state. */
	size = make_reply(buf, EXCEPTION_STATE_IDENTITY, KERN_SUCCESS, 4, 42);
	KUNIT_EXPECT_EQ(test, mx_exc_parse_reply(buf, size, EXCEPTION_STATE_IDENTITY, &flavor,
						 state, &count), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, flavor, 4U);
	KUNIT_EXPECT_EQ(test, count, 42U);
	/* A count the size does not match, or beyond THREAD_STATE_MAX. */
	KUNIT_EXPECT_EQ(test, mx_exc_parse_reply(buf, size - 4, EXCEPTION_STATE_IDENTITY, &flavor,
						 state, &count), MIG_REPLY_MISMATCH);
	size = make_reply(buf, EXCEPTION_STATE, KERN_SUCCESS, 4, MX_THREAD_STATE_MAX + 1);
	KUNIT_EXPECT_EQ(test, mx_exc_parse_reply(buf, 36 + 8, EXCEPTION_STATE, &flavor, state,
						 &count), MIG_REPLY_MISMATCH);
	/* A failing state handler answers with a bare mig_reply_error_t. */
	size = make_reply(buf, EXCEPTION_STATE, KERN_FAILURE, 0, ~0U);
	KUNIT_EXPECT_EQ(test, mx_exc_parse_reply(buf, size, EXCEPTION_STATE, &flavor, state,
						 &count), KERN_FAILURE);
}

/* mx_exc_body_size() is what mx_exc_encode_body() writes. */
static void body_sizes(struct kunit *test)
{
	static const u32 behaviors[] = {
		EXCEPTION_DEFAULT, EXCEPTION_STATE, EXCEPTION_STATE_IDENTITY,
	};
	struct mx_exception exc = { EXC_BAD_ACCESS, { 1, 2 } };
	u32 *state = kunit_kzalloc(test, MX_THREAD_STATE_MAX * sizeof(u32), GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	unsigned int i, wide;

	KUNIT_ASSERT_NOT_NULL(test, state);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(behaviors); i++) {
		for (wide = 0; wide < 2; wide++) {
			u32 b = behaviors[i] | (wide ? MACH_EXCEPTION_CODES : 0);
			u32 n = b == EXCEPTION_DEFAULT ? 0 : x86_THREAD_STATE64_COUNT;

			KUNIT_EXPECT_EQ(test, mx_exc_body_size(b, n),
					mx_exc_encode_body(buf, 4096, b, &exc, x86_THREAD_STATE64,
							   state, n));
			/* Without a state buffer the room is left zeroed. */
			memset(buf, 0xff, 4096);
			KUNIT_EXPECT_EQ(test, mx_exc_body_size(b, n),
					mx_exc_encode_body(buf, 4096, b, &exc, x86_THREAD_STATE64,
							   NULL, n));
			if (n)
				KUNIT_EXPECT_EQ(test, buf[mx_exc_body_size(b, n) - 1], 0);
		}
	}
}

static void state_counts(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_exc_state_count(x86_THREAD_STATE64), 42U);
	KUNIT_EXPECT_EQ(test, mx_exc_state_count(x86_FLOAT_STATE64), 131U);
	KUNIT_EXPECT_EQ(test, mx_exc_state_count(x86_EXCEPTION_STATE64), 4U);
	KUNIT_EXPECT_EQ(test, mx_exc_state_count(x86_THREAD_STATE), 44U);
	KUNIT_EXPECT_EQ(test, mx_exc_state_count(x86_FLOAT_STATE), 133U);
	KUNIT_EXPECT_EQ(test, mx_exc_state_count(x86_EXCEPTION_STATE), 6U);
	KUNIT_EXPECT_EQ(test, mx_exc_state_count(1), 0U);	/* 32-bit flavors: no */
	KUNIT_EXPECT_EQ(test, mx_exc_state_count(THREAD_STATE_NONE), 0U);
}

/* Reading and changing a saved state, as thread_get/set_state do. */
static void state_get_and_set(struct kunit *test)
{
	struct mx_exc_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	u32 *buf = kunit_kzalloc(test, MX_THREAD_STATE_MAX * sizeof(u32), GFP_KERNEL);
	u32 count = 0;

	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	st->regs[16] = 0x401000;		/* __rip */
	st->exc[0] = 14;			/* __trapno */

	KUNIT_EXPECT_EQ(test, mx_exc_state_get(st, x86_THREAD_STATE, buf, &count), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, count, 44U);
	KUNIT_EXPECT_EQ(test, buf[0], (u32)x86_THREAD_STATE64);	/* x86_state_hdr */
	KUNIT_EXPECT_EQ(test, buf[1], 42U);
	KUNIT_EXPECT_EQ(test, buf[2 + 32], 0x401000U);
	KUNIT_EXPECT_EQ(test, mx_exc_state_get(st, x86_EXCEPTION_STATE64, buf, &count),
			KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, count, 4U);
	KUNIT_EXPECT_EQ(test, buf[0], 14U);
	/* No float state was saved: none to give or take. */
	KUNIT_EXPECT_EQ(test, mx_exc_state_get(st, x86_FLOAT_STATE64, buf, &count),
			KERN_INVALID_ARGUMENT);

	mx_exc_state_get(st, x86_THREAD_STATE64, buf, &count);
	buf[32] = 0x402000;
	KUNIT_EXPECT_EQ(test, mx_exc_state_set(st, x86_THREAD_STATE64, buf, 41),
			KERN_INVALID_ARGUMENT);
	KUNIT_EXPECT_EQ(test, st->dirty, 0U);
	KUNIT_EXPECT_EQ(test, mx_exc_state_set(st, x86_THREAD_STATE64, buf, 42), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, st->regs[16], 0x402000ULL);
	KUNIT_EXPECT_EQ(test, st->dirty, MX_STATE_DIRTY_REGS);
	/* A unified flavor whose header does not say 64-bit. */
	mx_exc_state_get(st, x86_THREAD_STATE, buf, &count);
	buf[0] = 1;
	KUNIT_EXPECT_EQ(test, mx_exc_state_set(st, x86_THREAD_STATE, buf, 44),
			KERN_INVALID_ARGUMENT);
	/* Exception state is read only; unknown flavors are refused. */
	KUNIT_EXPECT_EQ(test, mx_exc_state_set(st, x86_EXCEPTION_STATE64, buf, 4),
			KERN_INVALID_ARGUMENT);
	KUNIT_EXPECT_EQ(test, mx_exc_state_set(st, 99, buf, 4), KERN_INVALID_ARGUMENT);

	/* Float state: MXCSR bits the CPU lacks are refused. */
	st->fpu_valid = true;
	st->fpu[2 + 7] = 0xffbf;		/* __fpu_mxcsrmask */
	mx_exc_state_get(st, x86_FLOAT_STATE64, buf, &count);
	KUNIT_EXPECT_EQ(test, count, 131U);
	buf[2 + 6] = 0x10000;			/* __fpu_mxcsr: a reserved bit */
	KUNIT_EXPECT_EQ(test, mx_exc_state_set(st, x86_FLOAT_STATE64, buf, 131),
			KERN_INVALID_ARGUMENT);
	buf[2 + 6] = 0x1f80;
	KUNIT_EXPECT_EQ(test, mx_exc_state_set(st, x86_FLOAT_STATE64, buf, 131), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, st->dirty, MX_STATE_DIRTY_REGS | MX_STATE_DIRTY_FPU);
	KUNIT_EXPECT_EQ(test, st->fpu[2 + 6], 0x1f80U);
}

/* EXC_CRASH's code[0], as XNU's proc_prepareexit(): 8, 4 and 20 bits. */
static void crash_codes_as_xnu(struct kunit *test)
{
	struct mx_exception none = { }, segv = { EXC_BAD_ACCESS, { KERN_INVALID_ADDRESS, 8 } };
	struct mx_exception wide = { 0x1f, { 0x12345678, 0 } };

	KUNIT_EXPECT_EQ(test, mx_crash_code(SIGABRT, &none), (s64)0x06000000);
	KUNIT_EXPECT_EQ(test, mx_crash_code(SIGQUIT, &none), (s64)0x03000000);
	KUNIT_EXPECT_EQ(test, mx_crash_code(SIGSEGV, &segv), (s64)0x0b100001);
	/* Only the low 4 bits of the type and 20 of the code: never negative. */
	KUNIT_EXPECT_EQ(test, mx_crash_code(SIGXFSZ, &wide), (s64)0x19f45678);
	KUNIT_EXPECT_EQ(test, mx_crash_code(0x1ff, &none), (s64)0xff000000);
}

/*
 * The FPU registers are not read when a thread stops, only when a flavor
 * first needs them (and once: a change made then is kept).
 */
/*
 * A FLOAT flavor first (x87/SSE only, no image), an AVX one later: the
 * image is still read then, and a FLOAT change made before it is kept.
 */
static void avx_image_read_after_the_float_registers(struct kunit *test)
{
	struct mx_exc_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	u32 *buf = kunit_kzalloc(test, MX_THREAD_STATE_MAX * sizeof(u32), GFP_KERNEL);
	void *fpu = mx_exc_state_fpu_buf(x86_AVX_STATE64);
	u32 count = 0, word;

	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	if (!fpu)
		kunit_skip(test, "the CPU has no AVX");
	mx_exc_state_save(st, NULL, X86_TRAP_UD, 0, 0);
	KUNIT_EXPECT_EQ(test, mx_exc_state_get(st, x86_FLOAT_STATE64, buf, &count), KERN_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, st->xsave, NULL);
	buf[2 + 8 + 40] ^= 0x5a5a5a5a;		/* a word of xmm2 */
	word = buf[2 + 8 + 40];
	KUNIT_EXPECT_EQ(test, mx_exc_state_set(st, x86_FLOAT_STATE64, buf, count), KERN_SUCCESS);

	mx_exc_state_load_fpu(st, x86_AVX_STATE64, &fpu);
	KUNIT_EXPECT_NOT_NULL(test, st->xsave);
	KUNIT_EXPECT_PTR_EQ(test, fpu, NULL);
	KUNIT_EXPECT_EQ(test, mx_exc_state_get(st, x86_AVX_STATE64, buf, &count), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, count, (u32)x86_AVX_STATE64_COUNT);
	KUNIT_EXPECT_EQ(test, buf[2 + 8 + 40], word);
	st->dirty = 0;		/* never put back into this kernel thread */
	mx_exc_state_release(st);
	kfree(fpu);
}

static void fpu_read_only_when_needed(struct kunit *test)
{
	struct mx_exc_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	u32 *buf = kunit_kzalloc(test, MX_THREAD_STATE_MAX * sizeof(u32), GFP_KERNEL);
	void *fpu = mx_exc_state_fpu_buf(x86_AVX_STATE64);
	u32 count = 0;

	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	mx_exc_state_save(st, NULL, X86_TRAP_UD, 0, 0);
	KUNIT_EXPECT_FALSE(test, st->fpu_loaded);
	KUNIT_EXPECT_PTR_EQ(test, st->xsave, NULL);
	KUNIT_EXPECT_EQ(test, mx_exc_state_get(st, x86_THREAD_STATE64, buf, &count), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, mx_exc_state_get(st, x86_EXCEPTION_STATE64, buf, &count),
			KERN_SUCCESS);
	KUNIT_EXPECT_FALSE(test, st->fpu_loaded);
	/* Nor by a flavor without them, given a buffer or not. */
	mx_exc_state_load_fpu(st, x86_THREAD_STATE64, NULL);
	mx_exc_state_load_fpu(st, x86_THREAD_STATE64, &fpu);
	KUNIT_EXPECT_FALSE(test, st->fpu_loaded);

	mx_exc_state_load_fpu(st, x86_AVX_STATE64, &fpu);
	KUNIT_EXPECT_TRUE(test, st->fpu_loaded);
	KUNIT_EXPECT_TRUE(test, st->fpu_valid);
	/* The buffer was taken where the CPU has AVX, and only then. */
	KUNIT_EXPECT_EQ(test, !!st->xsave, !!mx_exc_state_count(x86_AVX_STATE64));
	KUNIT_EXPECT_PTR_EQ(test, fpu, NULL);
	KUNIT_EXPECT_EQ(test, mx_exc_state_get(st, x86_FLOAT_STATE64, buf, &count), KERN_SUCCESS);
	KUNIT_EXPECT_EQ(test, count, (u32)x86_FLOAT_STATE64_COUNT);
	/* A change stays: the registers are not read again. */
	buf[2 + 8 + 40] ^= 0x5a5a5a5a;		/* a word of xmm2 */
	KUNIT_EXPECT_EQ(test, mx_exc_state_set(st, x86_FLOAT_STATE64, buf, count), KERN_SUCCESS);
	mx_exc_state_load_fpu(st, x86_FLOAT_STATE64, NULL);
	KUNIT_EXPECT_EQ(test, st->fpu[2 + 8 + 40], buf[2 + 8 + 40]);
	st->dirty = 0;		/* never put back into this kernel thread */
	mx_exc_state_release(st);
	kfree(fpu);
}

static struct kunit_case machexc_exc_cases[] = {
	KUNIT_CASE(crash_codes_as_xnu),
	KUNIT_CASE(signals_map_to_exceptions),
	KUNIT_CASE(user_signals_are_not_exceptions),
	KUNIT_CASE(request_ids),
	KUNIT_CASE(request_layouts),
	KUNIT_CASE(replies_are_checked),
	KUNIT_CASE(body_sizes),
	KUNIT_CASE(state_counts),
	KUNIT_CASE(state_get_and_set),
	KUNIT_CASE(fpu_read_only_when_needed),
	KUNIT_CASE(avx_image_read_after_the_float_registers),
	{}
};

static struct kunit_suite machexc_exc_suite = {
	.name = "machexc_exc",
	.test_cases = machexc_exc_cases,
};

kunit_test_suite(machexc_exc_suite);
