// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-info: is machexc there, which API does it speak, and what is
 * it doing (live objects; exceptions raised, handed straight to a waiting
 * handler or queued, and handled)?
 *
 * Exit status: 0 when the module answers, 1 when it cannot be reached
 * (with the reason and what to do about it on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "machexc.h"

static const struct {
	__u64 bit;
	const char *name;
} features[] = {
	{ MACHEXC_FEATURE_VERSION, "version" },
	{ MACHEXC_FEATURE_IPC, "ipc" },
	{ MACHEXC_FEATURE_EXC, "exceptions" },
	{ MACHEXC_FEATURE_TASKS, "tasks" },
	{ MACHEXC_FEATURE_OOL, "ool" },
	{ MACHEXC_FEATURE_LIMITS, "limits" },
	{ MACHEXC_FEATURE_VM, "vm" },
	{ MACHEXC_FEATURE_VM_ALLOCATE, "vm-allocate" },
	{ MACHEXC_FEATURE_CRASH, "crash" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: machexc-info [-h|--help]\n"
		"Print the API version, features and counters of the machexc module\n"
		"(exception counters are totals since the module was loaded).\n");
}

int main(int argc, char **argv)
{
	struct machexc_stats st;
	struct machexc_version v;
	unsigned long long known;
	unsigned int i;
	int c;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (machexc_api_version(&v) < 0) {
		int err = errno;

		fprintf(stderr, "machexc-info: %s: %s\n", MACHEXC_DEVICE_PATH, strerror(err));
		if (err == ENOENT || err == ENXIO || err == ENODEV)
			fprintf(stderr, "machexc-info: is the module loaded? Try 'modprobe machexc'"
				" (install it with dkms, see README).\n");
		return 1;
	}
	printf("machexc API %u.%u (this program was built for %u.%u)\n",
	       v.major, v.minor, MACHEXC_API_MAJOR, MACHEXC_API_MINOR);
	printf("features:");
	known = 0;
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		known |= features[i].bit;
		if (v.features & features[i].bit)
			printf(" %s", features[i].name);
	}
	if (v.features & ~known)
		printf(" 0x%llx", (unsigned long long)v.features & ~known);	/* a newer module's */
	printf("\n");
	if (machexc_get_stats(&st) == 0) {
		printf("live: %llu spaces, %llu ports, %llu port sets, %llu queued messages\n",
		       (unsigned long long)st.spaces, (unsigned long long)st.ports,
		       (unsigned long long)st.psets, (unsigned long long)st.kmsgs);
		printf("exceptions: %llu raised, %llu handed off, %llu queued (misses), "
		       "%llu handled\n",
		       (unsigned long long)st.exc_raised, (unsigned long long)st.exc_handoffs,
		       (unsigned long long)st.exc_misses, (unsigned long long)st.exc_handled);
	}
	return v.major == MACHEXC_API_MAJOR ? 0 : 1;
}
