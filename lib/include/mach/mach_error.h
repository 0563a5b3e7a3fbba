/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmachexc: <mach/mach_error.h>: error strings, as on macOS. */
#ifndef _MACHEXC_MACH_MACH_ERROR_H
#define _MACHEXC_MACH_MACH_ERROR_H

#include <mach/error.h>

#ifdef __cplusplus
extern "C" {
#endif

char *mach_error_string(mach_error_t error_value);
void mach_error(const char *str, mach_error_t error_value);
char *mach_error_type(mach_error_t error_value);

#ifdef __cplusplus
}
#endif

#endif
