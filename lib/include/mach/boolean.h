/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/boolean.h> as on macOS. */
#ifndef _MACHEXC_MACH_BOOLEAN_H
#define _MACHEXC_MACH_BOOLEAN_H

typedef unsigned int boolean_t;	/* macOS x86-64: unsigned int */

#ifndef TRUE
#define TRUE	1
#endif
#ifndef FALSE
#define FALSE	0
#endif

#endif
