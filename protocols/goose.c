/* SPDX-License-Identifier: BSD-3-Clause */
/* goose.c: placeholder registered so the build and registry are in place; not written yet. */
#include <stddef.h>
#include <stdint.h>

#include "ots/dissector.h"
#include "ots/error.h"

static int
probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	(void)data;
	(void)len;
	(void)pkt;
	return OTS_PROBE_NO;
}

static int
parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
      const struct ots_dissect_out *out)
{
	(void)state;
	(void)data;
	(void)len;
	(void)pkt;
	(void)out;
	return OTS_OK;
}

const struct ots_dissector ots_dissector_goose = {
	.name = "goose",
	.id = OTS_PROTO_GOOSE,
	.transports = OTS_TR_ETHER,
	.ethertype = 0x88b8,
	.ports = { 0 },
	.max_pdu = 1500,
	.probe = probe,
	.parse = parse,
};
