/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-savefile.c: differential target of the savefile reader (src/savefile.c) against
 * libpcap. The input is a whole capture file. When libpcap accepts it as a file our reader
 * takes (classic pcap 2.4, Ethernet), both read it record by record and must agree on every
 * record (timestamp, lengths, bytes), on where the file ends and on the error text when a
 * record is cut or corrupt; any difference aborts.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "ots/savefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char perr[PCAP_ERRBUF_SIZE], path[64];
	struct ots_savefile sf;
	FILE *fp;
	pcap_t *h;
	int fd, n = 0;

	if (size < 24 || size > (4u << 20))
		return 0;
	fp = fmemopen((void *)data, size, "rb");
	if (!fp)
		return 0;
	h = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (!h) {
		fclose(fp);
		return 0;
	}
	if (pcap_datalink(h) != DLT_EN10MB || pcap_major_version(h) != 2 ||
	    pcap_minor_version(h) != 4 || pcap_snapshot(h) <= 0) {
		pcap_close(h);
		return 0;
	}
	fd = memfd_create("savefile", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		pcap_close(h);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (ots_savefile_open(&sf, path, pcap_is_swapped(h), (uint32_t)pcap_snapshot(h),
	                      262144) != 0)
		__builtin_trap(); /* libpcap took it: so must we */
	for (;;) {
		struct pcap_pkthdr *ph;
		const u_char *pd;
		struct ots_savefile_pkt p;
		int a = pcap_next_ex(h, &ph, &pd);
		int b = ots_savefile_next(&sf, &p);

		if (a == 1) {
			uint64_t ts = (uint64_t)ph->ts.tv_sec * 1000000u + (uint64_t)ph->ts.tv_usec;

			if (b != 1 || p.ts_us != ts || p.caplen != ph->caplen || p.wirelen != ph->len ||
			    memcmp(p.data, pd, p.caplen) != 0)
				__builtin_trap();
			n++;
			continue;
		}
		if (a == PCAP_ERROR_BREAK) {
			if (b != 0)
				__builtin_trap();
		} else if (b != -1 || strcmp(sf.err, pcap_geterr(h)) != 0) {
			__builtin_trap();
		}
		break;
	}
	(void)n;
	ots_savefile_close(&sf);
	close(fd);
	pcap_close(h);
	return 0;
}
