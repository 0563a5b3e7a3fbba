// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The client stubs of exc.defs and mach_exc.defs: send an exception to a
 * handler and wait for its answer, as a handler does to forward an
 * exception to the one it replaced (exc_mig.c does the work).
 */
#include <stddef.h>

#include <mach/exc.h>
#include <mach/mach_exc.h>

#include "exc_mig.h"

#define EXC	2401, sizeof(exception_data_type_t)
#define MACH_EXC 2405, sizeof(mach_exception_data_type_t)

kern_return_t exception_raise(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
			      exception_type_t exception, exception_data_t code,
			      mach_msg_type_number_t codeCnt)
{
	return machexc_exc_raise(EXC, EXCEPTION_DEFAULT, exception_port, thread, task, exception,
				 code, codeCnt, NULL, NULL, 0, NULL, NULL);
}

kern_return_t exception_raise_state(mach_port_t exception_port, exception_type_t exception,
				    const exception_data_t code, mach_msg_type_number_t codeCnt,
				    int *flavor, const thread_state_t old_state,
				    mach_msg_type_number_t old_stateCnt, thread_state_t new_state,
				    mach_msg_type_number_t *new_stateCnt)
{
	return machexc_exc_raise(EXC, EXCEPTION_STATE, exception_port, MACH_PORT_NULL,
				 MACH_PORT_NULL, exception, code, codeCnt, flavor, old_state,
				 old_stateCnt, new_state, new_stateCnt);
}

kern_return_t exception_raise_state_identity(mach_port_t exception_port, mach_port_t thread,
					     mach_port_t task, exception_type_t exception,
					     exception_data_t code, mach_msg_type_number_t codeCnt,
					     int *flavor, thread_state_t old_state,
					     mach_msg_type_number_t old_stateCnt,
					     thread_state_t new_state,
					     mach_msg_type_number_t *new_stateCnt)
{
	return machexc_exc_raise(EXC, EXCEPTION_STATE_IDENTITY, exception_port, thread, task,
				 exception, code, codeCnt, flavor, old_state, old_stateCnt,
				 new_state, new_stateCnt);
}

kern_return_t mach_exception_raise(mach_port_t exception_port, mach_port_t thread,
				   mach_port_t task, exception_type_t exception,
				   mach_exception_data_t code, mach_msg_type_number_t codeCnt)
{
	return machexc_exc_raise(MACH_EXC, EXCEPTION_DEFAULT, exception_port, thread, task,
				 exception, code, codeCnt, NULL, NULL, 0, NULL, NULL);
}

kern_return_t mach_exception_raise_state(mach_port_t exception_port, exception_type_t exception,
					 const mach_exception_data_t code,
					 mach_msg_type_number_t codeCnt, int *flavor,
					 const thread_state_t old_state,
					 mach_msg_type_number_t old_stateCnt,
					 thread_state_t new_state,
					 mach_msg_type_number_t *new_stateCnt)
{
	return machexc_exc_raise(MACH_EXC, EXCEPTION_STATE, exception_port, MACH_PORT_NULL,
				 MACH_PORT_NULL, exception, code, codeCnt, flavor, old_state,
				 old_stateCnt, new_state, new_stateCnt);
}

kern_return_t mach_exception_raise_state_identity(mach_port_t exception_port,
						  mach_port_t thread, mach_port_t task,
						  exception_type_t exception,
						  mach_exception_data_t code,
						  mach_msg_type_number_t codeCnt, int *flavor,
						  thread_state_t old_state,
						  mach_msg_type_number_t old_stateCnt,
						  thread_state_t new_state,
						  mach_msg_type_number_t *new_stateCnt)
{
	return machexc_exc_raise(MACH_EXC, EXCEPTION_STATE_IDENTITY, exception_port, thread, task,
				 exception, code, codeCnt, flavor, old_state, old_stateCnt,
				 new_state, new_stateCnt);
}
