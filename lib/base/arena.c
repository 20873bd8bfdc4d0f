/* SPDX-License-Identifier: BSD-3-Clause */
/* The bump allocator of mp_arena.h. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "mp_arena.h"

/* Most configs fit one chunk; a larger request gets a chunk of its own size. */
#define ARENA_CHUNK_SIZE 65536
#define ARENA_ALIGN      alignof(max_align_t)

struct mp_arena_chunk {
	struct mp_arena_chunk *next;
	alignas(max_align_t) unsigned char data[];
};

void *
mp_arena_alloc(struct mp_arena *a, size_t size)
{
	size_t need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	struct mp_arena_chunk *c;
	void *p;

	if (need < size)
		return NULL;
	if (a->head == NULL || a->size - a->used < need) {
		size_t cap = need > ARENA_CHUNK_SIZE ? need : ARENA_CHUNK_SIZE;

		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->next = a->head;
		a->head = c;
		a->used = 0;
		a->size = cap;
	}
	p = a->head->data + a->used;
	a->used += need;
	memset(p, 0, size);
	return p;
}

char *
mp_arena_strndup(struct mp_arena *a, const char *s, size_t len)
{
	char *d = mp_arena_alloc(a, len + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void
mp_arena_free(struct mp_arena *a)
{
	struct mp_arena_chunk *c = a->head;

	while (c != NULL) {
		struct mp_arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
	a->size = 0;
}
