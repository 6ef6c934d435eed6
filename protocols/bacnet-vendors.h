/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bacnet-vendors.h: BACnet vendor identifier -> vendor name (private to bacnet.c).
 *
 * Facts from the public ASHRAE BACnet vendor identifier registry (bacnet.org/vendorid),
 * first identifiers only; an id not listed is still reported as VENDOR_ID, without VENDOR.
 */
#ifndef OTS_BACNET_VENDORS_H
#define OTS_BACNET_VENDORS_H

static const char *const bn_vendor_names[] = {
	"ASHRAE",                               /* 0 */
	"NIST",                                 /* 1 */
	"The Trane Company",                    /* 2 */
	"McQuay International",                 /* 3 */
	"PolarSoft",                            /* 4 */
	"Johnson Controls, Inc.",               /* 5 */
	"American Auto-Matrix",                 /* 6 */
	"Siemens Schweiz AG",                   /* 7 (formerly Landis & Staefa Europe) */
	"Delta Controls",                       /* 8 */
	"Siemens Schweiz AG",                   /* 9 */
	"Schneider Electric",                   /* 10 */
	"TAC",                                  /* 11 */
	"Orion Analysis Corporation",           /* 12 */
	"Teletrol Systems Inc.",                /* 13 */
	"Cimetrics Technology",                 /* 14 */
	"Cornell University",                   /* 15 */
	"United Technologies Carrier",          /* 16 */
	"Honeywell Inc.",                       /* 17 */
	"Alerton / Honeywell",                  /* 18 */
	"TAC AB",                               /* 19 */
	"Hewlett-Packard Company",              /* 20 */
	"Dorsette's Inc.",                      /* 21 */
	"Siemens Schweiz AG",                   /* 22 (formerly Cerberus AG) */
	"York Controls Group",                  /* 23 */
	"Automated Logic Corporation",          /* 24 */
	"CSI Control Systems International",    /* 25 */
	"Phoenix Controls Corporation",         /* 26 */
	"Innovex Technologies, Inc.",           /* 27 */
	"KMC Controls, Inc.",                   /* 28 */
	"Xn Technologies, Inc.",                /* 29 */
	"Hyundai Information Technology Co., Ltd.", /* 30 */
	"Tokimec Inc.",                         /* 31 */
	"Simplex",                              /* 32 */
	"North Building Technologies Limited",  /* 33 */
	"Notifier",                             /* 34 */
	"Reliable Controls Corporation",        /* 35 */
	"Tridium Inc.",                         /* 36 */
	"Sierra Monitor Corporation",           /* 37 */
	"Silicon Energy",                       /* 38 */
	"Kieback & Peter GmbH & Co KG",         /* 39 */
	"Anacon Systems, Inc.",                 /* 40 */
	"Systems Controls & Instruments, LLC",  /* 41 */
	"Acuity Brands Lighting, Inc.",         /* 42 */
	"Micropower Manufacturing",             /* 43 */
	"Matrix Controls",                      /* 44 */
	"METALAIRE",                            /* 45 */
	"ESS Engineering",                      /* 46 */
	"Sphere Systems Pty Ltd.",              /* 47 */
	"Walker Technologies Corporation",      /* 48 */
	"H I Solutions, Inc.",                  /* 49 */
	"MBS GmbH",                             /* 50 */
	"SAMSON AG",                            /* 51 */
	"Badger Meter Inc.",                    /* 52 */
	"DAIKIN Industries Ltd.",               /* 53 */
	"NARA Controls Inc.",                   /* 54 */
	"Mammoth Inc.",                         /* 55 */
	"Liebert Corporation",                  /* 56 */
	"SEMCO Incorporated",                   /* 57 */
	"Air Monitor Corporation",              /* 58 */
	"TRIATEK, LLC",                         /* 59 */
	"NexLight",                             /* 60 */
	"Multistack",                           /* 61 */
	"TSI Incorporated",                     /* 62 */
	"Weather-Rite, Inc.",                   /* 63 */
	"Dunham-Bush",                          /* 64 */
	"Reliance Electric",                    /* 65 */
	"LCS Inc.",                             /* 66 */
	"Regulator Australia PTY Ltd.",         /* 67 */
	"Touch-Plate Lighting Controls",        /* 68 */
	"Amann GmbH",                           /* 69 */
	"RLE Technologies",                     /* 70 */
	"Cardkey Systems",                      /* 71 */
	"SECOM Co., Ltd.",                      /* 72 */
	"ABB Gebaudetechnik AG Bereich NetServ", /* 73 */
	"KNX Association cvba",                 /* 74 */
	"Institute of Electrical Installation Engineers of Japan (IEIEJ)", /* 75 */
	"Nohmi Bosai, Ltd.",                    /* 76 */
	"Carel S.p.A.",                         /* 77 */
	"UTC Fire & Security Espana, S.L.",     /* 78 */
	"Hochiki Corporation",                  /* 79 */
	"Fr. Sauter AG",                        /* 80 */
};

#endif
