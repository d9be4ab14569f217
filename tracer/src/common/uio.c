// SPDX-License-Identifier: MIT
/* UIO devices from sysfs (uio.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "iolens_wire.h"
#include "rules.h"
#include "output.h"
#include "uio.h"

#define SYS_UIO "/sys/class/uio"

uint32_t uio_kernel_dev(dev_t dev)
{
	return iol_encode_dev(major(dev), minor(dev));
}

/* First line of a sysfs attribute, without its newline; "" when unreadable. */
static void read_attr(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/* The line in /proc/interrupts whose handler is called `name`: its IRQ number, or -1. */
static int32_t irq_by_name(const char *name)
{
	char line[1024];
	int32_t irq = -1;
	FILE *f = fopen("/proc/interrupts", "re");

	if (!f || !name[0])
		goto out;
	while (fgets(line, sizeof(line), f)) {
		char *end, *last;
		long n = strtol(line, &end, 10);

		if (end == line || *end != ':')
			continue;
		line[strcspn(line, "\n")] = 0;
		last = strrchr(line, ' ');
		/* several handlers share a line as "a, b": any of them */
		if (last && (!strcmp(last + 1, name) || strstr(line, name))) {
			irq = (int32_t)n;
			break;
		}
	}
out:
	if (f)
		fclose(f);
	return irq;
}

static bool looks_like_pci(const char *s)
{
	unsigned int dom, bus, slot, fn;
	char tail;

	return sscanf(s, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn, &tail) == 4;
}

static bool describe(const char *entry, struct iol_uio_dev *d)
{
	char dir[256], buf[PATH_MAX], target[PATH_MAX];
	unsigned int maj, min;
	struct stat st;
	ssize_t n;

	memset(d, 0, sizeof(*d));
	if (sscanf(entry, "uio%u", &d->index) != 1)
		return false;
	snprintf(dir, sizeof(dir), SYS_UIO "/%s", entry);
	read_attr(dir, "dev", buf, sizeof(buf));
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		return false; /* going away */
	d->major = maj;
	d->minor = min;
	read_attr(dir, "name", d->name, sizeof(d->name));
	read_attr(dir, "version", d->version, sizeof(d->version));
	snprintf(buf, sizeof(buf), "%s/device", dir);
	n = readlink(buf, target, sizeof(target) - 1);
	if (n > 0) {
		const char *base;

		target[n] = 0;
		base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
		if (looks_like_pci(base) && strlen(base) < sizeof(d->pci))
			memcpy(d->pci, base, strlen(base) + 1);
	}
	/* a PCI device says its IRQ; other drivers only in /proc/interrupts, under their name */
	read_attr(dir, "device/irq", buf, sizeof(buf));
	d->irq = buf[0] && isdigit((unsigned char)buf[0]) ? (int32_t)strtol(buf, NULL, 10) : irq_by_name(d->name);
	if (d->irq == 0)
		d->irq = -1; /* PCI's "no interrupt" */
	snprintf(buf, sizeof(buf), "%s/device/config", dir);
	if (d->pci[0] && stat(buf, &st) == 0) {
		d->config_dev = uio_kernel_dev(st.st_dev);
		d->config_ino = st.st_ino;
	}
	return true;
}

static bool known(const struct iol_uio_set *set, const struct iol_uio_dev *d)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->dev[i].index == d->index && set->dev[i].major == d->major && set->dev[i].minor == d->minor)
			return true;
	return false;
}

int uio_scan(struct iol_uio_set *set, iol_uio_new_cb on_new, void *ctx)
{
	struct dirent *de;
	int found = 0;
	DIR *dir = opendir(SYS_UIO);

	if (!dir)
		return 0; /* no uio module loaded */
	while ((de = readdir(dir))) {
		struct iol_uio_dev d;

		if (strncmp(de->d_name, "uio", 3) || !describe(de->d_name, &d) || known(set, &d))
			continue;
		if (set->n == IOL_UIO_MAX)
			break;
		set->dev[set->n++] = d;
		found++;
		if (on_new)
			on_new(ctx, &d);
	}
	closedir(dir);
	return found;
}

uint8_t uio_classify(const struct iol_uio_set *set, const struct stat *st)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct iol_uio_dev *d = &set->dev[i];

		if (S_ISCHR(st->st_mode) && major(st->st_rdev) == d->major && minor(st->st_rdev) == d->minor)
			return IOL_FD_TYPE_UIO;
		if (S_ISREG(st->st_mode) && d->config_ino && st->st_ino == d->config_ino &&
		    uio_kernel_dev(st->st_dev) == d->config_dev)
			return IOL_FD_TYPE_UIO_CONFIG;
	}
	return 0;
}

struct refresh_ctx {
	struct iol_output *out;
	uint64_t ts;
	iol_uio_new_cb on_new;
	void *ctx;
};

static void send_device(void *ctx, const struct iol_uio_dev *d)
{
	struct refresh_ctx *c = ctx;
	struct iol_rec_uio_device r = { .hdr.kind = IOL_RECORD_KIND_UIO_DEVICE };
	char tail[sizeof(d->name) + sizeof(d->version) + sizeof(d->pci)];
	size_t n = 0;

	r.index = d->index;
	r.irq = d->irq;
	r.dev = iol_encode_dev(d->major, d->minor);
	r.ts = c->ts;
	/* name, version, PCI address: NUL-terminated strings */
	n += (size_t)snprintf(tail + n, sizeof(tail) - n, "%s", d->name) + 1;
	n += (size_t)snprintf(tail + n, sizeof(tail) - n, "%s", d->version) + 1;
	n += (size_t)snprintf(tail + n, sizeof(tail) - n, "%s", d->pci) + 1;
	out_record_tail(c->out, &r, sizeof(r), tail, n);
	if (c->on_new)
		c->on_new(c->ctx, d);
}

int uio_refresh(struct iol_uio_set *set, struct iol_output *out, uint64_t ts, iol_uio_new_cb on_new, void *ctx)
{
	struct refresh_ctx c = { .out = out, .ts = ts, .on_new = on_new, .ctx = ctx };

	return uio_scan(set, send_device, &c);
}
