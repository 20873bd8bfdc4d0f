/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schema walker and the error collector; see conf_priv.h for the model. Nothing in here
 * knows meshpath's keys: conf.c holds the tables.
 *
 * Errors are collected rather than printed as found because sections are read in schema order
 * (ports before routes, so routes can name ports) while a user reads the file top to bottom:
 * conf_err_flush() prints them sorted by line.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

/* Edit distance at or under which an unknown key gets a "did you mean". */
#define CONF_SUGGEST_MAX_DIST 2
/* Keys longer than this are never close to a schema key; bounds the distance table. */
#define CONF_SUGGEST_MAX_LEN  64
#define CONF_MSGS_MIN         16

void
conf_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

const char *
conf_key_name(const struct conf_ctx *ctx, const char *name, char *buf, size_t len)
{
	conf_fmt(buf, len, "%s%s", ctx->where->key_prefix, name);
	return buf;
}

void
conf_err(struct conf_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
{
	struct conf_msg *m;
	va_list ap;
	char *text;
	int rc;

	ctx->n_errors++;
	va_start(ap, fmt);
	rc = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (rc < 0)
		text = NULL;

	if (ctx->n_msgs == ctx->cap_msgs) {
		unsigned int cap = ctx->cap_msgs != 0 ? ctx->cap_msgs * 2 : CONF_MSGS_MIN;
		struct conf_msg *grown = realloc(ctx->msgs, cap * sizeof(*grown));

		if (grown == NULL) {
			/* Better unsorted than lost: print this one now. */
			if (ctx->err != NULL)
				fprintf(ctx->err, "%s:%u: %s\n", ctx->path, s != NULL ? s->line : 1,
				        text != NULL ? text
				                     : "(out of memory formatting the error)");
			free(text);
			return;
		}
		ctx->msgs = grown;
		ctx->cap_msgs = cap;
	}
	m = &ctx->msgs[ctx->n_msgs];
	m->file = s != NULL ? config_setting_source_file(s) : NULL;
	/* The root group has line 0; errors about it (a missing section) point at the top. */
	m->line =
	        s != NULL && config_setting_source_line(s) != 0 ? config_setting_source_line(s) : 1;
	m->seq = ctx->n_msgs;
	m->text = text;
	ctx->n_msgs++;
}

const char *
conf_file_dir(const char *dir, const char *file)
{
	return file != NULL && file[0] != '/' && dir != NULL ? dir : "";
}

/* Main file first, then included files by name; by line inside a file; else as found. */
static int
conf_msg_cmp(const void *pa, const void *pb)
{
	const struct conf_msg *a = pa, *b = pb;

	if ((a->file == NULL) != (b->file == NULL))
		return a->file == NULL ? -1 : 1;
	if (a->file != NULL && strcmp(a->file, b->file) != 0)
		return strcmp(a->file, b->file);
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int
conf_err_flush(struct conf_ctx *ctx)
{
	unsigned int i;

	if (ctx->n_msgs > 1)
		qsort(ctx->msgs, ctx->n_msgs, sizeof(ctx->msgs[0]), conf_msg_cmp);
	for (i = 0; i < ctx->n_msgs; i++) {
		const struct conf_msg *m = &ctx->msgs[i];

		if (ctx->err != NULL)
			fprintf(ctx->err, "%s%s:%u: %s\n", conf_file_dir(ctx->dir, m->file),
			        m->file != NULL ? m->file : ctx->path, m->line,
			        m->text != NULL ? m->text : "(out of memory formatting the error)");
		free(m->text);
	}
	free(ctx->msgs);
	ctx->msgs = NULL;
	ctx->n_msgs = 0;
	ctx->cap_msgs = 0;
	return ctx->n_errors > INT_MAX ? INT_MAX : (int)ctx->n_errors;
}

const char *
conf_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a floating-point number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	default:
		return "empty";
	}
}

const config_setting_t *
conf_member_or(const config_setting_t *grp, const char *name)
{
	const config_setting_t *m = config_setting_get_member(grp, name);

	return m != NULL ? m : grp;
}

