/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MACHEXC_HOOKS_H
#define _MACHEXC_HOOKS_H

int mx_hooks_init(void);
void mx_hooks_exit(void);

#endif /* _MACHEXC_HOOKS_H */
