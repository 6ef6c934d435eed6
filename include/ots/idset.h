/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idset.h: a set of 64-bit ids (src/idset.c): which alerts were already written. Open
 * addressing with linear probing, grown at half load; id 0 is stored like any other. One
 * thread.
 */
#ifndef OTS_IDSET_H
#define OTS_IDSET_H

#include <stddef.h>
#include <stdint.h>

struct ots_idset {
	uint64_t *slot;          /* ids; 0 marks an empty slot */
	size_t cap, n;
	int has_zero;            /* id 0 (cannot live in a slot) */
};

/* 1 when id is in the set. */
int ots_idset_has(const struct ots_idset *s, uint64_t id);
/* Add id. Returns OTS_OK (also when already there) or OTS_ENOMEM. */
int ots_idset_add(struct ots_idset *s, uint64_t id);
void ots_idset_free(struct ots_idset *s);

#endif
