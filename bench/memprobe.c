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
 * packed: 64 MiB is 32 hugepages, which the TLB holds. Under a hypervisor that backs the
 * guest's memory with 4 KiB pages, the TLB entries are 4 KiB whatever the guest maps, so
 * 4k-spread pays a two-level (nested) page walk on most loads and costs several times packed:
 * random accesses to a large table are then bound by page walks (bench/README.md).
 *
 * Then the time a cache line takes to go from the first CPU to the last and back (two threads
 * bouncing a counter), which is what every packet a memif device forwards pays twice: the
 * generator writes it on one CPU, the device under test reads it on the other. Two hyperthreads
 * of one core hand a line over in a few tens of nanoseconds, two cores of one L3 in about a
 * hundred, two L3s in more; in a VM the host decides, and may change it while it runs.
 *
 * usage: meshpath-memprobe  (pin it with taskset; reserve 32 hugepages or more for it)
 *        meshpath-memprobe --handoff  (the round trip alone, in nanoseconds: a phase marker)
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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

/* One cache line bounced between two threads: the first writes odd values, the second even. */
#define HANDOFFS 200000u

struct handoff {
	volatile uint64_t turn __attribute__((aligned(64)));
	int cpu;
};

static int
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
handoff_peer(void *arg)
{
	struct handoff *h = arg;
	uint64_t i;

	if (pin(h->cpu) != 0)
		return NULL;
	for (i = 1; i <= HANDOFFS; i++) {
		while (h->turn != 2 * i - 1)
			__builtin_ia32_pause();
		h->turn = 2 * i;
	}
	return NULL;
}

/* Nanoseconds for a line to go from CPU a to CPU b and back; negative when a CPU is not ours. */
static double
handoff_ns(int a, int b)
{
	static struct handoff h;
	pthread_t peer;
	double t0, t;
	uint64_t i;

	h.turn = 0;
	h.cpu = b;
	if (pin(a) != 0 || pthread_create(&peer, NULL, handoff_peer, &h) != 0)
		return -1;
	t0 = now_ns();
	for (i = 1; i <= HANDOFFS; i++) {
		h.turn = 2 * i - 1;
		while (h.turn != 2 * i)
			__builtin_ia32_pause();
	}
	t = now_ns() - t0;
	pthread_join(peer, NULL);
	return t / HANDOFFS;
}

int
main(int argc, char **argv)
{
	static const size_t lines[] = {1024, 4096, 16384};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t size = (size_t)16384 * PAGE_4K, i;
	const char *backing = "2 MiB pages";
	uint8_t *r;

	if (argc > 1 && strcmp(argv[1], "--handoff") == 0) {
		double rt = ncpu >= 2 ? handoff_ns(0, (int)ncpu - 1) : -1;

		if (rt < 0)
			return 1;
		printf("%.0f\n", rt);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: %s [--handoff]\n", argv[0]);
		return 2;
	}
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

	/* After the loads: pinning this thread to the first CPU must not move them. */
	if (ncpu >= 2) {
		double rt = handoff_ns(0, (int)ncpu - 1);

		printf("\nA cache line between two CPUs and back (two threads taking turns).\n\n");
		printf("| CPUs | round trip ns |\n|---|---|\n");
		if (rt < 0)
			printf("| 0 and %ld | ? (not allowed to run there) |\n", ncpu - 1);
		else
			printf("| 0 and %ld | %.0f |\n", ncpu - 1, rt);
	}
	return 0;
}
