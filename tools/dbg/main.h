/* SPDX-License-Identifier: GPL-2.0 */
/* machexc-dbg: command-line arguments and the command loop. */
#ifndef MACHEXC_DBG_MAIN_H
#define MACHEXC_DBG_MAIN_H

/* Run one command line (gdb's names and abbreviations). */
void dbg_command(const char *line);

#endif
