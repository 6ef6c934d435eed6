/* SPDX-License-Identifier: BSD-3-Clause */
/* error.c: names of the project's error codes. */
#include "ots/error.h"

const char *
ots_strerror(int err)
{
	switch (err) {
	case OTS_OK: return "success";
	case OTS_ETRUNC: return "truncated";
	case OTS_EINVAL: return "malformed";
	case OTS_ELIMIT: return "limit reached";
	case OTS_ENOMEM: return "out of memory";
	case OTS_EIO: return "input/output error";
	case OTS_ENOTSUP: return "not supported";
	}
	return "unknown error";
}
