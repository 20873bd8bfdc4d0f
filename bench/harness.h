/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A small C face for Google Benchmark, so meshpath's micro benchmarks are written in C.
 *
 * A benchmark is a function that sets up, runs its timed loop while mp_bench_keep_running()
 * says so, then reports what one iteration processed:
 *
 * @code
 * static void
 * parse_burst(struct mp_bench_state *s, void *arg)
 * {
 *	setup(arg);				// not timed: the clock starts at the first call
 *	while (mp_bench_keep_running(s))
 *		run_one_burst(arg);
 *	mp_bench_set_items(s, mp_bench_iterations(s) * BURST);
 * }
 * MP_BENCH(parse_burst);			// registered as "parse_burst"
 * MP_BENCH_ARG(parse_burst, "parse_burst/ipv6", &v6_arg);
 * @endcode
 *
 * Registration runs from a constructor, so listing the file in bench/meson.build is all it
 * takes. bench/harness.cc, the only C++ file, owns main(); bench/eal.c starts the EAL.
 */
#ifndef MP_BENCH_HARNESS_H
#define MP_BENCH_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque: one run of one benchmark (wraps benchmark::State). */
struct mp_bench_state;

typedef void (*mp_bench_fn)(struct mp_bench_state *s, void *arg);

/** Register fn under name; arg is passed back on every run. Call before main() runs. */
void
mp_bench_register(const char *name, mp_bench_fn fn, void *arg);

/**
 * The timed loop: true while another iteration should run. The clock starts at the first
 * call and stops at the call that returns false, so setup before the loop and reporting
 * after it are not timed. Call it until it returns false.
 */
bool
mp_bench_keep_running(struct mp_bench_state *s);

/** Iterations run so far (after the loop: all of them). */
int64_t
mp_bench_iterations(const struct mp_bench_state *s);

/**
 * Stop the clock inside the timed loop, for work that must not be measured (building the next
 * batch of packets), and start it again with mp_bench_resume(). Each pause reads the wall and
 * CPU clocks twice, about a microsecond on this VM, part of which lands in the timed total:
 * pause once per thousand items or more, never per item.
 */
void
mp_bench_pause(struct mp_bench_state *s);

/** Start the clock again after mp_bench_pause(). */
void
mp_bench_resume(struct mp_bench_state *s);

/** Total items processed in the run; reported as items_per_second. */
void
mp_bench_set_items(struct mp_bench_state *s, int64_t items);

/** Total bytes processed in the run; reported as bytes_per_second. */
void
mp_bench_set_bytes(struct mp_bench_state *s, int64_t bytes);

/** Flags of mp_bench_counter(); they map one to one onto benchmark::Counter flags. */
enum mp_bench_counter_flags {
	MP_BENCH_C_RATE = 1 << 0,          /**< divide by the run's seconds (kIsRate) */
	MP_BENCH_C_PER_ITERATION = 1 << 1, /**< multiply by iterations (kIsIterationInvariant) */
	MP_BENCH_C_INVERT = 1 << 2,        /**< report 1 / value (kInvert) */
};

/**
 * A named counter in the report. For example the time per packet, when each iteration
 * handles n packets, is mp_bench_counter(s, "ns_per_pkt", n, RATE | PER_ITERATION | INVERT):
 * (n * iterations / seconds) inverted is seconds per packet, which the console prints with an
 * SI prefix ("3.2ns") and JSON/CSV output gives in seconds.
 */
void
mp_bench_counter(struct mp_bench_state *s, const char *name, double value, unsigned int flags);

/** A label printed next to the run's result (what the packets look like, say). */
void
mp_bench_set_label(struct mp_bench_state *s, const char *label);

/** Mark the run failed with msg and skip its timed loop (call before the loop). */
void
mp_bench_skip(struct mp_bench_state *s, const char *msg);

/**
 * Start the DPDK EAL for benchmarks that need it (rte_malloc, rte_hash, rte_timer), once per
 * process: the first call starts it, later calls return the first call's result. Every
 * benchmark calls this instead of rte_eal_init(), which can run only once and fails on every
 * later call whatever its arguments.
 *
 * The EAL runs on lcore 0 without hugepages, PCI devices, shared config or telemetry, with
 * 1024 MB of ordinary memory: twice what the largest benchmark, flow_lookup at 1M flows, holds
 * (bench/eal.c). Call it in setup, before the timed loop; thread safe. Not for the data path.
 *
 * @return true when the EAL is up, false when it failed to start (skip the run).
 */
bool
mp_bench_eal(void);

/**
 * Make the compiler believe the memory at p is read and may have changed, so work whose
 * result is otherwise unused is not optimised away. Costs no instruction.
 */
static inline void
mp_bench_do_not_optimize(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

#define MP_BENCH_CAT2(a, b) a##b
#define MP_BENCH_CAT(a, b)  MP_BENCH_CAT2(a, b)

/** Register fn with arg under name (a string literal). */
#define MP_BENCH_ARG(fn, name, arg)                                                          \
	static void __attribute__((constructor)) MP_BENCH_CAT(mp_bench_reg_, __LINE__)(void) \
	{                                                                                    \
		mp_bench_register(name, fn, arg);                                            \
	}

/** Register fn under its own name, with a NULL arg. */
#define MP_BENCH(fn) MP_BENCH_ARG(fn, #fn, NULL)

#ifdef __cplusplus
}
#endif

#endif /* MP_BENCH_HARNESS_H */
