// SPDX-License-Identifier: GPL-2.0
/*
 * Logging.  Under systemd, stderr is a stream to the journal
 * ($JOURNAL_STREAM is set): each line starts with "<N>", the syslog
 * priority, which journald takes as the entry's priority and strips
 * (sd-daemon(3)).  Elsewhere lines are "machexc-crashd: ..." on stderr.
 * No libsystemd: the daemon builds and runs without it (the test VMs have
 * no journal), and one line per event is all it logs.
 *
 * notify() is sd_notify(): one datagram to $NOTIFY_SOCKET (Type=notify
 * units; the tests wait for READY=1 the same way).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "crashd.h"

void log_msg(int prio, const char *fmt, ...)
{
	static int journal = -1;
	char line[2048];
	va_list ap;

	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (journal)
		fprintf(stderr, "<%d>%s\n", prio, line);
	else
		fprintf(stderr, "machexc-crashd: %s\n", line);
	fflush(stderr);
}

void notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')	/* an abstract socket */
		sa.sun_path[0] = 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}
