/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * evdev-reader: the guest side of the guest-level end-to-end tests.
 *
 * PID 1's last step in the test guest (Tests/e2e/guest/init).  Opens every
 * /dev/input/event* (and the ones that appear later: hot-plug), and writes
 * one line per device and per event to stdout, the serial console, where
 * Tests/e2e/harness/guest.py parses them:
 *
 *   @dev N rel=HEX abs=HEX x=MIN:MAX y=MIN:MAX ax=V ay=V name=NAME
 *   @ev N TYPE CODE VALUE        (EV_SYN and EV_MSC left out)
 *   @gone N                      (the device went away)
 *   @ready                       (the devices present at start are listed)
 *   @dropped N                   (the kernel dropped events of device N
 *                                 because this reader was late: SYN_DROPPED)
 *
 * The serial console is slow (about 500 lines a second) and the kernel keeps
 * only some 64 events per reader, so lines go to an output buffer that is
 * written while the devices are read: a burst is read whole, then printed.
 * N is the number of /dev/input/eventN; rel and abs are the device's
 * EV_REL and EV_ABS capability bits, x and y its ABS_X/ABS_Y range and
 * ax/ay their values when it was opened (evdev drops repeated absolute
 * values, so the harness tracks positions from there).
 *
 * Static (gcc -static), no dependencies beyond libc.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_DEVICES 64
#define RESCAN_MS 100
#define OUT_SIZE (4 << 20)

/* What is not printed yet: out[out_start..out_end). */
static char out[OUT_SIZE];
static size_t out_start, out_end;

/* Writes what stdout takes now (it is non-blocking). */
static void flush_some(void)
{
    while (out_start < out_end) {
        ssize_t n = write(1, out + out_start, out_end - out_start);

        if (n < 0) {
            if (errno != EINTR) {
                return;
            }
            continue;
        }
        out_start += n;
    }
    out_start = out_end = 0;
}

struct device {
    int fd;
    int number;
};

static struct device devices[MAX_DEVICES];
static int ndevices;

/* One whole line in one write: lines never interleave with each other. */
static void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if (n > (int)sizeof(line) - 2) {
        n = sizeof(line) - 2;
    }
    line[n++] = '\n';
    if (out_end + n > OUT_SIZE) {
        memmove(out, out + out_start, out_end - out_start);
        out_end -= out_start;
        out_start = 0;
        if (out_end + n > OUT_SIZE) {
            return;
        }
    }
    memcpy(out + out_end, line, n);
    out_end += n;
}

static int known(int number)
{
    for (int i = 0; i < ndevices; i++) {
        if (devices[i].number == number) {
            return 1;
        }
    }
    return 0;
}

static void describe(int fd, int number)
{
    char name[256] = "?";
    unsigned long rel = 0, abs = 0;
    struct input_absinfo ax = {0}, ay = {0};

    ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name);
    ioctl(fd, EVIOCGBIT(EV_REL, sizeof(rel)), &rel);
    ioctl(fd, EVIOCGBIT(EV_ABS, sizeof(abs)), &abs);
    if (abs & (1UL << ABS_X)) {
        ioctl(fd, EVIOCGABS(ABS_X), &ax);
    }
    if (abs & (1UL << ABS_Y)) {
        ioctl(fd, EVIOCGABS(ABS_Y), &ay);
    }
    say("@dev %d rel=%lx abs=%lx x=%d:%d y=%d:%d ax=%d ay=%d name=%s",
        number, rel, abs, ax.minimum, ax.maximum, ay.minimum, ay.maximum,
        ax.value, ay.value, name);
}

static void scan(void)
{
    DIR *dir = opendir("/dev/input");
    struct dirent *de;

    if (!dir) {
        return;
    }
    while ((de = readdir(dir)) != NULL && ndevices < MAX_DEVICES) {
        char path[300];
        int number, fd;

        if (sscanf(de->d_name, "event%d", &number) != 1 || known(number)) {
            continue;
        }
        snprintf(path, sizeof(path), "/dev/input/%s", de->d_name);
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        devices[ndevices].fd = fd;
        devices[ndevices].number = number;
        ndevices++;
        describe(fd, number);
    }
    closedir(dir);
}

static void forget(int i)
{
    say("@gone %d", devices[i].number);
    close(devices[i].fd);
    devices[i] = devices[--ndevices];
}

/* Everything the device has queued; 0 once it is gone. */
static int drain(struct device *d)
{
    struct input_event ev[64];

    for (;;) {
        ssize_t n = read(d->fd, ev, sizeof(ev));

        if (n < 0) {
            return errno == EAGAIN || errno == EINTR;
        }
        if (n == 0) {
            return 0;
        }
        for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
            if (ev[i].type == EV_SYN && ev[i].code == SYN_DROPPED) {
                say("@dropped %d", d->number);
            }
            if (ev[i].type == EV_SYN || ev[i].type == EV_MSC) {
                continue;
            }
            say("@ev %d %u %u %d", d->number, ev[i].type, ev[i].code,
                ev[i].value);
        }
    }
}

int main(void)
{
    struct pollfd pfd[MAX_DEVICES + 1];

    fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
    scan();
    say("@ready");
    for (;;) {
        int n;

        flush_some();
        for (int i = 0; i < ndevices; i++) {
            pfd[i].fd = devices[i].fd;
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
        }
        /* stdout last: poll() wakes when it takes more */
        pfd[ndevices].fd = out_start < out_end ? 1 : -1;
        pfd[ndevices].events = POLLOUT;
        pfd[ndevices].revents = 0;
        n = poll(pfd, ndevices + 1, RESCAN_MS);
        if (n > 0 && pfd[ndevices].revents && n == 1 &&
            !(pfd[ndevices].revents & ~POLLOUT)) {
            continue;
        }
        if (n <= 0) {
            scan();     /* hot-plugged devices show up within RESCAN_MS */
            continue;
        }
        /* backwards: forget() moves the last device into slot i */
        for (int i = ndevices - 1; i >= 0; i--) {
            if (pfd[i].revents && !drain(&devices[i])) {
                forget(i);
            }
        }
    }
}
