/* SPDX-License-Identifier: MIT */
/*
 * UIO devices (/sys/class/uio/uioN): found at attach and whenever the loader looks again, so a
 * device that appears mid-trace (a module loaded, a device bound) is known before it is opened.
 * Only sysfs and /proc/interrupts are read: text the kernel produced.
 */
#ifndef IOLENS_UIO_H
#define IOLENS_UIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#define IOL_UIO_MAX 64

/* One UIO device. */
struct iol_uio_dev {
	uint32_t index;       /* N of uioN */
	int32_t irq;          /* its interrupt line, -1 when it has none or it is unknown */
	uint32_t major, minor; /* of /dev/uioN */
	uint32_t config_dev;  /* its PCI config space file: kernel dev_t of sysfs and inode, 0 if none */
	uint64_t config_ino;
	char name[64];        /* the driver's name for it (uio_pci_generic, ...) */
	char version[64];
	char pci[32];         /* PCI address (0000:00:03.0) or "" */
};

/* The devices seen so far. */
struct iol_uio_set {
	size_t n;
	struct iol_uio_dev dev[IOL_UIO_MAX];
};

/* Called for each device not seen before. */
typedef void (*iol_uio_new_cb)(void *ctx, const struct iol_uio_dev *dev);

/* Look for devices; `on_new` for each new one. Returns how many were new (0 without UIO). */
int uio_scan(struct iol_uio_set *set, iol_uio_new_cb on_new, void *ctx);

struct iol_output;
/* Look for devices and send a uio_device record for each new one, then call `on_new` (may be
 * NULL) for it. Returns how many were new. */
int uio_refresh(struct iol_uio_set *set, struct iol_output *out, uint64_t ts, iol_uio_new_cb on_new, void *ctx);
/* IOL_FD_TYPE_UIO for /dev/uioN, IOL_FD_TYPE_UIO_CONFIG for a device's config space, else 0. */
uint8_t uio_classify(const struct iol_uio_set *set, const struct stat *st);
/* A dev_t in the kernel's encoding (iol_encode_dev), as fd records and the BPF side use it. */
uint32_t uio_kernel_dev(dev_t dev);

#endif
