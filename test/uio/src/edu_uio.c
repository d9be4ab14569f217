/* SPDX-License-Identifier: MIT */
/*
 * edu_uio: a user-space UIO driver for QEMU's `edu` PCI device (run inside the guest of
 * test/uio/guest.mjs). It maps BAR0 through /dev/uio0 (map 0, offset 0), raises each interrupt
 * itself by writing edu's 0x60 register, waits for it, acknowledges it (edu's 0x64 register) and
 * re-enables the interrupt, `--interrupts N` times. Each interrupt is waited for in one of three ways:
 *
 *   --mode read    a blocking read() on /dev/uio0 (it returns the 32-bit interrupt count)
 *   --mode epoll   epoll_wait() on the uio fd, then read()
 *   --mode sigio   F_SETOWN + O_ASYNC on the uio fd, sigsuspend() until SIGIO, then read()
 *
 * Re-enabling:
 *   --reenable config   (default; uio_pci_generic has no irqcontrol) clear the INTx-disable bit,
 *                       bit 2 of byte 5 of /sys/class/uio/uio0/device/config, with pread + pwrite
 *   --reenable write    write(fd, &(int32_t){1}, 4) on /dev/uio0 (needs a driver with an
 *                       irqcontrol: test/uio/edu_irqcontrol)
 *
 * --missed K: K times, two interrupts happen before the read, so the count read jumps by 2 (a
 * missed interrupt). Made reliable by waiting, after each raise, until the kernel has counted the
 * interrupt (the UIO device's sysfs `event` file, which reading does not consume), then
 * acknowledging and re-enabling before raising the second one. In sigio mode both SIGIOs arrive
 * while SIGIO is blocked and coalesce into one delivery.
 *
 * Every count read is checked (+1 per read, +2 after a provoked miss). Last line:
 *   done mode=<mode> interrupts=N missed=K reads=N-K
 * `--wait` as in the fixtures (print "ready <pid>", wait for a line on stdin). `--device /dev/uioN`
 * picks another UIO device (default /dev/uio0).
 */
#include "fixture.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#define EDU_ID 0x00
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_RAISE_VALUE 0x1u /* any non-zero value; it is ORed into the status */
#define INTX_DISABLE 0x04    /* PCI command register bit 10 = bit 2 of config byte 5 */
#define POLL_LIMIT_NS 2000000000ull

enum mode { MODE_READ, MODE_EPOLL, MODE_SIGIO };
static const char *const mode_names[] = { "read", "epoll", "sigio" };

static int uio_fd = -1, config_fd = -1, event_fd = -1, epoll_fd = -1;
static volatile uint32_t *regs;
static bool reenable_write;
static volatile sig_atomic_t sigio_count;
static sigset_t wait_mask; /* the mask during sigsuspend: SIGIO unblocked */

static __attribute__((noreturn)) void usage(void)
{
	fprintf(stderr, "usage: edu_uio [--wait] [--mode read|epoll|sigio] [--interrupts N] "
			"[--missed K] [--reenable config|write] [--device /dev/uioN]\n");
	exit(2);
}

static void on_sigio(int sig)
{
	(void)sig;
	sigio_count++;
}

static uint32_t reg_read(unsigned off)
{
	return regs[off / 4];
}

static void reg_write(unsigned off, uint32_t v)
{
	regs[off / 4] = v;
}