/* Optimal string alignment distance (Levenshtein plus adjacent swaps), ignoring case. */
static unsigned int
conf_distance(const char *a, const char *b)
{
	unsigned int rows[3][CONF_SUGGEST_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b);
	unsigned int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	size_t i, j;

	if (la > CONF_SUGGEST_MAX_LEN || lb > CONF_SUGGEST_MAX_LEN)
		return UINT32_MAX;
	for (j = 0; j <= lb; j++)
		prev[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		unsigned int *t;

		cur[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			int same = tolower((unsigned char)a[i - 1]) ==
			           tolower((unsigned char)b[j - 1]);
			unsigned int d = prev[j - 1] + (same ? 0 : 1);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

int
conf_suggest(const char *word, const char *const *names, unsigned int n)
{
	unsigned int best_d = CONF_SUGGEST_MAX_DIST + 1;
	int best = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int d;

		if (names[i] == NULL || names[i][0] == '\0')
			continue;
		d = conf_distance(word, names[i]);

		if (d < best_d) {
			best_d = d;
			best = (int)i;
		}
	}
	return best;
}

/* The part of "ports[0].mtu" after the last dot: type errors name the key as written. */
static const char *
conf_short_name(const char *what)
{
	const char *dot = strrchr(what, '.');

	return dot != NULL ? dot + 1 : what;
}

const char *
conf_get_string(struct conf_ctx *ctx, const config_setting_t *s, const char *what)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_err(ctx, s, "'%s' must be a string, not %s", what,
		         conf_type_name(config_setting_type(s)));
		return NULL;
	}
	return config_setting_get_string(s);
}

int
conf_get_seq(struct conf_ctx *ctx, const config_setting_t *s, const char *what,
             const char *expected)
{
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
		conf_err(ctx, s, "'%s' must be %s, not %s", what, expected, conf_type_name(type));
		return -1;
	}
	return config_setting_length(s);
}

const char *
conf_get_name(struct conf_ctx *ctx, const config_setting_t *s, const char *what)
{
	const char *v = conf_get_string(ctx, s, conf_short_name(what));
	size_t bad;

	if (v == NULL)
		return NULL;
	if (v[0] == '\0' || strlen(v) >= MP_NAME_LEN) {
		conf_err(ctx, s, "%s \"%s\" is %zu characters long: use 1..%d characters", what, v,
		         strlen(v), MP_NAME_LEN - 1);
		return NULL;
	}
	bad = strspn(v, CONF_NAME_CHARS);
	if (v[bad] != '\0') {
		conf_err(ctx, s, "%s \"%s\" contains '%c': use only letters, digits, '_' and '-'",
		         what, v, v[bad]);
		return NULL;
	}
	return v;
}

int
conf_lookup(struct conf_ctx *ctx, const config_setting_t *s, const char *what, const char *v,
            const char *const *names, unsigned int n, const char *noun, const char *none)
{
	char list[CONF_LOOKUP_TEXT_LEN];
	unsigned int i, shown = 0;
	size_t used = 0;
	int hint;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && names[i][0] != '\0' && strcmp(names[i], v) == 0)
			return (int)i;
	hint = conf_suggest(v, names, n);
	if (hint >= 0) {
		conf_err(ctx, s, "%s \"%s\" is not %s; did you mean \"%s\"?", what, v, noun,
		         names[hint]);
		return -1;
	}
	list[0] = '\0';
	for (i = 0; i < n; i++) {
		if (names[i] == NULL || names[i][0] == '\0')
			continue;
		/* Keep room for this name, its quotes and separator, and a closing ", ...". */
		if (used + strlen(names[i]) + sizeof(", \"\"") + sizeof(", ...") > sizeof(list)) {
			conf_fmt(list + used, sizeof(list) - used, ", ...");
			shown++;
			break;
		}
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s\"%s\"",
		                         shown != 0 ? ", " : "", names[i]);
		shown++;
	}
	if (shown == 0)
		conf_err(ctx, s, "%s \"%s\" is not %s: %s", what, v, noun, none);
	else
		conf_err(ctx, s, "%s \"%s\" is not %s: use one of %s", what, v, noun, list);
	return -1;
}

bool
conf_is_prime(uint64_t v)
{
	uint64_t d;

	if (v < 4)
		return v >= 2;
	if (v % 2 == 0 || v % 3 == 0)
		return false;
	for (d = 5; d * d <= v; d += 6)
		if (v % d == 0 || v % (d + 2) == 0)
			return false;
	return true;
}

