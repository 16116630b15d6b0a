// SPDX-License-Identifier: GPL-2.0
/*
 * The field set and order of /proc/PID/smaps and smaps_rollup, as
 * Documentation/filesystems/proc.rst documents them and procps-ng's
 * pmap -X/-XX expect them, and the Rss of a freshly touched mapping.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "../kselftest_harness.h"
#include "smaps-util.h"

static const char * const rollup_fields[] = {
	"Rss", "Pss", "Pss_Dirty", "Pss_Anon", "Pss_File", "Pss_Shmem",
	"Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
	"Referenced", "Anonymous", "KSM", "LazyFree", "AnonHugePages",
	"ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb",
	"Swap", "SwapPss", "Locked",
};

#define NR(a) (sizeof(a) / sizeof((a)[0]))

/* Every VMA of smaps has exactly the documented fields, in order. */
TEST(smaps_field_order)
{
	char *text = read_file("/proc/self/smaps", NULL);
	struct smaps_vma *v;
	int n;

	ASSERT_NE(NULL, text);
	n = parse_smaps(text, &v);
	ASSERT_GT(n, 3);
	for (int i = 0; i < n; i++) {
		int nf = v[i].nr_fields;

		/* ProtectionKey appears only with pkeys; allow it as the last field. */
		if (nf == NR_SMAPS_FIELDS + 1 && !strcmp(v[i].f[nf - 1].name, "ProtectionKey"))
			nf--;
		ASSERT_EQ(NR_SMAPS_FIELDS, nf) TH_LOG("VMA %s", v[i].header);
		for (int j = 0; j < nf; j++)
			ASSERT_STREQ(smaps_field_names[j], v[i].f[j].name) TH_LOG("VMA %s", v[i].header);
		ASSERT_NE(0, v[i].vmflags[0]) TH_LOG("no VmFlags in %s", v[i].header);
		ASSERT_EQ((v[i].end - v[i].start) >> 10, smaps_get(&v[i], "Size"));
	}
	free(v);
	free(text);
}

/* smaps_rollup: one "[rollup]" header line and the documented fields. */
TEST(rollup_field_order)
{
	char *text = read_file("/proc/self/smaps_rollup", NULL);
	struct smaps_vma *v;
	int n;

	ASSERT_NE(NULL, text);
	ASSERT_NE(NULL, strstr(text, " [rollup]\n"));
	n = parse_smaps(text, &v);
	ASSERT_EQ(1, n);
	ASSERT_EQ(NR(rollup_fields), v[0].nr_fields);
	for (int j = 0; j < v[0].nr_fields; j++)
		ASSERT_STREQ(rollup_fields[j], v[0].f[j].name);
	free(v);
	free(text);
}

/* A 4 MiB anonymous mapping, every page touched: Rss 4096 kB, all anonymous. */
TEST(rss_of_touched_4m)
{
	size_t sz = 4 << 20;
	char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct smaps_vma *v, *vma;
	char *text;
	int n;

	ASSERT_NE(MAP_FAILED, p);
	/* Keep it 4K-mapped so the count does not depend on THP policy. */
	madvise(p, sz, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < sz; i += 4096)
		p[i] = 1;
	text = read_file("/proc/self/smaps", NULL);
	ASSERT_NE(NULL, text);
	n = parse_smaps(text, &v);
	vma = smaps_find(v, n, (unsigned long)p);
	ASSERT_NE(NULL, vma);
	ASSERT_EQ(4096, smaps_get(vma, "Size"));
	EXPECT_EQ(4096, smaps_get(vma, "Rss"));
	EXPECT_EQ(4096, smaps_get(vma, "Pss"));
	EXPECT_EQ(4096, smaps_get(vma, "Anonymous"));
	EXPECT_EQ(4096, smaps_get(vma, "Private_Dirty"));
	EXPECT_EQ(0, smaps_get(vma, "Swap"));
	free(v);
	free(text);
	munmap(p, sz);
}

TEST_HARNESS_MAIN