/* The interrupt count the kernel has (sysfs `event`): reading it consumes nothing. */
static long sysfs_event_count(void)
{
	char buf[32];
	ssize_t n = pread(event_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		FX_DIE("pread(event)");
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/* Wait (polling) until the kernel has counted interrupt number `count`. */
static void wait_counted(long count)
{
	uint64_t deadline = fx_now_ns() + POLL_LIMIT_NS;

	while (sysfs_event_count() < count)
		if (fx_now_ns() > deadline)
			fx_fail("interrupt %ld was not counted within 2 s", count);
}

/* Raise an interrupt: edu sets its status and asserts INTx. */
static FX_NOINLINE void raise_irq(void)
{
	reg_write(EDU_IRQ_RAISE, EDU_RAISE_VALUE);
}

/* Clear the INTx-disable bit that uio_pci_generic's handler set. */
static FX_NOINLINE void unmask_config(void)
{
	uint8_t hi;

	ssize_t n;

	n = pread(config_fd, &hi, 1, 5); /* @mark:config-read */
	if (n != 1)
		FX_DIE("pread(config)");
	hi &= (uint8_t)~INTX_DISABLE;
	n = pwrite(config_fd, &hi, 1, 5); /* @mark:intx-unmask */
	if (n != 1)
		FX_DIE("pwrite(config)");
}

/* Re-enable through the driver's irqcontrol: write 1 to /dev/uio0. */
static FX_NOINLINE void unmask_write(void)
{
	int32_t one = 1;
	ssize_t n;

	n = write(uio_fd, &one, sizeof(one)); /* @mark:irq-reenable */
	if (n != sizeof(one))
		FX_DIE("write(uio, 1)");
}

/* Acknowledge at the device (lowers the line), then re-enable the interrupt. */
static void ack_and_reenable(void)
{
	uint32_t status = reg_read(EDU_IRQ_STATUS);

	if (!status)
		fx_fail("edu interrupt status is 0 after an interrupt");
	reg_write(EDU_IRQ_ACK, status);
	if (reenable_write)
		unmask_write();
	else
		unmask_config();
}

static FX_NOINLINE uint32_t wait_read(void)
{
	uint32_t count;
	ssize_t n;

	n = read(uio_fd, &count, sizeof(count)); /* @mark:uio-read */
	if (n != sizeof(count))
		FX_DIE("read(uio)");
	return count;
}

static FX_NOINLINE uint32_t wait_epoll(void)
{
	struct epoll_event ev;
	uint32_t count;
	int n;

	do
		n = epoll_wait(epoll_fd, &ev, 1, 5000); /* @mark:uio-epoll-wait */
	while (n < 0 && errno == EINTR);
	if (n < 0)
		FX_DIE("epoll_wait");
	if (n == 0)
		fx_fail("epoll_wait: no interrupt within 5 s");
	n = read(uio_fd, &count, sizeof(count)); /* @mark:uio-epoll-read */
	if (n != sizeof(count))
		FX_DIE("read(uio)");
	return count;
}

static FX_NOINLINE uint32_t wait_sigio(void)
{
	uint32_t count;
	ssize_t n;

	while (!sigio_count)
		sigsuspend(&wait_mask); /* @mark:uio-sigsuspend */
	sigio_count = 0;
	n = read(uio_fd, &count, sizeof(count)); /* @mark:uio-sigio-read */
	if (n != sizeof(count))
		FX_DIE("read(uio)");
	return count;
}

static FX_NOINLINE void setup_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = uio_fd };
	int ret;

	epoll_fd = epoll_create1(EPOLL_CLOEXEC); /* @mark:uio-epoll-create */
	if (epoll_fd < 0)
		FX_DIE("epoll_create1");
	ret = epoll_ctl(epoll_fd, EPOLL_CTL_ADD, uio_fd, &ev); /* @mark:uio-epoll-ctl */
	if (ret < 0)
		FX_DIE("epoll_ctl");
}

static FX_NOINLINE void setup_sigio(void)
{
	struct sigaction sa = { .sa_handler = on_sigio };
	pid_t self = getpid();
	sigset_t block;
	int flags, ret;

	sigemptyset(&block);
	sigaddset(&block, SIGIO);
	FX_TRY(sigprocmask(SIG_BLOCK, &block, &wait_mask));
	sigdelset(&wait_mask, SIGIO);
	sigemptyset(&sa.sa_mask);
	FX_TRY(sigaction(SIGIO, &sa, NULL));
	ret = fcntl(uio_fd, F_SETOWN, self); /* @mark:uio-setown */
	if (ret < 0)
		FX_DIE("fcntl(F_SETOWN)");
	flags = fcntl(uio_fd, F_GETFL);
	if (flags < 0)
		FX_DIE("fcntl(F_GETFL)");
	ret = fcntl(uio_fd, F_SETFL, flags | O_ASYNC); /* @mark:uio-setfl-async */
	if (ret < 0)
		FX_DIE("fcntl(F_SETFL)");
}

