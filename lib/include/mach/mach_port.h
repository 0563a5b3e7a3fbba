/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/mach_port.h>: the mach_port_* calls, as on macOS. */
#ifndef _MACHEXC_MACH_MACH_PORT_H
#define _MACHEXC_MACH_MACH_PORT_H

#include <mach/mach_types.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

kern_return_t mach_port_names(ipc_space_t task, mach_port_name_array_t *names,
			      mach_msg_type_number_t *namesCnt, mach_port_type_array_t *types,
			      mach_msg_type_number_t *typesCnt);
kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype);
kern_return_t mach_port_allocate_name(ipc_space_t task, mach_port_right_t right,
				      mach_port_name_t name);
kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right,
				 mach_port_name_t *name);
kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name);
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);
kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name,
				 mach_port_right_t right, mach_port_urefs_t *refs);
kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name,
				 mach_port_right_t right, mach_port_delta_t delta);
kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member,
				    mach_port_name_t after);
kern_return_t mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
					     mach_msg_id_t msgid, mach_port_mscount_t sync,
					     mach_port_t notify,
					     mach_msg_type_name_t notifyPoly,
					     mach_port_t *previous);
kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
				     mach_port_t poly, mach_msg_type_name_t polyPoly);
kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
				      mach_msg_type_name_t msgt_name, mach_port_t *poly,
				      mach_msg_type_name_t *polyPoly);
kern_return_t mach_port_get_attributes(ipc_space_t task, mach_port_name_t name,
				       mach_port_flavor_t flavor,
				       mach_port_info_t port_info_out,
				       mach_msg_type_number_t *port_info_outCnt);
kern_return_t mach_port_set_attributes(ipc_space_t task, mach_port_name_t name,
				       mach_port_flavor_t flavor, mach_port_info_t port_info,
				       mach_msg_type_number_t port_infoCnt);
kern_return_t mach_port_insert_member(ipc_space_t task, mach_port_name_t name,
				      mach_port_name_t pset);
kern_return_t mach_port_extract_member(ipc_space_t task, mach_port_name_t name,
				       mach_port_name_t pset);

#ifdef __cplusplus
}
#endif

#endif
