/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The regex engine behind L7 routing, as a small ops table: lib/ does not call Hyperscan
 * itself; drivers/regex/hyperscan implements these ops (mp_regex_hs_ops()). The process picks
 * the ops once at start and hands them to mp_route_table_build().
 *
 * A database holds a set of patterns, each with an id; one scan of a buffer reports the id of
 * every pattern that matches it, once. Databases are built on the control path and read-only
 * after; a scan needs a scratch area that one thread owns (one per worker), sized on the
 * control path for every database it will scan.
 */
#ifndef MP_REGEX_H
#define MP_REGEX_H

#include <stddef.h>

/** An engine's compiled set of patterns (opaque). */
struct mp_regex_db;
/** An engine's per-thread scan state (opaque). */
struct mp_regex_scratch;

/** Room for an engine's error message. */
#define MP_REGEX_ERR_LEN 256

/**
 * Compile flag: a pattern matches only when it matches the whole buffer (Envoy's full-match
 * semantics), as if written \A(?:pattern)\z. Without it a match anywhere counts.
 */
#define MP_REGEX_F_WHOLE (1u << 0)

struct mp_regex_pattern {
	const char *expr; /**< the pattern, PCRE syntax as the engine supports it */
	unsigned int id;  /**< reported by scans */
};

/**
 * Called by a scan for each pattern that matches, at most once per id. Return 0 to go on,
 * non-zero to stop the scan.
 */
typedef int(mp_regex_match_fn)(unsigned int id, void *arg);

struct mp_regex_ops {
	const char *name; /**< "hyperscan" */
	/**
	 * Compile n patterns into *db (control path). On failure returns -EINVAL with *bad set
	 * to the index of the pattern at fault (-1 when none is) and the engine's message in
	 * err; -ENOMEM when out of memory.
	 */
	int (*compile)(const struct mp_regex_pattern *p, unsigned int n, unsigned int flags,
	               struct mp_regex_db **db, int *bad, char *err, size_t err_len);
	/** Free a database (control path); NULL is fine. */
	void (*db_free)(struct mp_regex_db *db);
	/**
	 * Make *s (NULL: a new one) big enough to scan db, growing it in place (control path,
	 * while no thread scans with it). Returns 0 or -ENOMEM.
	 */
	int (*scratch_fit)(const struct mp_regex_db *db, struct mp_regex_scratch **s);
	/** Free a scratch area (control path); NULL is fine. */
	void (*scratch_free)(struct mp_regex_scratch *s);
	/**
	 * Scan buf (data path: no allocation, no syscall). Returns 0 when the whole buffer was
	 * scanned, 1 when fn stopped it, < 0 on an engine error (scratch too small).
	 */
	int (*scan)(const struct mp_regex_db *db, const char *buf, size_t len,
	            struct mp_regex_scratch *s, mp_regex_match_fn *fn, void *arg);
};

#endif /* MP_REGEX_H */
