/* SPDX-License-Identifier: BSD-3-Clause */
/* error.h: the project's error codes. Functions return OTS_OK or one of these (negative). */
#ifndef OTS_ERROR_H
#define OTS_ERROR_H

enum ots_err {
	OTS_OK = 0,
	OTS_ETRUNC = -1, /* need more bytes / packet truncated */
	OTS_EINVAL = -2, /* malformed: a protocol invariant is broken (an anomaly in OT) */
	OTS_ELIMIT = -3, /* a configured cap was hit: count it, stop that flow or packet */
	OTS_ENOMEM = -4, /* allocation failed or memcap reached */
	OTS_EIO = -5,    /* file or device error */
	OTS_ENOTSUP = -6 /* valid input we do not handle (unknown link type ...) */
};

const char *ots_strerror(int err);

#endif
