/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/exception.h>: exception types and the machine's codes, as macOS's. */
#ifndef _MACHEXC_MACH_EXCEPTION_H
#define _MACHEXC_MACH_EXCEPTION_H

#include <mach/exception_types.h>

#endif
