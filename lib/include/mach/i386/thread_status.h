/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc: <mach/i386/thread_status.h>: x86 thread state flavors, their
 * structures and counts, as on macOS.  machexc gives the 64-bit flavors
 * (and the unified x86_THREAD_STATE, x86_FLOAT_STATE, x86_EXCEPTION_STATE
 * with their 64-bit halves); the others are here so code compiles.
 */
#ifndef _MACHEXC_MACH_I386_THREAD_STATUS_H
#define _MACHEXC_MACH_I386_THREAD_STATUS_H

#include <mach/i386/_structs.h>
#include <mach/message.h>

#define x86_THREAD_STATE32	1
#define x86_FLOAT_STATE32	2
#define x86_EXCEPTION_STATE32	3
#define x86_THREAD_STATE64	4
#define x86_FLOAT_STATE64	5
#define x86_EXCEPTION_STATE64	6
#define x86_THREAD_STATE	7
#define x86_FLOAT_STATE		8
#define x86_EXCEPTION_STATE	9
#define x86_DEBUG_STATE32	10
#define x86_DEBUG_STATE64	11
#define x86_DEBUG_STATE		12
#define THREAD_STATE_NONE	13
/* 14 and 15 are XNU's own */
#define x86_AVX_STATE32		16
#define x86_AVX_STATE64		17
#define x86_AVX_STATE		18
#define x86_AVX512_STATE32	19
#define x86_AVX512_STATE64	20
#define x86_AVX512_STATE	21

#define VALID_THREAD_STATE_FLAVOR(x) \
	(((x) >= x86_THREAD_STATE32 && (x) <= THREAD_STATE_NONE) || \
	 ((x) >= x86_AVX_STATE32 && (x) <= x86_AVX512_STATE))

typedef struct x86_state_hdr {
	uint32_t flavor;
	uint32_t count;
} x86_state_hdr_t;

typedef _STRUCT_X86_THREAD_STATE32 i386_thread_state_t;
typedef _STRUCT_X86_THREAD_STATE32 x86_thread_state32_t;
typedef _STRUCT_X86_FLOAT_STATE32 i386_float_state_t;
typedef _STRUCT_X86_FLOAT_STATE32 x86_float_state32_t;
typedef _STRUCT_X86_EXCEPTION_STATE32 i386_exception_state_t;
typedef _STRUCT_X86_EXCEPTION_STATE32 x86_exception_state32_t;
typedef _STRUCT_X86_THREAD_STATE64 x86_thread_state64_t;
typedef _STRUCT_X86_FLOAT_STATE64 x86_float_state64_t;
typedef _STRUCT_X86_EXCEPTION_STATE64 x86_exception_state64_t;
typedef _STRUCT_X86_DEBUG_STATE32 x86_debug_state32_t;
typedef _STRUCT_X86_DEBUG_STATE32 i386_debug_state_t;
typedef _STRUCT_X86_DEBUG_STATE64 x86_debug_state64_t;
typedef _STRUCT_X86_AVX_STATE32 x86_avx_state32_t;
typedef _STRUCT_X86_AVX512_STATE32 x86_avx512_state32_t;
typedef _STRUCT_X86_AVX_STATE64 x86_avx_state64_t;
typedef _STRUCT_X86_AVX512_STATE64 x86_avx512_state64_t;

typedef struct x86_thread_state {
	x86_state_hdr_t tsh;
	union {
		x86_thread_state32_t ts32;
		x86_thread_state64_t ts64;
	} uts;
} x86_thread_state_t;

typedef struct x86_float_state {
	x86_state_hdr_t fsh;
	union {
		x86_float_state32_t fs32;
		x86_float_state64_t fs64;
	} ufs;
} x86_float_state_t;

typedef struct x86_exception_state {
	x86_state_hdr_t esh;
	union {
		x86_exception_state32_t es32;
		x86_exception_state64_t es64;
	} ues;
} x86_exception_state_t;

typedef struct x86_debug_state {
	x86_state_hdr_t dsh;
	union {
		x86_debug_state32_t ds32;
		x86_debug_state64_t ds64;
	} uds;
} x86_debug_state_t;

typedef struct x86_avx_state {
	x86_state_hdr_t ash;
	union {
		x86_avx_state32_t as32;
		x86_avx_state64_t as64;
	} ufs;
} x86_avx_state_t;

typedef struct x86_avx512_state {
	x86_state_hdr_t ash;
	union {
		x86_avx512_state32_t as32;
		x86_avx512_state64_t as64;
	} ufs;
} x86_avx512_state_t;

#define __MACHEXC_COUNT(t) ((mach_msg_type_number_t)(sizeof(t) / sizeof(int)))
#define x86_THREAD_STATE32_COUNT	__MACHEXC_COUNT(x86_thread_state32_t)
#define x86_FLOAT_STATE32_COUNT		__MACHEXC_COUNT(x86_float_state32_t)
#define x86_EXCEPTION_STATE32_COUNT	__MACHEXC_COUNT(x86_exception_state32_t)
#define x86_THREAD_STATE64_COUNT	__MACHEXC_COUNT(x86_thread_state64_t)
#define x86_FLOAT_STATE64_COUNT		__MACHEXC_COUNT(x86_float_state64_t)
#define x86_EXCEPTION_STATE64_COUNT	__MACHEXC_COUNT(x86_exception_state64_t)
#define x86_THREAD_STATE_COUNT		__MACHEXC_COUNT(x86_thread_state_t)
#define x86_FLOAT_STATE_COUNT		__MACHEXC_COUNT(x86_float_state_t)
#define x86_EXCEPTION_STATE_COUNT	__MACHEXC_COUNT(x86_exception_state_t)
#define x86_DEBUG_STATE32_COUNT		__MACHEXC_COUNT(x86_debug_state32_t)
#define x86_DEBUG_STATE64_COUNT		__MACHEXC_COUNT(x86_debug_state64_t)
#define x86_DEBUG_STATE_COUNT		__MACHEXC_COUNT(x86_debug_state_t)
#define x86_AVX_STATE32_COUNT		__MACHEXC_COUNT(x86_avx_state32_t)
#define x86_AVX512_STATE32_COUNT	__MACHEXC_COUNT(x86_avx512_state32_t)
#define x86_AVX_STATE64_COUNT		__MACHEXC_COUNT(x86_avx_state64_t)
#define x86_AVX512_STATE64_COUNT	__MACHEXC_COUNT(x86_avx512_state64_t)
#define x86_AVX_STATE_COUNT		__MACHEXC_COUNT(x86_avx_state_t)
#define x86_AVX512_STATE_COUNT		__MACHEXC_COUNT(x86_avx512_state_t)
#define i386_THREAD_STATE_COUNT		x86_THREAD_STATE32_COUNT
#define i386_FLOAT_STATE_COUNT		x86_FLOAT_STATE32_COUNT
#define i386_EXCEPTION_STATE_COUNT	x86_EXCEPTION_STATE32_COUNT

#define MACHINE_THREAD_STATE		x86_THREAD_STATE
#define MACHINE_THREAD_STATE_COUNT	x86_THREAD_STATE_COUNT

/* x86-64 since the 10.13 SDK (x86_AVX512_STATE64 is the largest). */
#define I386_THREAD_STATE_MAX		614

#endif
