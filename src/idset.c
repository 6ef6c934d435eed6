/* SPDX-License-Identifier: BSD-3-Clause */
/* idset.c: a set of 64-bit ids (see idset.h). */
#include <stdlib.h>

#include "ots/error.h"
#include "ots/idset.h"

static size_t
home(uint64_t id, size_t cap)
{
	id ^= id >> 33;
	id *= UINT64_C(0xff51afd7ed558ccd);
	id ^= id >> 33;
	return (size_t)id & (cap - 1);
}

int
ots_idset_has(const struct ots_idset *s, uint64_t id)
{
	size_t j;

	if (id == 0)
		return s->has_zero;
	if (!s->cap)
		return 0;
	for (j = home(id, s->cap); s->slot[j]; j = (j + 1) & (s->cap - 1))
		if (s->slot[j] == id)
			return 1;
	return 0;
}

static void
put(uint64_t *slot, size_t cap, uint64_t id)
{
	size_t j;

	for (j = home(id, cap); slot[j]; j = (j + 1) & (cap - 1))
		if (slot[j] == id)
			return;
	slot[j] = id;
}

int
ots_idset_add(struct ots_idset *s, uint64_t id)
{
	if (id == 0) {
		s->has_zero = 1;
		return OTS_OK;
	}
	if (ots_idset_has(s, id))
		return OTS_OK;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64, i;
		uint64_t *v = calloc(cap, sizeof(*v));

		if (!v)
			return OTS_ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->slot[i])
				put(v, cap, s->slot[i]);
		free(s->slot);
		s->slot = v;
		s->cap = cap;
	}
	put(s->slot, s->cap, id);
	s->n++;
	return OTS_OK;
}

void
ots_idset_free(struct ots_idset *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
	s->has_zero = 0;
}