/*
 * libconfig 1.5 wraps an integer literal that does not fit 32 bits (3000000000 reads as
 * -1294967296) without a word. Quote the literal from the file in range errors so the message
 * shows what the user wrote. Only the main file's text is at hand, and only "name = value" on
 * the setting's own line is recognised; otherwise NULL and the caller prints the value.
 */
static const char *
conf_int_literal(const struct conf_ctx *ctx, const config_setting_t *s, char *buf, size_t len)
{
	const char *name = config_setting_name(s);
	const char *p = ctx->text;
	const char *eol, *q;
	unsigned int line = 1;
	size_t nlen;

	if (p == NULL || name == NULL || config_setting_source_file(s) != NULL)
		return NULL;
	while (*p != '\0' && line < config_setting_source_line(s)) {
		if (*p == '\n')
			line++;
		p++;
	}
	eol = strchr(p, '\n');
	if (eol == NULL)
		eol = p + strlen(p);
	nlen = strlen(name);
	for (q = p; q + nlen <= eol; q++) {
		const char *r = q + nlen;
		size_t n;

		if (strncmp(q, name, nlen) != 0 ||
		    (q > p && (isalnum((unsigned char)q[-1]) || q[-1] == '_' || q[-1] == '-')))
			continue;
		r += strspn(r, " \t");
		if (*r != '=' && *r != ':')
			continue;
		r++;
		r += strspn(r, " \t");
		n = strspn(r, "+-0123456789abcdefABCDEFxXL");
		if (n == 0 || n >= len)
			return NULL;
		memcpy(buf, r, n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

static bool
conf_is_pow2(long long v)
{
	return v > 0 && (v & (v - 1)) == 0;
}

int
conf_get_int(struct conf_ctx *ctx, const config_setting_t *s, const char *what, long long min,
             long long max, unsigned int flags, long long *v)
{
	int type = config_setting_type(s);
	char lit[32];
	const char *text;
	long long val;

	if (type == CONFIG_TYPE_INT) {
		val = config_setting_get_int(s);
	} else if (type == CONFIG_TYPE_INT64) {
		val = config_setting_get_int64(s);
	} else {
		conf_err(ctx, s, "'%s' must be an integer, not %s", conf_short_name(what),
		         conf_type_name(type));
		return -1;
	}
	if ((val < min || val > max) && !((flags & CONF_F_ZERO_OFF) && val == 0)) {
		char range[64];

		conf_fmt(range, sizeof(range), "%s%lld..%lld",
		         (flags & CONF_F_ZERO_OFF) ? "0 (off) or " : "", min, max);
		text = type == CONFIG_TYPE_INT ? conf_int_literal(ctx, s, lit, sizeof(lit)) : NULL;
		if (text != NULL)
			conf_err(ctx, s, "%s = %s is out of range: use %s", what, text, range);
		else
			conf_err(ctx, s, "%s = %lld is out of range: use %s", what, val, range);
		return -1;
	}
	if ((flags & CONF_F_POW2) && !conf_is_pow2(val)) {
		long long lo = 1, hi;

		while (lo * 2 <= val)
			lo *= 2;
		hi = lo * 2;
		if (lo < min)
			conf_err(ctx, s, "%s = %lld is not a power of two: use %lld", what, val,
			         hi);
		else if (hi > max)
			conf_err(ctx, s, "%s = %lld is not a power of two: use %lld", what, val,
			         lo);
		else
			conf_err(ctx, s, "%s = %lld is not a power of two: use %lld or %lld", what,
			         val, lo, hi);
		return -1;
	}
	if ((flags & CONF_F_PRIME) && !conf_is_prime((uint64_t)val)) {
		long long lo = val - 1, hi = val + 1;

		while (lo >= min && !conf_is_prime((uint64_t)lo))
			lo--;
		while (hi <= max && !conf_is_prime((uint64_t)hi))
			hi++;
		if (lo < min)
			conf_err(ctx, s, "%s = %lld is not a prime number: use %lld", what, val,
			         hi);
		else if (hi > max)
			conf_err(ctx, s, "%s = %lld is not a prime number: use %lld", what, val,
			         lo);
		else
			conf_err(ctx, s, "%s = %lld is not a prime number: use %lld or %lld", what,
			         val, lo, hi);
		return -1;
	}
	*v = val;
	return 0;
}

/* CONF_INT fields are uint16_t, uint32_t or unsigned int; ranges were checked before. */
static void
conf_store(void *obj, const struct conf_key *k, long long v)
{
	uint8_t *field = (uint8_t *)obj + k->off;

	if (k->size == sizeof(uint16_t)) {
		uint16_t x = (uint16_t)v;

		memcpy(field, &x, sizeof(x));
	} else if (k->size == sizeof(uint32_t)) {
		uint32_t x = (uint32_t)v;

		memcpy(field, &x, sizeof(x));
	} else {
		abort(); /* a schema row points at a field of another width */
	}
}

void
conf_schema_defaults(const struct conf_schema *schema, void *obj)
{
	unsigned int i;

	for (i = 0; i < schema->n_keys; i++) {
		const struct conf_key *k = &schema->keys[i];

		if (k->kind == CONF_INT)
			conf_store(obj, k, k->def);
		else if (k->kind == CONF_GROUP)
			conf_schema_defaults(k->sub, obj);
	}
}

void
conf_walk_list(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
               void *base, unsigned int *count, unsigned int max, const char *limit)
{
	const struct conf_where *up = ctx->where;
	int type = config_setting_type(s);
	int n, i;

	*count = 0;
	/* `ports = [];` is an empty array to libconfig, but means an empty list. */
	if (type == CONFIG_TYPE_GROUP) {
		conf_err(ctx, s,
		         "'%s' must be a list of groups, not a group: write %s = ( { ... } );",
		         k->name, k->name);
		return;
	}
	if (type != CONFIG_TYPE_LIST &&
	    !(type == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0)) {
		conf_err(ctx, s, "'%s' must be a list of groups ( { ... }, ... ), not %s", k->name,
		         conf_type_name(type));
		return;
	}
	n = config_setting_length(s);
	if (n == 0) {
		if (k->flags & CONF_F_REQUIRED)
			conf_err(ctx, s, "%s%s is empty: %s", up->key_prefix, k->name, k->hint);
		return;
	}
	if ((unsigned int)n > max) {
		conf_err(ctx, s, "%s%s has %d entries: %s", up->key_prefix, k->name, n, limit);
		n = (int)max;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		const config_setting_t *name;
		struct conf_where w;
		void *elem;

		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			conf_err(ctx, e, "%s%s[%d] must be a group %s, not %s", up->key_prefix,
			         k->name, i, k->sub->elem_example,
			         conf_type_name(config_setting_type(e)));
			continue;
		}
		elem = (uint8_t *)base + (size_t)*count * k->size;
		memset(elem, 0, k->size);
		conf_schema_defaults(k->sub, elem);
		(*count)++;

		conf_fmt(w.key_prefix, sizeof(w.key_prefix), "%s%s[%d].", up->key_prefix, k->name,
		         i);
		conf_fmt(w.label, sizeof(w.label), "%s%s[%d]", up->key_prefix, k->name, i);
		/* Quote the element's name when it has one: easier to find than an index. */
		name = config_setting_get_member(e, "name");
		if (name != NULL && config_setting_type(name) == CONFIG_TYPE_STRING)
			conf_fmt(w.named, sizeof(w.named), "%s (\"%s\")", w.label,
			         config_setting_get_string(name));
		else
			conf_fmt(w.named, sizeof(w.named), "%s", w.label);
		conf_fmt(w.in, sizeof(w.in), "in %s", w.named);
		conf_walk_group(ctx, e, k->sub, elem, &w);
	}
}

static void
conf_read_list(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	char limit[64];

	conf_fmt(limit, sizeof(limit), "at most %lld are supported", k->max);
	conf_walk_list(ctx, k, s, (uint8_t *)obj + k->off,
	               (unsigned int *)((uint8_t *)obj + k->n_off), (unsigned int)k->max, limit);
}

static void
conf_read_key(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s, void *obj)
{
	const struct conf_where *up = ctx->where;
	char what[CONF_WHAT_LEN];
	struct conf_where w;
	long long v;

	switch (k->kind) {
	case CONF_INT:
		conf_fmt(what, sizeof(what), "%s%s", up->key_prefix, k->name);
		if (conf_get_int(ctx, s, what, k->min, k->max, k->flags, &v) == 0)
			conf_store(obj, k, v);
		break;
	case CONF_GROUP:
		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			conf_err(ctx, s, "'%s' must be a group { ... }, not %s", k->name,
			         conf_type_name(config_setting_type(s)));
			break;
		}
		conf_fmt(w.key_prefix, sizeof(w.key_prefix), "%s%s.", up->key_prefix, k->name);
		conf_fmt(w.label, sizeof(w.label), "%s%s", up->key_prefix, k->name);
		conf_fmt(w.named, sizeof(w.named), "%s", w.label);
		conf_fmt(w.in, sizeof(w.in), "in %s", w.label);
		conf_walk_group(ctx, s, k->sub, obj, &w);
		break;
	case CONF_LIST:
		conf_read_list(ctx, k, s, obj);
		break;
	case CONF_CUSTOM:
		k->fn(ctx, k, s, obj);
		break;
	}
}

static void
conf_check_unknown(struct conf_ctx *ctx, const config_setting_t *grp,
                   const struct conf_schema *schema, const struct conf_where *where)
{
	const char *names[64];
	unsigned int i, n_members = (unsigned int)config_setting_length(grp);

	for (i = 0; i < schema->n_keys; i++)
		names[i] = schema->keys[i].name;
	for (i = 0; i < n_members; i++) {
		const config_setting_t *m = config_setting_get_elem(grp, i);
		const char *name = config_setting_name(m);
		char valid[512];
		size_t used = 0;
		unsigned int j;
		int hint;

		for (j = 0; j < schema->n_keys; j++)
			if (strcmp(name, names[j]) == 0)
				break;
		if (j < schema->n_keys)
			continue;
		hint = conf_suggest(name, names, schema->n_keys);
		if (hint >= 0) {
			conf_err(ctx, m, "unknown key '%s' %s; did you mean '%s'?", name, where->in,
			         names[hint]);
			continue;
		}
		valid[0] = '\0';
		for (j = 0; j < schema->n_keys && used < sizeof(valid); j++)
			used += (size_t)snprintf(valid + used, sizeof(valid) - used, "%s%s",
			                         j != 0 ? ", " : "", names[j]);
		conf_err(ctx, m, "unknown key '%s' %s: valid keys are %s", name, where->in, valid);
	}
}

uint64_t
conf_walk_group(struct conf_ctx *ctx, const config_setting_t *grp, const struct conf_schema *schema,
                void *obj, const struct conf_where *where)
{
	const struct conf_where *saved = ctx->where;
	uint64_t seen = 0;
	unsigned int i;

	if (schema->n_keys > 64)
		abort(); /* `seen` and conf_check_unknown() hold at most 64 keys */
	ctx->where = where;
	for (i = 0; i < schema->n_keys; i++) {
		const struct conf_key *k = &schema->keys[i];
		const config_setting_t *m = config_setting_get_member(grp, k->name);

		if (m == NULL) {
			if (k->flags & CONF_F_REQUIRED)
				conf_err(ctx, grp, "%s has no '%s': %s", where->label, k->name,
				         k->hint);
			continue;
		}
		seen |= UINT64_C(1) << i;
		conf_read_key(ctx, k, m, obj);
		ctx->where = where;
	}
	conf_check_unknown(ctx, grp, schema, where);
	if (schema->finish != NULL)
		schema->finish(ctx, grp, obj);
	ctx->where = saved;
	return seen;
}

int
conf_choice(struct conf_ctx *ctx, const struct conf_key *k, const config_setting_t *s,
            const char *const *names, size_t n, const char *kind, const char *none_hint)
{
	char what[CONF_WHAT_LEN];
	const char *v;

	conf_key_name(ctx, k->name, what, sizeof(what));
	v = conf_get_string(ctx, s, k->name);
	if (v == NULL)
		return -1;
	return conf_lookup(ctx, s, what, v, names, n, kind, none_hint);
}
