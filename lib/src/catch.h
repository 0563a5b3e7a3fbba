/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The catch_* routines a program defines for exc_server() and
 * mach_exc_server().  Not in the public headers: macOS's are not there
 * either, and programs declare them themselves (not always alike).
 */
#ifndef _MACHEXC_CATCH_H
#define _MACHEXC_CATCH_H

#include <mach/exc.h>
#include <mach/mach_exc.h>

/* For exc_server(). */
kern_return_t catch_exception_raise(mach_port_t exception_port, mach_port_t thread,
				    mach_port_t task, exception_type_t exception,
				    exception_data_t code, mach_msg_type_number_t codeCnt);
kern_return_t catch_exception_raise_state(mach_port_t exception_port,
					  exception_type_t exception,
					  const exception_data_t code,
					  mach_msg_type_number_t codeCnt, int *flavor,
					  const thread_state_t old_state,
					  mach_msg_type_number_t old_stateCnt,
					  thread_state_t new_state,
					  mach_msg_type_number_t *new_stateCnt);
kern_return_t catch_exception_raise_state_identity(mach_port_t exception_port,
						   mach_port_t thread, mach_port_t task,
						   exception_type_t exception,
						   exception_data_t code,
						   mach_msg_type_number_t codeCnt, int *flavor,
						   thread_state_t old_state,
						   mach_msg_type_number_t old_stateCnt,
						   thread_state_t new_state,
						   mach_msg_type_number_t *new_stateCnt);

/* For mach_exc_server(). */
kern_return_t catch_mach_exception_raise(mach_port_t exception_port, mach_port_t thread,
				    mach_port_t task, exception_type_t exception,
				    mach_exception_data_t code, mach_msg_type_number_t codeCnt);
kern_return_t catch_mach_exception_raise_state(mach_port_t exception_port,
					  exception_type_t exception,
					  const mach_exception_data_t code,
					  mach_msg_type_number_t codeCnt, int *flavor,
					  const thread_state_t old_state,
					  mach_msg_type_number_t old_stateCnt,
					  thread_state_t new_state,
					  mach_msg_type_number_t *new_stateCnt);
kern_return_t catch_mach_exception_raise_state_identity(mach_port_t exception_port,
						   mach_port_t thread, mach_port_t task,
						   exception_type_t exception,
						   mach_exception_data_t code,
						   mach_msg_type_number_t codeCnt, int *flavor,
						   thread_state_t old_state,
						   mach_msg_type_number_t old_stateCnt,
						   thread_state_t new_state,
						   mach_msg_type_number_t *new_stateCnt);

#endif
