/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/mig.h>: what MIG-generated code relies on. */
#ifndef _MACHEXC_MACH_MIG_H
#define _MACHEXC_MACH_MIG_H

#include <mach/message.h>
#include <mach/mig_errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MIG-generated code type-checks requests, and packs its message structs, as on macOS. */
#ifndef __MigTypeCheck
#define __MigTypeCheck 1
#endif
#define __MigPackStructs 1

typedef void (*mig_stub_routine_t)(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP);
typedef mig_stub_routine_t mig_routine_t;
typedef mig_routine_t (*mig_server_routine_t)(mach_msg_header_t *InHeadP);

/*
 * The calling thread's reply port for RPCs: a receive right made on
 * first use and kept (a fork()ed child makes its own).
 */
mach_port_t mig_get_reply_port(void);
void mig_dealloc_reply_port(mach_port_t reply_port);
void mig_put_reply_port(mach_port_t reply_port);

#ifdef __cplusplus
}
#endif

#endif
