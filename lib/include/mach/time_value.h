/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/time_value.h>: times as task_info/thread_info report them. */
#ifndef _MACHEXC_MACH_TIME_VALUE_H
#define _MACHEXC_MACH_TIME_VALUE_H

#include <mach/vm_types.h>

struct time_value {
	integer_t seconds;
	integer_t microseconds;
};
typedef struct time_value time_value_t;

/* The macros assume normalized values (microseconds below TIME_MICROS_MAX). */
#define TIME_MICROS_MAX		(1000000)

#define time_value_add_usec(val, micros) do {				\
	if (((val)->microseconds += (micros)) >= TIME_MICROS_MAX) {	\
		(val)->microseconds -= TIME_MICROS_MAX;			\
		(val)->seconds++;					\
	}								\
} while (0)

#define time_value_add(result, addend) do {				\
	(result)->microseconds += (addend)->microseconds;		\
	(result)->seconds += (addend)->seconds;				\
	if ((result)->microseconds >= TIME_MICROS_MAX) {		\
		(result)->microseconds -= TIME_MICROS_MAX;		\
		(result)->seconds++;					\
	}								\
} while (0)

#endif
