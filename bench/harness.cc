/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one C++ file of the benchmarks: bench/harness.h on top of Google Benchmark, and main().
 * Benchmarks themselves are C (bench/<module>_bench.c) and register from constructors.
 */
#include <benchmark/benchmark.h>

#include "harness.h"

/* Lives on the stack of one run; the C side only ever holds a pointer to it. */
struct mp_bench_state {
	benchmark::State &st;
};

void
mp_bench_register(const char *name, mp_bench_fn fn, void *arg)
{
	benchmark::RegisterBenchmark(name, [fn, arg](benchmark::State &st) {
		mp_bench_state s{st};

		fn(&s, arg);
	});
}

bool
mp_bench_keep_running(struct mp_bench_state *s)
{
	return s->st.KeepRunning();
}

int64_t
mp_bench_iterations(const struct mp_bench_state *s)
{
	return static_cast<int64_t>(s->st.iterations());
}

void
mp_bench_pause(struct mp_bench_state *s)
{
	s->st.PauseTiming();
}

void
mp_bench_resume(struct mp_bench_state *s)
{
	s->st.ResumeTiming();
}

void
mp_bench_set_items(struct mp_bench_state *s, int64_t items)
{
	s->st.SetItemsProcessed(items);
}

void
mp_bench_set_bytes(struct mp_bench_state *s, int64_t bytes)
{
	s->st.SetBytesProcessed(bytes);
}

void
mp_bench_counter(struct mp_bench_state *s, const char *name, double value, unsigned int flags)
{
	int f = benchmark::Counter::kDefaults;

	if (flags & MP_BENCH_C_RATE)
		f |= benchmark::Counter::kIsRate;
	if (flags & MP_BENCH_C_PER_ITERATION)
		f |= benchmark::Counter::kIsIterationInvariant;
	if (flags & MP_BENCH_C_INVERT)
		f |= benchmark::Counter::kInvert;
	s->st.counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f));
}

void
mp_bench_set_label(struct mp_bench_state *s, const char *label)
{
	s->st.SetLabel(label);
}

void
mp_bench_skip(struct mp_bench_state *s, const char *msg)
{
	s->st.SkipWithError(msg);
}

BENCHMARK_MAIN();
