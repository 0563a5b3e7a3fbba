/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/mig.h>: what MIG-generated code relies on. */
#ifndef _MACHEXC_MACH_MIG_H
#define _MACHEXC_MACH_MIG_H

#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/vm_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MIG-generated code type-checks requests, and packs its message structs, as on macOS. */
#ifndef __MigTypeCheck
#define __MigTypeCheck 1
#endif
#define __MigPackStructs 1

/* A routine's stub: unpacks a request, calls the routine, packs the reply. */
typedef void (*mig_stub_routine_t)(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP);
typedef mig_stub_routine_t mig_routine_t;
/* A subsystem's lookup: the stub for a request's msgh_id, or 0. */
typedef mig_routine_t (*mig_server_routine_t)(mach_msg_header_t *InHeadP);
/* The routine behind a stub, where the subsystem records it (MIG leaves it 0). */
typedef kern_return_t (*mig_impl_routine_t)(void);

typedef mach_msg_type_descriptor_t routine_arg_descriptor;
typedef mach_msg_type_descriptor_t *routine_arg_descriptor_t;
typedef mach_msg_type_descriptor_t *mig_routine_arg_descriptor_t;
#define MIG_ROUTINE_ARG_DESCRIPTOR_NULL	((mig_routine_arg_descriptor_t)0)

/* One routine of a subsystem, as MIG's generated servers list them. */
struct routine_descriptor {
	mig_impl_routine_t impl_routine;
	mig_stub_routine_t stub_routine;
	unsigned int argc;		/* arguments of the routine */
	unsigned int descr_count;	/* complex descriptors in the request */
	routine_arg_descriptor_t arg_descr;
	unsigned int max_reply_msg;	/* size of the largest reply */
};
typedef struct routine_descriptor *routine_descriptor_t;
typedef struct routine_descriptor mig_routine_descriptor;
typedef mig_routine_descriptor *mig_routine_descriptor_t;
#define MIG_ROUTINE_DESCRIPTOR_NULL	((mig_routine_descriptor_t)0)

/*
 * The generic shape of a MIG subsystem.  A generated server defines its
 * own struct (with routine[n]) whose leading fields are these.
 */
typedef struct mig_subsystem {
	mig_server_routine_t server;	/* the lookup routine */
	mach_msg_id_t start;		/* the first msgh_id */
	mach_msg_id_t end;		/* the last one + 1 */
	mach_msg_size_t maxsize;	/* size of the largest reply */
	vm_address_t reserved;
	mig_routine_descriptor routine[1];
} *mig_subsystem_t;
#define MIG_SUBSYSTEM_NULL	((mig_subsystem_t)0)

typedef struct mig_symtab {
	char *ms_routine_name;
	int ms_routine_number;
	void (*ms_routine)(void);
} mig_symtab_t;

#ifndef MIG_SERVER_ROUTINE
#define MIG_SERVER_ROUTINE
#endif

/*
 * The calling thread's reply port for RPCs: a receive right made on
 * first use and kept (a fork()ed child makes its own).
 */
mach_port_t mig_get_reply_port(void);
void mig_dealloc_reply_port(mach_port_t reply_port);
void mig_put_reply_port(mach_port_t reply_port);

/*
 * Bounded string copies for MIG's string arguments: at most len - 1
 * characters and always a terminating 0; the length copied, 0 included.
 * The _zerofill one also clears the rest of dest.
 */
int mig_strncpy(char *dest, const char *src, int len);
int mig_strncpy_zerofill(char *dest, const char *src, int len);

/* Memory for out-of-line data, from vm_allocate() (*addr 0 on failure). */
void mig_allocate(vm_address_t *addr, vm_size_t size);
void mig_deallocate(vm_address_t addr, vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif
