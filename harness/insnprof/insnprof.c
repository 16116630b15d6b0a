// SPDX-License-Identifier: GPL-2.0
/*
 * insnprof: a QEMU TCG plugin that counts the guest instructions executed
 * in each translation block between two marker instructions, so that the
 * instruction cost of one operation can be attributed to kernel functions
 * (harness/insnprof.sh symbolizes the counts with System.map).
 *
 * The guest turns counting on with "nopl 0x5ca1ab1e(%rax)" and off with
 * "nopl 0x5ca1ab1f(%rax)" (bench/profile.c).  Counting is global: a guest
 * that runs nothing else meanwhile attributes only the marked work (plus
 * timer interrupts, which the same count of both kernels shares).
 *
 * Written against the plugin API of QEMU 7.2 (Debian 12's qemu-system-x86,
 * which has no development header): the few declarations it needs are
 * below.  Output, at exit, to the file named by the "out=" argument:
 * "VADDR EXECUTIONS INSNS_PER_EXECUTION" per block executed while counting.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu, void *udata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *udata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *udata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *udata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One translation of a block; a block translated again gets another. */
struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs;
	struct block *next;
};

static struct block *blocks;
static volatile int counting;
static const char *out_path = "insnprof.out";

/* nopl 0x5ca1ab1e(%rax) / nopl 0x5ca1ab1f(%rax): 0f 1f 80 disp32 */
static int marker(const unsigned char *b, size_t len)
{
	if (len != 7 || b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x80 ||
	    b[4] != 0xab || b[5] != 0xa1 || b[6] != 0x5c)
		return -1;
	return b[3] == 0x1e ? 1 : b[3] == 0x1f ? 0 : -1;
}

static void on_marker(unsigned int vcpu, void *udata)
{
	counting = (int)(uintptr_t)udata;
}

static void on_exec(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	if (counting)
		__atomic_fetch_add(&b->execs, 1, __ATOMIC_RELAXED);
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = calloc(1, sizeof(*b));
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = n;
	/* vCPUs may translate concurrently (MTTCG): push without a lock. */
	b->next = __atomic_load_n(&blocks, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&blocks, &b->next, b, 1,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		int m = marker(qemu_plugin_insn_data(insn),
			       qemu_plugin_insn_size(insn));

		if (m >= 0)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
				QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)m);
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec,
					     QEMU_PLUGIN_CB_NO_REGS, b);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(out_path, "w");
	struct block *b;

	if (!f)
		return;
	for (b = blocks; b; b = b->next)
		if (b->execs)
			fprintf(f, "%llx %llu %llu\n",
				(unsigned long long)b->vaddr,
				(unsigned long long)b->execs,
				(unsigned long long)b->insns);
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_path = strdup(argv[i] + 4);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
