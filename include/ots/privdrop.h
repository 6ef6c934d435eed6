/* SPDX-License-Identifier: BSD-3-Clause */
/* privdrop.h: --user: switch to an unprivileged user once the capture is open (src/privdrop.c). */
#ifndef OTS_PRIVDROP_H
#define OTS_PRIVDROP_H

#include <stddef.h>

#include "ots/conf-t.h"

/*
 * Called once the capture handles are open and before any thread starts. With conf->user:
 * as root, creates the output directory and the directories of --state and --baseline when
 * missing, owned by the user; then setgroups/setgid/setuid to the user, clears every
 * capability (effective, permitted, inheritable, ambient) and sets no_new_privs; then checks
 * the user can write the output directory and the --state / --baseline directories. Without
 * conf->user: warns when root captures live. Returns OTS_OK, or OTS_EINVAL (no such user,
 * root) / OTS_EIO (a switch or a check failed) with err one line naming the user and the path. Main thread only.
 */
int ots_priv_apply(const struct ots_conf *conf, char *err, size_t errlen);

#endif
