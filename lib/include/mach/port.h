/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/port.h>: port names, rights and attributes, as on macOS. */
#ifndef _MACHEXC_MACH_PORT_H
#define _MACHEXC_MACH_PORT_H

#include <stdint.h>
#include <mach/boolean.h>
#include <mach/vm_types.h>

typedef mach_port_t *mach_port_array_t;
typedef mach_port_name_t *mach_port_name_array_t;

#define MACH_PORT_NULL		0
#define MACH_PORT_DEAD		((mach_port_name_t) ~0)
#define MACH_PORT_UREFS_MAX	((mach_port_urefs_t) ((1 << 16) - 1))
#define MACH_PORT_VALID(name)	((name) != MACH_PORT_NULL && (name) != MACH_PORT_DEAD)

#define MACH_PORT_INDEX(name)		((name) >> 8)
#define MACH_PORT_GEN(name)		(((name) & 0xff) << 24)
#define MACH_PORT_MAKE(index, gen)	(((index) << 8) | ((gen) >> 24))

typedef natural_t mach_port_right_t;

#define MACH_PORT_RIGHT_SEND		((mach_port_right_t) 0)
#define MACH_PORT_RIGHT_RECEIVE		((mach_port_right_t) 1)
#define MACH_PORT_RIGHT_SEND_ONCE	((mach_port_right_t) 2)
#define MACH_PORT_RIGHT_PORT_SET	((mach_port_right_t) 3)
#define MACH_PORT_RIGHT_DEAD_NAME	((mach_port_right_t) 4)
#define MACH_PORT_RIGHT_LABELH		((mach_port_right_t) 5)
#define MACH_PORT_RIGHT_NUMBER		((mach_port_right_t) 6)

typedef natural_t mach_port_type_t;
typedef mach_port_type_t *mach_port_type_array_t;

#define MACH_PORT_TYPE(right) \
	((mach_port_type_t)(((mach_port_type_t) 1) << ((right) + ((mach_port_right_t) 16))))
#define MACH_PORT_TYPE_NONE		((mach_port_type_t) 0L)
#define MACH_PORT_TYPE_SEND		MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND)
#define MACH_PORT_TYPE_RECEIVE		MACH_PORT_TYPE(MACH_PORT_RIGHT_RECEIVE)
#define MACH_PORT_TYPE_SEND_ONCE	MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_SET		MACH_PORT_TYPE(MACH_PORT_RIGHT_PORT_SET)
#define MACH_PORT_TYPE_DEAD_NAME	MACH_PORT_TYPE(MACH_PORT_RIGHT_DEAD_NAME)
#define MACH_PORT_TYPE_LABELH		MACH_PORT_TYPE(MACH_PORT_RIGHT_LABELH)
#define MACH_PORT_TYPE_SEND_RECEIVE	(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_SEND_RIGHTS	(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_RIGHTS	(MACH_PORT_TYPE_SEND_RIGHTS | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_PORT_OR_DEAD	(MACH_PORT_TYPE_PORT_RIGHTS | MACH_PORT_TYPE_DEAD_NAME)
#define MACH_PORT_TYPE_ALL_RIGHTS	(MACH_PORT_TYPE_PORT_OR_DEAD | MACH_PORT_TYPE_PORT_SET)
#define MACH_PORT_TYPE_DNREQUEST	0x80000000
#define MACH_PORT_TYPE_SPREQUEST	0x40000000
#define MACH_PORT_TYPE_SPREQUEST_DELAYED 0x20000000

typedef natural_t mach_port_urefs_t;
typedef integer_t mach_port_delta_t;
typedef natural_t mach_port_seqno_t;
typedef natural_t mach_port_mscount_t;
typedef natural_t mach_port_msgcount_t;
typedef natural_t mach_port_rights_t;
typedef unsigned int mach_port_srights_t;

#define MACH_PORT_SRIGHTS_NONE		0
#define MACH_PORT_SRIGHTS_PRESENT	1

typedef struct mach_port_status {
	mach_port_rights_t mps_pset;
	mach_port_seqno_t mps_seqno;
	mach_port_mscount_t mps_mscount;
	mach_port_msgcount_t mps_qlimit;
	mach_port_msgcount_t mps_msgcount;
	mach_port_rights_t mps_sorights;
	boolean_t mps_srights;
	boolean_t mps_pdrequest;
	boolean_t mps_nsrequest;
	natural_t mps_flags;
} mach_port_status_t;

#define MACH_PORT_QLIMIT_ZERO		0
#define MACH_PORT_QLIMIT_BASIC		5
#define MACH_PORT_QLIMIT_SMALL		16
#define MACH_PORT_QLIMIT_LARGE		1024
#define MACH_PORT_QLIMIT_KERNEL		65534
#define MACH_PORT_QLIMIT_MIN		MACH_PORT_QLIMIT_ZERO
#define MACH_PORT_QLIMIT_DEFAULT	MACH_PORT_QLIMIT_BASIC
#define MACH_PORT_QLIMIT_MAX		MACH_PORT_QLIMIT_LARGE

typedef struct mach_port_limits {
	mach_port_msgcount_t mpl_qlimit;
} mach_port_limits_t;

typedef integer_t *mach_port_info_t;
typedef int mach_port_flavor_t;

#define MACH_PORT_LIMITS_INFO		1
#define MACH_PORT_RECEIVE_STATUS	2
#define MACH_PORT_DNREQUESTS_SIZE	3
#define MACH_PORT_TEMPOWNER		4
#define MACH_PORT_IMPORTANCE_RECEIVER	5
#define MACH_PORT_DENAP_RECEIVER	6
#define MACH_PORT_INFO_EXT		7

#define MACH_PORT_LIMITS_INFO_COUNT \
	((natural_t)(sizeof(mach_port_limits_t) / sizeof(natural_t)))
#define MACH_PORT_RECEIVE_STATUS_COUNT \
	((natural_t)(sizeof(mach_port_status_t) / sizeof(natural_t)))
#define MACH_PORT_DNREQUESTS_SIZE_COUNT	1

typedef uint64_t mach_port_context_t;

#endif
