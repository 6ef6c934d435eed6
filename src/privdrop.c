/* SPDX-License-Identifier: BSD-3-Clause */
/* privdrop.c: --user: directories for the user, then setgroups/setgid/setuid and no capability. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/capability.h>

#include "ots/error.h"
#include "ots/log.h"
#include "ots/privdrop.h"

/* dir, or the directory holding file path (".") */
static void
dir_of(const char *path, int is_file, char *buf, size_t len)
{
	const char *slash;

	if (!is_file) {
		snprintf(buf, len, "%s", path);
		return;
	}
	slash = strrchr(path, '/');
	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

/* As root: create dir and its missing parents; the ones made here belong to the user. */
static int
make_dir(const char *dir, uid_t uid, gid_t gid, const char *user, char *err, size_t errlen)
{
	char p[PATH_MAX];
	size_t i, n = strlen(dir);
	struct stat st;

	if (n == 0 || n >= sizeof(p))
		return OTS_OK;
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (stat(p, &st) != 0) {
			if (mkdir(p, 0750) != 0 && errno != EEXIST) {
				snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
				return OTS_EIO;
			}
			if (chown(p, uid, gid) != 0) {
				snprintf(err, errlen, "cannot give %s to user %s: %s", p, user,
				         strerror(errno));
				return OTS_EIO;
			}
		}
		if (i < n)
			p[i] = '/';
	}
	return OTS_OK;
}

static int
check_writable(const char *dir, const char *what, const char *user, char *err, size_t errlen)
{
	struct stat st;

	if (access(dir, W_OK | X_OK) == 0)
		return OTS_OK;
	if (stat(dir, &st) == 0)
		snprintf(err, errlen, "user %s cannot write %s (the %s directory: owner uid %u, "
		         "mode %04o): give it to %s or choose another directory", user, dir, what,
		         (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), user);
	else
		snprintf(err, errlen, "user %s cannot reach %s (the %s directory): %s", user, dir,
		         what, strerror(errno));
	return OTS_EIO;
}

static int
clear_caps(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
#ifdef PR_CAP_AMBIENT
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); /* EINVAL before 4.3 */
#endif
	if (syscall(SYS_capset, &hdr, data) != 0) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return OTS_EIO;
	}
	memset(data, 0xff, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0 || data[0].effective || data[1].effective ||
	    data[0].permitted || data[1].permitted) {
		snprintf(err, errlen, "capabilities remain after the drop");
		return OTS_EIO;
	}
	return OTS_OK;
}

int
ots_priv_apply(const struct ots_conf *conf, char *err, size_t errlen)
{
	struct { const char *path; int is_file; const char *what; } dirs[3] = {
		{ conf->outdir, 0, "output" },
		{ conf->state_path, 1, "--state" },
		{ conf->baseline_path, 1, "--baseline" },
	};
	struct passwd *pw;
	char d[PATH_MAX], name[256];
	uid_t uid;
	gid_t gid;
	size_t i;
	int rc;

	err[0] = '\0';
	if (!conf->user) {
		if (conf->iface && geteuid() == 0)
			ots_warn("capturing on %s as root: give --user NAME (config 'user:') to run "
			         "unprivileged once the capture is open", conf->iface);
		return OTS_OK;
	}
	errno = 0;
	pw = getpwnam(conf->user);
	if (!pw) {
		snprintf(err, errlen, "--user %s: %s", conf->user,
		         errno ? strerror(errno) : "no such user");
		return OTS_EINVAL;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	snprintf(name, sizeof(name), "%s", pw->pw_name);
	if (uid == 0) {
		snprintf(err, errlen, "--user %s: that is root, nothing would be dropped", name);
		return OTS_EINVAL;
	}
	if (geteuid() == 0) {
		for (i = 0; i < 3; i++) {
			if (!dirs[i].path)
				continue;
			dir_of(dirs[i].path, dirs[i].is_file, d, sizeof(d));
			if ((rc = make_dir(d, uid, gid, name, err, errlen)) != OTS_OK)
				return rc;
		}
	}
	if (getuid() != uid || geteuid() != uid) {
		if (setgroups(1, &gid) != 0) {
			snprintf(err, errlen, "--user %s: setgroups: %s (run as root)", name,
			         strerror(errno));
			return OTS_EIO;
		}
	}
	if (setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(err, errlen, "--user %s: cannot switch to uid %u gid %u: %s", name,
		         (unsigned)uid, (unsigned)gid, strerror(errno));
		return OTS_EIO;
	}
	if (setuid(0) == 0 || getuid() != uid || geteuid() != uid || getegid() != gid) {
		snprintf(err, errlen, "--user %s: the switch did not hold", name);
		return OTS_EIO;
	}
	if ((rc = clear_caps(err, errlen)) != OTS_OK)
		return rc;
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	for (i = 0; i < 3; i++) {
		if (!dirs[i].path)
			continue;
		dir_of(dirs[i].path, dirs[i].is_file, d, sizeof(d));
		if ((rc = check_writable(d, dirs[i].what, name, err, errlen)) != OTS_OK)
			return rc;
	}
	return OTS_OK;
}
