/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The shipped library through its C API, as the QEMU shim drives it: a mixed
 * stream (per 10 messages: 6 moves, key down, key up, 2 wheel steps) fed
 * 64 KiB at a time, every action drained with bc_session_next_actions.
 * Also counts the heap allocations made by the library while the stream
 * runs (malloc interposed).  Built and run by make bench-core and make bench.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "barrierclient.h"

static unsigned long mallocs;
static int counting;

void *malloc(size_t n)
{
    static void *(*real)(size_t);
    if (!real) {
        real = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    }
    if (counting) {
        mallocs++;
    }
    return real(n);
}

/* Embedded Swift allocates with posix_memalign. */
int posix_memalign(void **out, size_t align, size_t n)
{
    static int (*real)(void **, size_t, size_t);
    if (!real) {
        real = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    }
    if (counting) {
        mallocs++;
    }
    return real(out, align, n);
}

static uint8_t *put(uint8_t *p, const char *code, const uint8_t *f, size_t n)
{
    uint32_t len = 4 + n;
    p[0] = len >> 24; p[1] = len >> 16; p[2] = len >> 8; p[3] = len;
    memcpy(p + 4, code, 4);
    memcpy(p + 8, f, n);
    return p + 8 + n;
}

static uint8_t *mixed(size_t count, size_t *len)
{
    uint8_t *buf = malloc(count * 16 + 64), *p = buf;
    for (size_t i = 0; i < count; i++) {
        unsigned k = i % 10;
        if (k < 6) {
            unsigned x = 100 + (i * 7) % 1720, y = 100 + (i * 3) % 880;
            uint8_t f[4] = { x >> 8, x, y >> 8, y };
            p = put(p, "DMMV", f, 4);
        } else if (k < 8) {
            uint8_t f[6] = { 0, 0x61, 0, 0, 0, 38 };
            p = put(p, k == 6 ? "DKDN" : "DKUP", f, 6);
        } else {
            int16_t d = k == 8 ? 120 : -120;
            uint8_t f[4] = { 0, 0, (uint16_t)d >> 8, (uint8_t)d };
            p = put(p, "DMWM", f, 4);
        }
    }
    *len = p - buf;
    return buf;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* As the shim drains: batches of 16. */
static void drain(bc_session *s, unsigned long *n)
{
    bc_action a[16];
    int k;
    do {
        k = bc_session_next_actions(s, a, 16);
        if (k > 0) {
            *n += k;
        }
    } while (k == 16);
}

int main(void)
{
    static const uint8_t handshake[] = {
        0, 0, 0, 11, 'B', 'a', 'r', 'r', 'i', 'e', 'r', 0, 1, 0, 6,
        0, 0, 0, 8, 'D', 'S', 'O', 'P', 0, 0, 0, 0,
        0, 0, 0, 14, 'C', 'I', 'N', 'N', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
    };
    size_t count = 1000000, len;
    uint8_t *stream = mixed(count, &len);
    double best = 1e9;
    unsigned long actions = 0, allocs = 0;

    for (int round = 0; round < 7; round++) {
        bc_config c = { sizeof(c), "VM-1", 4, 0, 0, 1920, 1080,
                        BC_KEYCODES_X11, 1000, 1 << 20 };
        bc_session *s;
        if (bc_session_new(&c, &s, NULL) != BC_OK) {
            return 1;
        }
        unsigned long n = 0;
        bc_session_start(s, 0);
        drain(s, &n);
        bc_session_connected(s, 0);
        drain(s, &n);
        bc_session_feed(s, handshake, sizeof(handshake), 0);
        drain(s, &n);
        /* warm up: the queue and buffers reach their working size */
        bc_session_feed(s, stream, 65536 - 65536 % 12, 1);
        drain(s, &n);
        n = 0;
        mallocs = 0;
        counting = 1;
        double t0 = now();
        for (size_t off = 0; off < len; off += 65536) {
            size_t k = len - off < 65536 ? len - off : 65536;
            bc_session_feed(s, stream + off, k, 1);
            drain(s, &n);
        }
        double dt = now() - t0;
        counting = 0;
        if (dt < best) {
            best = dt;
        }
        actions = n;
        allocs = mallocs;
        bc_session_free(s);
    }
    printf("C API (feed + next_actions): %.1f M messages/s, %.2f actions/message, "
           "%.3f heap allocations/message (best of 7)\n",
           count / best / 1e6, (double)actions / count, (double)allocs / count);
    return 0;
}
