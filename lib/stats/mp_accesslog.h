/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The access log, control-thread half: drains every worker's record ring (mp_alog.h) and
 * writes one JSON line per record to the configured file with buffered stdio, flushed once per
 * drain. Wall-clock times are computed here from a record's TSC and a TSC/realtime anchor
 * taken when the log is opened. Nothing here runs on a worker.
 */
#ifndef MP_ACCESSLOG_H
#define MP_ACCESSLOG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ring.h>

#include "mp_alog.h"
#include "mp_base.h"
#include "mp_conf.h"

/** TSC to wall-clock time: realtime ns = anchor_ns + (tsc - anchor_tsc) / hz. */
struct mp_alog_clock {
	uint64_t hz;
	uint64_t anchor_tsc;
	uint64_t anchor_ns; /**< CLOCK_REALTIME at anchor_tsc, ns since the epoch */
};

/** Where records' config indexes resolve: the configuration of one generation. */
struct mp_alog_names {
	const struct mp_conf *conf; /**< may be NULL: every name is null */
	uint16_t generation;
	/** The name of an HTTP local reason (lib/proxy's list, built after this module); NULL:
	 * reasons are written as null. */
	const char *(*http_reason)(unsigned int reason);
};

/** The names an HTTP record's indexes resolve to; NULL is written as null. */
struct mp_alog_http_names {
	const char *listener, *table, *vhost, *cluster;
	const char *local; /**< the local reason (the proxy answered) */
	const char *error; /**< why the response was cut */
};

struct mp_alog_writer {
	FILE *f; /**< NULL: no access log */
	char path[PATH_MAX];
	unsigned int n_rings;
	unsigned int budget; /**< records taken from each ring per drain */
	struct rte_ring *rings[MP_MAX_WORKERS];
	struct mp_alog_clock clock;
	/* Read by telemetry and the Prometheus scrape (one writer: the control thread). */
	uint64_t lines;           /**< lines written */
	uint64_t write_errors;    /**< lines or flushes the file refused */
	uint64_t reopens;         /**< reopens done (SIGUSR1) */
	uint64_t reopen_failures; /**< reopens that failed: the old file is kept */
};

/**
 * Create n_workers record rings of ring_size records and open path for appending. Control
 * path. 0, or -errno after logging what failed (the path and the reason).
 */
int
mp_alog_writer_open(struct mp_alog_writer *w, const char *path, unsigned int n_workers,
                    unsigned int ring_size, int socket_id);

/**
 * Write out up to w->budget records from each ring, then flush. Control path.
 * @return the number of records taken
 */
unsigned int
mp_alog_writer_drain(struct mp_alog_writer *w, const struct mp_alog_names *names);

/** Close the file and open path again (after log rotation moved it). 0, or -errno. */
int
mp_alog_writer_reopen(struct mp_alog_writer *w);

/** Drain what is left (workers stopped), close the file and free the rings. */
void
mp_alog_writer_close(struct mp_alog_writer *w, const struct mp_alog_names *names);

/** Fill a clock anchored now. */
void
mp_alog_clock_init(struct mp_alog_clock *c, uint64_t hz);

/**
 * Write s as a JSON string (quotes included) into out: ", \ and control characters escaped;
 * other bytes as they are. Returns the length it needs (as snprintf); out is NUL-terminated
 * when len > 0.
 */
size_t
mp_alog_json_str(char *out, size_t len, const char *s);

/**
 * Write n bytes of s as a JSON string (quotes included) for data from the network: as
 * mp_alog_json_str(), and bytes past ASCII escaped too (\u00XX, the byte's value), so the output is
 * ASCII and valid JSON whatever s holds; cut: "..." is appended inside the quotes. Returns the
 * length it needs (as snprintf); out is NUL-terminated when len > 0.
 */
size_t
mp_alog_json_bytes(char *out, size_t len, const char *s, size_t n, bool cut);

/**
 * Format an MP_ALOG_HTTP record as one JSON line ending in '\n' into out (see conf/README.md
 * for the fields). Returns the length, or a negative value when out is too small.
 */
int
mp_alog_format_http(const struct mp_alog_rec *r, const struct mp_alog_clock *clk,
                    const struct mp_alog_http_names *names, char *out, size_t len);

/** "2026-11-26T15:30:00.123Z" for ns since the epoch; out needs 32 bytes. */
void
mp_alog_iso8601(uint64_t ns, char *out, size_t len);

/**
 * Format record r as one JSON line ending in '\n' into out. listener and cluster are the names
 * r's indexes resolve to, or NULL (written as null). Returns the length, or a negative value
 * when out is too small or r is not a known type.
 */
int
mp_alog_format(const struct mp_alog_rec *r, const struct mp_alog_clock *clk, const char *listener,
               const char *cluster, char *out, size_t len);

#endif /* MP_ACCESSLOG_H */
