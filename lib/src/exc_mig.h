/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmachexc internals: exc.defs and mach_exc.defs differ only in their
 * ids and in the size of a code (4 or 8 bytes), so one implementation of
 * the server and of the client stubs serves both (exc_mig.c).
 */
#ifndef _MACHEXC_LIB_EXC_MIG_H
#define _MACHEXC_LIB_EXC_MIG_H

#include <mach/mach.h>
#include <mach/mig.h>

/* The program's catch_* routines, with the codes as the subsystem has them. */
struct exc_subsystem {
	mach_msg_id_t base;		/* 2401 or 2405 */
	unsigned int code_size;		/* 4 or 8 */
	kern_return_t (*raise)(mach_port_t port, mach_port_t thread, mach_port_t task,
			       exception_type_t exception, const void *code,
			       mach_msg_type_number_t code_count);
	kern_return_t (*state)(mach_port_t port, mach_port_t thread, mach_port_t task,
			       exception_type_t exception, const void *code,
			       mach_msg_type_number_t code_count, int *flavor,
			       natural_t *old_state, mach_msg_type_number_t old_count,
			       natural_t *new_state, mach_msg_type_number_t *new_count);
	kern_return_t (*identity)(mach_port_t port, mach_port_t thread, mach_port_t task,
				  exception_type_t exception, const void *code,
				  mach_msg_type_number_t code_count, int *flavor,
				  natural_t *old_state, mach_msg_type_number_t old_count,
				  natural_t *new_state, mach_msg_type_number_t *new_count);
};

boolean_t machexc_exc_server(const struct exc_subsystem *sub, mach_msg_header_t *in,
			     mach_msg_header_t *out);

/* The client side: behavior is EXCEPTION_DEFAULT, _STATE or _STATE_IDENTITY. */
kern_return_t machexc_exc_raise(mach_msg_id_t base, unsigned int code_size, int behavior,
				mach_port_t port, mach_port_t thread, mach_port_t task,
				exception_type_t exception, const void *code,
				mach_msg_type_number_t code_count, int *flavor,
				const natural_t *old_state, mach_msg_type_number_t old_count,
				natural_t *new_state, mach_msg_type_number_t *new_count);

#endif
