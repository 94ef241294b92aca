/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One input message at a time into an engine gone cold, as QEMU's main loop
 * delivers a single key or motion after milliseconds of doing other things:
 * before each message the caches and TLBs are flushed by walking 64 MiB,
 * then bc_session_feed and the drain are timed.  Prints the median per
 * message kind.  With --no-evict, the same stream warm: the workload that
 * scripts/hot-path-order.sh profiles under callgrind, which collects only
 * after the handshake and a first round (so it sees the per-event path of a
 * running session, not its setup or its buffers growing).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "barrierclient.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

#define SAMPLES 301
#define JUNK (64u << 20)

static const char *const kinds[] = {
    "DMMV", "DMRM", "DKDN", "DKRP", "DKUP", "DMDN", "DMUP", "DMWM", "CALV",
};
#define KINDS (sizeof(kinds) / sizeof(kinds[0]))

static uint8_t *junk;
static volatile uint64_t sink;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void evict(void)
{
    for (size_t i = 0; i < JUNK; i += 64) {
        junk[i]++;
    }
}

/* The frame of one message of kind k (sample i varies the values). */
static size_t frame(uint8_t *p, unsigned k, unsigned i)
{
    uint8_t f[8];
    size_t n = 0;
    unsigned x = 100 + i % 1000, y = 100 + i % 500;

    switch (k) {
    case 0: f[0] = x >> 8; f[1] = x; f[2] = y >> 8; f[3] = y; n = 4; break;
    case 1: f[0] = 0; f[1] = 1 + i % 3; f[2] = 0xff; f[3] = 0xff; n = 4; break;
    /* key 'a' (0x61), no modifiers, button 38; DKRP count 2 */
    case 2: case 4: f[0] = 0; f[1] = 0x61; f[2] = 0; f[3] = 0; f[4] = 0; f[5] = 38; n = 6; break;
    case 3: f[0] = 0; f[1] = 0x61; f[2] = 0; f[3] = 0; f[4] = 0; f[5] = 2;
            f[6] = 0; f[7] = 38; n = 8; break;
    case 5: case 6: f[0] = 1; n = 1; break;
    case 7: f[0] = 0; f[1] = 0; f[2] = 0; f[3] = 120; n = 4; break;
    case 8: n = 0; break;
    }
    uint32_t len = 4 + n;
    p[0] = len >> 24; p[1] = len >> 16; p[2] = len >> 8; p[3] = len;
    memcpy(p + 4, kinds[k], 4);
    memcpy(p + 8, f, n);
    return 8 + n;
}

static void drain(bc_session *s)
{
    bc_action a[16];
    int n;
    do {
        n = bc_session_next_actions(s, a, 16);
        for (int i = 0; i < n; i++) {
            sink += a[i].kind + a[i].len;
        }
    } while (n == 16);
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const uint8_t handshake[] = {
        0, 0, 0, 11, 'B', 'a', 'r', 'r', 'i', 'e', 'r', 0, 1, 0, 6,
        0, 0, 0, 8, 'D', 'S', 'O', 'P', 0, 0, 0, 0,
        0, 0, 0, 14, 'C', 'I', 'N', 'N', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
    };
    int warm = argc > 1 && !strcmp(argv[1], "--no-evict");
    int samples = warm ? 3 : SAMPLES;
    bc_config c = { sizeof(c), "VM-1", 4, 0, 0, 1920, 1080,
                    BC_KEYCODES_X11, 1000, 1 << 20 };
    static uint64_t t[KINDS][SAMPLES];
    uint64_t all[KINDS * SAMPLES];
    uint8_t m[16];
    bc_session *s;

    junk = calloc(1, JUNK);
    if (!junk || bc_session_new(&c, &s, NULL) != BC_OK) {
        return 1;
    }
    bc_session_start(s, 0);
    drain(s);
    bc_session_connected(s, 0);
    drain(s);
    bc_session_feed(s, handshake, sizeof(handshake), 0);
    drain(s);
    for (int i = 0; i < samples; i++) {
        if (warm && i == 1) {
            CALLGRIND_TOGGLE_COLLECT;
        }
        for (unsigned k = 0; k < KINDS; k++) {
            size_t n = frame(m, k, i);
            if (!warm) {
                evict();
            }
            uint64_t t0 = now_ns();
            bc_session_feed(s, m, n, 1 + i);
            drain(s);
            t[k][i] = now_ns() - t0;
            all[i * KINDS + k] = t[k][i];
        }
    }
    if (warm) {
        return 0;
    }
    printf("capi-cold: feed + drain of one message after a cache flush, median of %d (us):", SAMPLES);
    for (unsigned k = 0; k < KINDS; k++) {
        qsort(t[k], SAMPLES, sizeof(uint64_t), cmp);
        printf(" %s %.2f", kinds[k], t[k][SAMPLES / 2] / 1e3);
    }
    qsort(all, KINDS * SAMPLES, sizeof(uint64_t), cmp);
    printf("; all p50 %.2f p90 %.2f\n", all[KINDS * SAMPLES / 2] / 1e3,
           all[KINDS * SAMPLES * 9 / 10] / 1e3);
    bc_session_free(s);
    return 0;
}
