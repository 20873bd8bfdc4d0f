/* SPDX-License-Identifier: BSD-3-Clause */
/* The regex ops on Hyperscan: see mp_regex_hs.h for the flags and the anchoring. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "mp_regex_hs.h"

#define HS_PATTERN_FLAGS (HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL | HS_FLAG_ALLOWEMPTY)
/* What \A(?: and )\z add around a pattern, with its NUL. */
#define HS_ANCHOR_LEN    (sizeof("\\A(?:") - 1 + sizeof(")\\z"))

struct hs_match_ctx {
	mp_regex_match_fn *fn;
	void *arg;
};

/* Hyperscan's messages end with a '.'; callers go on after them, so it is dropped. */
static void
hs_err_copy(char *err, size_t len, const char *msg)
{
	size_t n = strlen(msg);

	if (n > 0 && msg[n - 1] == '.')
		n--;
	if (err != NULL && len > 0)
		snprintf(err, len, "%.*s", (int)n, msg);
}

/* Check one pattern as written (no anchors): its own error, at its own offsets. */
static int
hs_check(const char *expr, char *err, size_t err_len)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;

	if (hs_expression_info(expr, HS_PATTERN_FLAGS, &info, &cerr) != HS_SUCCESS) {
		hs_err_copy(err, err_len, cerr != NULL ? cerr->message : "invalid pattern");
		hs_free_compile_error(cerr);
		return -EINVAL;
	}
	free(info); /* allocated with the misc allocator, malloc by default */
	return 0;
}

static int
hs_ops_compile(const struct mp_regex_pattern *p, unsigned int n, unsigned int flags,
               struct mp_regex_db **db, int *bad, char *err, size_t err_len)
{
	hs_compile_error_t *cerr = NULL;
	const char **exprs = NULL;
	unsigned int *fl = NULL, *ids = NULL, i;
	char **owned = NULL;
	hs_database_t *d = NULL;
	int rc = -ENOMEM;

	*db = NULL;
	*bad = -1;
	for (i = 0; i < n; i++) {
		if (hs_check(p[i].expr, err, err_len) < 0) {
			*bad = (int)i;
			return -EINVAL;
		}
	}
	exprs = calloc(n, sizeof(*exprs));
	fl = calloc(n, sizeof(*fl));
	ids = calloc(n, sizeof(*ids));
	owned = calloc(n, sizeof(*owned));
	if (exprs == NULL || fl == NULL || ids == NULL || owned == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (flags & MP_REGEX_F_WHOLE) {
			size_t len = strlen(p[i].expr) + HS_ANCHOR_LEN;

			owned[i] = malloc(len);
			if (owned[i] == NULL)
				goto out;
			snprintf(owned[i], len, "\\A(?:%s)\\z", p[i].expr);
			exprs[i] = owned[i];
		} else {
			exprs[i] = p[i].expr;
		}
		fl[i] = HS_PATTERN_FLAGS;
		ids[i] = p[i].id;
	}
	if (hs_compile_multi(exprs, fl, ids, n, HS_MODE_BLOCK, NULL, &d, &cerr) != HS_SUCCESS) {
		hs_err_copy(err, err_len, cerr != NULL ? cerr->message : "cannot compile");
		*bad = cerr != NULL && cerr->expression >= 0 ? cerr->expression : -1;
		hs_free_compile_error(cerr);
		rc = -EINVAL;
		goto out;
	}
	*db = (struct mp_regex_db *)d;
	rc = 0;
out:
	for (i = 0; owned != NULL && i < n; i++)
		free(owned[i]);
	free(owned);
	free(ids);
	free(fl);
	free(exprs);
	if (rc == -ENOMEM)
		hs_err_copy(err, err_len, "out of memory");
	return rc;
}

static void
hs_ops_db_free(struct mp_regex_db *db)
{
	hs_free_database((hs_database_t *)db);
}

static int
hs_ops_scratch_fit(const struct mp_regex_db *db, struct mp_regex_scratch **s)
{
	hs_scratch_t *scratch = (hs_scratch_t *)*s;

	if (hs_alloc_scratch((const hs_database_t *)db, &scratch) != HS_SUCCESS)
		return -ENOMEM;
	*s = (struct mp_regex_scratch *)scratch;
	return 0;
}

static void
hs_ops_scratch_free(struct mp_regex_scratch *s)
{
	hs_free_scratch((hs_scratch_t *)s);
}

static int
hs_on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
            void *arg)
{
	const struct hs_match_ctx *m = arg;

	(void)from;
	(void)to;
	(void)flags;
	return m->fn(id, m->arg);
}

static int
hs_ops_scan(const struct mp_regex_db *db, const char *buf, size_t len, struct mp_regex_scratch *s,
            mp_regex_match_fn *fn, void *arg)
{
	struct hs_match_ctx m = {.fn = fn, .arg = arg};
	hs_error_t rc;

	rc = hs_scan((const hs_database_t *)db, buf, (unsigned int)len, 0, (hs_scratch_t *)s,
	             hs_on_match, &m);
	if (rc == HS_SUCCESS)
		return 0;
	return rc == HS_SCAN_TERMINATED ? 1 : -EINVAL;
}

static const struct mp_regex_ops hs_ops = {
        .name = "hyperscan",
        .compile = hs_ops_compile,
        .db_free = hs_ops_db_free,
        .scratch_fit = hs_ops_scratch_fit,
        .scratch_free = hs_ops_scratch_free,
        .scan = hs_ops_scan,
};

const struct mp_regex_ops *
mp_regex_hs_ops(void)
{
	return &hs_ops;
}
