/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/mach.h>: everything, as macOS's umbrella header. */
#ifndef _MACHEXC_MACH_MACH_H
#define _MACHEXC_MACH_MACH_H

#include <mach/std_types.h>
#include <mach/mach_types.h>
#include <mach/kern_return.h>
#include <mach/exception_types.h>
#include <mach/thread_status.h>
#include <mach/port.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/ndr.h>
#include <mach/notify.h>
#include <mach/mach_port.h>
#include <mach/mach_init.h>
#include <mach/mach_traps.h>
#include <mach/mig.h>
#include <mach/mach_error.h>
#include <mach/task.h>
#include <mach/thread_act.h>
#include <mach/host_priv.h>
#include <mach/vm_map.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Receive a request on @rcv_name, hand it to @demux (a MIG server such as
 * mach_exc_server()) and send its reply: once, or until a call fails.
 */
mach_msg_return_t mach_msg_server_once(boolean_t (*demux)(mach_msg_header_t *,
							  mach_msg_header_t *),
				       mach_msg_size_t max_size, mach_port_t rcv_name,
				       mach_msg_options_t options);
mach_msg_return_t mach_msg_server(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *),
				  mach_msg_size_t max_size, mach_port_t rcv_name,
				  mach_msg_options_t options);

#ifdef __cplusplus
}
#endif

#endif
