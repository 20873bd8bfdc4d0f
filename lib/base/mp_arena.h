/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A bump allocator for control-path objects that live and die together: the strings of a
 * config, the pieces of an L7 route table. Memory comes in chunks from malloc; nothing moves
 * once allocated, so pointers into the arena stay valid until mp_arena_free(). Not for the
 * data path (it calls malloc), and not thread safe.
 */
#ifndef MP_ARENA_H
#define MP_ARENA_H

#include <stddef.h>

struct mp_arena_chunk;

/** Zero-initialise to start empty: `struct mp_arena a = {0};`. */
struct mp_arena {
	struct mp_arena_chunk *head; /**< newest chunk first */
	size_t used;                 /**< bytes used in head */
	size_t size;                 /**< bytes usable in head */
};

/** size bytes, zeroed and aligned for any type, or NULL when out of memory. */
void *
mp_arena_alloc(struct mp_arena *a, size_t size);

/** A copy of the first len bytes of s with a NUL after them, or NULL when out of memory. */
char *
mp_arena_strndup(struct mp_arena *a, const char *s, size_t len);

/** Give back every chunk; the arena is empty and usable again. */
void
mp_arena_free(struct mp_arena *a);

#endif /* MP_ARENA_H */