static FX_NOINLINE void open_device(const char *dev)
{
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	char path[128];
	uint32_t id;
	void *p;

	uio_fd = open(dev, O_RDWR | O_CLOEXEC); /* @mark:uio-open */
	if (uio_fd < 0)
		FX_DIE("open(uio)");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, uio_fd, 0); /* @mark:uio-mmap */
	if (p == MAP_FAILED)
		FX_DIE("mmap(uio map 0)");
	regs = p;
	id = reg_read(EDU_ID);
	if ((id & 0xff) != 0xed)
		fx_fail("map 0 is not edu's BAR0 (id register 0x%08x)", id);
	snprintf(path, sizeof(path), "/sys/class/uio/%s/event", name);
	event_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (event_fd < 0)
		FX_DIE("open(event)");
	if (!reenable_write) {
		snprintf(path, sizeof(path), "/sys/class/uio/%s/device/config", name);
		config_fd = open(path, O_RDWR | O_CLOEXEC);
		if (config_fd < 0)
			FX_DIE("open(config)");
	}
}

static long parse_count(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	long interrupts = 1000, missed = 0, reads = 0, seen_missed = 0;
	const char *dev = "/dev/uio0";
	enum mode mode = MODE_READ;
	struct fx_args fa = { .wait = false, .iterations = 1 };
	uint32_t (*wait_fn)(void);
	uint32_t first, last;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--wait")) {
			fa.wait = true;
			continue;
		}
		if (!strcmp(a, "--help")) {
			printf("see the comment at the top of test/uio/src/edu_uio.c\n");
			return 0;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--mode")) {
			if (!strcmp(v, "read"))
				mode = MODE_READ;
			else if (!strcmp(v, "epoll"))
				mode = MODE_EPOLL;
			else if (!strcmp(v, "sigio"))
				mode = MODE_SIGIO;
			else
				usage();
		} else if (!strcmp(a, "--interrupts")) {
			interrupts = parse_count(v);
		} else if (!strcmp(a, "--missed")) {
			missed = parse_count(v);
		} else if (!strcmp(a, "--reenable")) {
			if (!strcmp(v, "write"))
				reenable_write = true;
			else if (strcmp(v, "config"))
				usage();
		} else if (!strcmp(a, "--device")) {
			dev = v;
		} else {
			usage();
		}
	}
	if (interrupts < 1 || 2 * missed > interrupts)
		usage();

	fx_handshake(&fa);
	open_device(dev);
	if (mode == MODE_EPOLL)
		setup_epoll();
	else if (mode == MODE_SIGIO)
		setup_sigio();
	wait_fn = mode == MODE_READ ? wait_read : mode == MODE_EPOLL ? wait_epoll : wait_sigio;

	first = last = (uint32_t)sysfs_event_count();
	for (long done = 0, provoked = 0; done < interrupts;) {
		uint32_t count, expect = last + 1;

		/* The provoked misses are spread over the run: one every interrupts/missed interrupts. */
		if (provoked < missed && done >= provoked * (interrupts / missed) &&
		    done + 2 <= interrupts) {
			/* Two counted interrupts before the next read: the count jumps by 2. */
			raise_irq();
			wait_counted((long)last + 1);
			ack_and_reenable();
			raise_irq();
			wait_counted((long)last + 2);
			expect = last + 2;
			provoked++;
			done++;
		} else {
			raise_irq();
		}
		count = wait_fn();
		reads++;
		done++;
		if (count != expect)
			fx_fail("read #%ld returned count %u, expected %u (previous %u)", reads, count,
				expect, last);
		seen_missed += count - last - 1;
		last = count;
		ack_and_reenable();
	}
	fx_done("mode=%s interrupts=%ld missed=%ld reads=%ld", mode_names[mode],
		(long)(last - first), seen_missed, reads);
	return 0;
}
