/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshpath-memprobe: what a random memory access costs on this machine when the data fits in
 * the caches but its pages do not fit in the TLB. A flow table of a million flows is read at
 * random, one index bucket and one entry a packet, so this decides what its lookups cost.
 *
 * It chases pointers (each load's address comes from the one before, so nothing overlaps)
 * through N cache lines laid out two ways, in hugepage memory as meshpath's flow tables are:
 *   packed      the lines side by side (1 MiB for 16384 lines): cache hits, few pages;
 *   4k-spread   one line per 4 KiB (a random line of it): the same bytes on N 4 KiB pages;
 * for N of 1024, 4096 and 16384 lines (4, 16 and 64 MiB spans), and prints nanoseconds a load
 * and the ratio of spread to packed. On bare metal with 2 MiB pages, spread stays close to
 * packed: 64 MiB is 32 hugepages, which the TLB holds. Under a
 * hypervisor that backs the guest's memory with 4 KiB pages, the TLB entries are 4 KiB whatever
 * the guest maps, so 4k-spread pays a two-level (nested) page walk on most loads and costs
 * several times packed: random accesses to a large table are then bound by page walks, and
 * prefetching does not hide them (bench/README.md).
 *
 * usage: meshpath-memprobe  (pin it with taskset; reserve 32 hugepages or more for it)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define LINE     64u
#define PAGE_4K  4096u
#define LOADS    (20u * 1000 * 1000)
#define MAX_WAYS 16u

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * Link n lines, one per stride bytes of r (at a random line within each stride), into one cycle
 * in random order, and return the nanoseconds a load takes when ways walkers go around it at
 * once: with one, each load waits for the one before; with 16, as many misses may be under way
 * as the core allows (a burst's lookups ask for theirs that way).
 */
static double
chase(uint8_t *r, size_t n, size_t stride, unsigned int ways)
{
	size_t *at = malloc(n * sizeof(*at)), *order = malloc(n * sizeof(*order)), i;
	void **p[MAX_WAYS];
	double t0, t;
	unsigned int w;

	if (at == NULL || order == NULL) {
		fprintf(stderr, "memprobe: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		at[i] = i * stride + (stride > LINE ? xorshift() % (stride / LINE) * LINE : 0);
		order[i] = i;
	}
	for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
		size_t j = xorshift() % (i + 1), s = order[i];

		order[i] = order[j];
		order[j] = s;
	}
	for (i = 0; i < n; i++)
		*(void **)(r + at[order[i]]) = r + at[order[(i + 1) % n]];
	for (w = 0; w < ways; w++) /* spread evenly around the cycle */
		p[w] = (void **)(r + at[order[w * n / ways]]);
	for (i = 0; i < 2 * n / ways; i++) /* warm the caches (not the TLB: it cannot hold them) */
		for (w = 0; w < ways; w++)
			p[w] = *p[w];
	t0 = now_ns();
	for (i = 0; i < LOADS / ways; i++)
		for (w = 0; w < ways; w++)
			p[w] = *p[w];
	t = now_ns() - t0;
	for (w = 0; w < ways; w++)
		__asm__ volatile("" : : "r"(p[w])); /* the walks' results are used */
	free(at);
	free(order);
	return t / (double)(LOADS / ways * ways);
}

int
main(void)
{
	static const size_t lines[] = {1024, 4096, 16384};
	size_t size = (size_t)16384 * PAGE_4K, i;
	const char *backing = "2 MiB pages";
	uint8_t *r;

	r = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1,
	         0);
	if (r == MAP_FAILED) {
		/* No hugepages free (/proc/sys/vm/nr_hugepages): normal pages, whose own walks
		 * the spread lines pay on any machine. */
		backing = "4 KiB pages (no hugepages free)";
		r = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r == MAP_FAILED) {
			perror("memprobe: mmap");
			return 1;
		}
	}
	memset(r, 0, size);
	printf("Random loads: the same lines side by side (packed), and one per 4 KiB page "
	       "(spread); one chain of dependent loads, or 16 chains at once.\n\n");
	printf("| memory | lines | spread over | packed ns/load | spread ns/load | spread / packed "
	       "| packed, 16 at once | spread, 16 at once | spread / packed, 16 at once |\n"
	       "|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		double p1 = chase(r, lines[i], LINE, 1), s1 = chase(r, lines[i], PAGE_4K, 1);
		double p16 = chase(r, lines[i], LINE, MAX_WAYS);
		double s16 = chase(r, lines[i], PAGE_4K, MAX_WAYS);

		printf("| %s | %zu | %zu MiB | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f |\n",
		       backing, lines[i], lines[i] * PAGE_4K >> 20, p1, s1, s1 / p1, p16, s16,
		       s16 / p16);
	}
	munmap(r, size);
	return 0;
}
