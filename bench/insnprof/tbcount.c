// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin for bench/insnprof.sh: counts the instructions the
 * guest's kernel executes, per translation block, and writes
 * "VADDR COUNT INSNS" lines (VADDR: the block's first instruction,
 * COUNT: instructions executed in the block, INSNS: the block's length,
 * so COUNT / INSNS is how often it ran) when QEMU exits.  An inline add
 * per block executed: no callback on the guest's path.
 *
 *   -plugin tbcount.so,arg=out=FILE
 *
 * Written against QEMU's plugin API version 1 (QEMU 7.x, Debian 12's); the
 * few declarations it needs are below, so it builds without QEMU's
 * headers.  A QEMU that refuses it (another API version) makes
 * insnprof.sh say so and stop.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct {
		int min, cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus, max_vcpus;
		} system;
	};
} qemu_info_t;
struct qemu_plugin_tb;
enum { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, int op, void *ptr,
					      uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    void (*cb)(qemu_plugin_id_t, void *), void *userdata);

EXPORT int qemu_plugin_version = 1;

/* Blocks by (address, length): open addressing, never removed. */
#define SLOTS (1u << 20)
#define KERNEL_START 0xffff800000000000ull

struct block {
	uint64_t vaddr;
	uint64_t count;		/* instructions executed in it */
	uint32_t insns;
};

static struct block *blocks;
static const char *out_path = "tbcount.out";

static struct block *block_of(uint64_t vaddr, uint32_t insns)
{
	uint64_t h = (vaddr * 0x9E3779B97F4A7C15ull) >> 44;

	for (;; h++) {
		struct block *b = &blocks[h & (SLOTS - 1)];

		if (!b->vaddr || (b->vaddr == vaddr && b->insns == insns)) {
			b->vaddr = vaddr;
			b->insns = insns;
			return b;
		}
	}
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	uint32_t insns = qemu_plugin_tb_n_insns(tb);

	(void)id;
	if (vaddr < KERNEL_START)
		return;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &block_of(vaddr, insns)->count, insns);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out_path, "w");
	uint32_t i;

	(void)id;
	(void)userdata;
	if (!f)
		return;
	for (i = 0; i < SLOTS; i++)
		if (blocks[i].count)
			fprintf(f, "%llx %llu %u\n", (unsigned long long)blocks[i].vaddr,
				(unsigned long long)blocks[i].count, blocks[i].insns);
	fclose(f);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
			       char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
	blocks = calloc(SLOTS, sizeof(*blocks));
	if (!blocks)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
