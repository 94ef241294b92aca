/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The C API as a host sees it, built against the installed header and .so
 * (pkg-config barrierclient):
 *   abi_test FIXTURE [CYCLES]
 * FIXTURE is a real server's bytes (server-to-client.bin).  CYCLES runs that
 * many create/feed/free rounds (for valgrind).  Ends with "N passed, N failed".
 */
#include <barrierclient.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(int ok, const char *what, int line)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL line %d: %s\n", line, what);
    }
}

static bc_config test_config(void)
{
    bc_config c;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.name = "VM-1";
    c.name_len = 4;
    c.width = 1920;
    c.height = 1080;
    c.keycodes = BC_KEYCODES_AUTO;
    c.reconnect_ms = 1000;
    c.clipboard_max = 1 << 20;
    return c;
}

/* What a session produced, counted by kind. */
typedef struct Tally {
    unsigned kinds[16];
    size_t sent;
    size_t clipboard_len;
    unsigned keys_down, keys_up;
} Tally;

static void drain(bc_session *s, Tally *t)
{
    bc_action a;

    while (bc_session_next_action(s, &a) == 1) {
        if (a.kind < 16) {
            t->kinds[a.kind]++;
        }
        switch (a.kind) {
        case BC_ACTION_SEND:
            t->sent += a.len;
            break;
        case BC_ACTION_CLIPBOARD:
            t->clipboard_len = a.len;
            break;
        case BC_ACTION_KEY:
            if (a.down) {
                t->keys_down++;
            } else {
                t->keys_up++;
            }
            break;
        case BC_ACTION_REPORT:
        case BC_ACTION_DISCONNECT:
        case BC_ACTION_TRACE:
            /* Text is NUL-terminated as well as counted. */
            check(a.data && a.data[a.len] == 0, "text NUL-terminated", __LINE__);
            break;
        }
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? n : 1);
    *len = fread(buf, 1, n, f);
    fclose(f);
    return buf;
}

/* One whole session: start, connect, the real server's bytes, shutdown. */
static void run_session(const uint8_t *bytes, size_t len, size_t chunk,
                        Tally *t)
{
    bc_config c = test_config();
    bc_session *s = NULL;
    size_t off;

    memset(t, 0, sizeof(*t));
    if (bc_session_new(&c, &s, NULL) != BC_OK) {
        failed++;
        return;
    }
    bc_session_start(s, 0);
    drain(s, t);
    bc_session_connected(s, 10);
    drain(s, t);
    for (off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        bc_session_feed(s, bytes + off, n, 20);
        drain(s, t);
    }
    bc_session_shutdown(s, 30);
    drain(s, t);
    bc_session_free(s);
}

static void test_abi(void)
{
    CHECK(bc_abi_version() == BC_ABI_VERSION);
    CHECK(strcmp(bc_strerror(BC_EINVAL), "invalid argument") == 0);
    CHECK(strcmp(bc_strerror(12345), "unknown error") == 0);
    CHECK(strcmp(bc_state_name(BC_STATE_ACTIVE), "active") == 0);
    CHECK(strcmp(bc_state_name(99), "unknown") == 0);
    CHECK(strcmp(bc_reason_name(BC_REASON_UNKNOWN_NAME), "unknown-name") == 0);
}

static void test_fingerprint(void)
{
    static const char hex[] =
        "4321aabbccddeeff00112233445566778899aabbccddeeff0011223344556677";
    static const char colons[] =
        "43:21:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:"
        "88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77";
    uint8_t a[BC_FINGERPRINT_LEN], b[BC_FINGERPRINT_LEN];
    char text[BC_FINGERPRINT_TEXT_LEN];
    char v2[100];

    snprintf(v2, sizeof(v2), "v2:sha256:%s", hex);
    CHECK(bc_fingerprint_parse(v2, strlen(v2), a) == BC_OK);
    CHECK(bc_fingerprint_parse(colons, strlen(colons), b) == BC_OK);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    CHECK(bc_fingerprint_parse(hex, strlen(hex), b) == BC_OK);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    CHECK(a[0] == 0x43 && a[31] == 0x77);
    CHECK(bc_fingerprint_format(a, text) == BC_FINGERPRINT_TEXT_LEN - 1);
    CHECK(strcmp(text, v2) == 0);
    CHECK(bc_fingerprint_parse(hex, 63, b) == BC_EINVAL);
    CHECK(bc_fingerprint_parse("nonsense", 8, b) == BC_EINVAL);
    CHECK(bc_fingerprint_parse(NULL, 5, b) == BC_EINVAL);
    CHECK(bc_fingerprint_parse(hex, strlen(hex), NULL) == BC_EINVAL);
    CHECK(bc_fingerprint_format(NULL, text) == BC_EINVAL);
    CHECK(bc_fingerprint_format(a, NULL) == BC_EINVAL);
}

static void test_null_and_garbage(void)
{
    bc_config c = test_config();
    bc_action a;
    uint64_t garbage[8] = { 0x1234, 0x5678 };
    bc_session *g = (bc_session *)garbage;

    CHECK(bc_session_new(NULL, NULL, NULL) == BC_EINVAL);
    CHECK(bc_session_new(&c, NULL, NULL) == BC_EINVAL);
    CHECK(bc_session_start(NULL, 0) == BC_EINVAL);
    CHECK(bc_session_connected(NULL, 0) == BC_EINVAL);
    CHECK(bc_session_tls_started(NULL, 0) == BC_EINVAL);
    CHECK(bc_session_feed(NULL, (const uint8_t *)"x", 1, 0) == BC_EINVAL);
    CHECK(bc_session_tick(NULL, 0) == BC_EINVAL);
    CHECK(bc_session_disconnected(NULL, 0, NULL, 0) == BC_EINVAL);
    CHECK(bc_session_shutdown(NULL, 0) == BC_EINVAL);
    CHECK(bc_session_key_space(NULL, 0, 4) == BC_EINVAL);
    CHECK(bc_session_set_leds(NULL, 0) == BC_EINVAL);
    CHECK(bc_session_set_absolute(NULL, 1) == BC_EINVAL);
    CHECK(bc_session_set_clipboard(NULL, 0, NULL, 0) == BC_EINVAL);
    CHECK(bc_session_next_action(NULL, &a) == BC_EINVAL);
    CHECK(bc_session_next_actions(NULL, &a, 1) == BC_EINVAL);
    CHECK(bc_session_state(NULL) == BC_EINVAL);
    bc_session_free(NULL);
    /* A pointer to something that is not a session is refused. */
    CHECK(bc_session_start(g, 0) == BC_EINVAL);
    CHECK(bc_session_state(g) == BC_EINVAL);
    CHECK(bc_session_next_actions(g, &a, 1) == BC_EINVAL);
    bc_session_free(g);

    CHECK(bc_session_new(&c, &g, NULL) == BC_OK);
    /* an empty queue leaves a zeroed action (found by fuzz-capi) */
    memset(&a, 0xff, sizeof(a));
    CHECK(bc_session_next_action(g, &a) == 0 && a.kind == 0 && a.data == NULL);
    CHECK(bc_session_next_actions(g, NULL, 4) == BC_EINVAL);
    CHECK(bc_session_next_actions(g, &a, 0) == BC_EINVAL);
    CHECK(bc_session_next_actions(g, &a, (size_t)-1) == BC_EINVAL);
    bc_session_free(g);
}

/*
 * Every action of a whole session, as a fingerprint (kind, fields, and an
 * FNV-1a hash of the data), taken one at a time (batch 0) or in batches.
 */
typedef struct Trail {
    uint64_t hash;
    unsigned actions, batches_with_data;
} Trail;

static void trail_add(Trail *t, uint64_t v)
{
    t->hash = (t->hash ^ v) * 0x100000001b3ull;
}

static void trail_drain(bc_session *s, size_t batch, Trail *t)
{
    bc_action a[8];
    int n, i, data;

    for (;;) {
        n = batch ? bc_session_next_actions(s, a, batch)
                  : bc_session_next_action(s, a);
        if (n <= 0) {
            CHECK(n == 0);
            return;
        }
        /* every action's data is still intact after the whole batch */
        data = 0;
        for (i = 0; i < n; i++) {
            trail_add(t, a[i].kind);
            trail_add(t, a[i].code);
            trail_add(t, (uint32_t)a[i].down);
            trail_add(t, (uint32_t)a[i].x);
            trail_add(t, (uint32_t)a[i].y);
            trail_add(t, a[i].at_ms);
            trail_add(t, a[i].len);
            if (a[i].data) {
                for (size_t k = 0; k < a[i].len; k++) {
                    trail_add(t, a[i].data[k]);
                }
                check(a[i].data[a[i].len] == 0, "data NUL-terminated", __LINE__);
                data++;
            }
            t->actions++;
        }
        t->batches_with_data += data > 1;
        if (batch && (size_t)n < batch) {
            /* a short batch means the queue is empty */
            CHECK(bc_session_next_actions(s, a, batch) == 0);
            return;
        }
    }
}

static void trail_session(const uint8_t *bytes, size_t len, size_t batch,
                          Trail *t)
{
    bc_config c = test_config();
    bc_session *s = NULL;

    memset(t, 0, sizeof(*t));
    t->hash = 0xcbf29ce484222325ull;
    if (bc_session_new(&c, &s, NULL) != BC_OK) {
        failed++;
        return;
    }
    bc_session_start(s, 0);
    trail_drain(s, batch, t);
    bc_session_connected(s, 10);
    trail_drain(s, batch, t);
    for (size_t off = 0; off < len; off += 4096) {
        size_t n = len - off < 4096 ? len - off : 4096;
        bc_session_feed(s, bytes + off, n, 20);
        trail_drain(s, batch, t);
    }
    bc_session_disconnected(s, 25, "reset", 5);
    trail_drain(s, batch, t);
    bc_session_shutdown(s, 30);
    trail_drain(s, batch, t);
    bc_session_free(s);
}

/*
 * One batch whose data outgrows the library's buffer after two actions with
 * data were taken: theirs must still be intact when the batch comes back.
 */
static void test_batch_data_survives_growth(void)
{
    static const uint8_t handshake[] = {
        0, 0, 0, 11, 'B', 'a', 'r', 'r', 'i', 'e', 'r', 0, 1, 0, 6,
    };
    static const uint8_t calv_unknown_eunk[] = {
        0, 0, 0, 4, 'C', 'A', 'L', 'V',
        0, 0, 0, 4, 'Z', 'Z', 'Z', 'Z',
        0, 0, 0, 4, 'E', 'U', 'N', 'K',
    };
    char name[200];
    bc_config c = test_config();
    bc_session *s = NULL;
    bc_action a[8];
    int n, i, seen = 0;

    memset(name, 'n', sizeof(name));
    c.name = name;
    c.name_len = sizeof(name);
    CHECK(bc_session_new(&c, &s, NULL) == BC_OK);
    bc_session_start(s, 0);
    bc_session_connected(s, 0);
    bc_session_feed(s, handshake, sizeof(handshake), 0);
    while (bc_session_next_actions(s, a, 8) > 0) {
    }
    bc_session_feed(s, calv_unknown_eunk, sizeof(calv_unknown_eunk), 1);
    n = bc_session_next_actions(s, a, 8);
    CHECK(n >= 3);
    for (i = 0; i < n; i++) {
        const char *text = (const char *)a[i].data;

        switch (a[i].kind) {
        case BC_ACTION_SEND:
            CHECK(a[i].len == 8 && memcmp(text, "\0\0\0\4CALV", 8) == 0);
            seen |= 1;
            break;
        case BC_ACTION_TRACE:
            CHECK(strstr(text, "skipped unknown message ZZZZ") != NULL);
            seen |= 2;
            break;
        case BC_ACTION_DISCONNECT:
            /* over 256 bytes with the name: the buffer grew for it */
            CHECK(a[i].len > 256 && strstr(text, "nnnnnnnnnn") != NULL &&
                  strlen(text) == a[i].len);
            seen |= 4;
            break;
        }
    }
    CHECK(seen == 7);
    bc_session_free(s);
}

/* Batches hand out exactly what single calls do, data included. */
static void test_batches(const uint8_t *bytes, size_t len)
{
    Trail single, b1, b3, b8;

    trail_session(bytes, len, 0, &single);
    trail_session(bytes, len, 1, &b1);
    trail_session(bytes, len, 3, &b3);
    trail_session(bytes, len, 8, &b8);
    CHECK(single.actions > 100);
    CHECK(b1.actions == single.actions && b1.hash == single.hash);
    CHECK(b3.actions == single.actions && b3.hash == single.hash);
    CHECK(b8.actions == single.actions && b8.hash == single.hash);
    /* some batches held several actions with data at once */
    CHECK(b8.batches_with_data > 0);
}

static void test_bad_configuration(void)
{
    bc_session *s = (bc_session *)1;
    const char *msg = NULL;
    bc_config c;

    c = test_config();
    c.width = 0;
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(s == NULL);
    CHECK(msg && strstr(msg, "width and height"));

    c = test_config();
    c.name_len = 0;
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "name"));

    c = test_config();
    c.name_len = 300;
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);

    c = test_config();
    c.clipboard_max = 17 << 20;
    c.clipboard_off = 1;        /* off, and still checked */
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "clipboard-max-size"));

    c = test_config();
    c.name_len = SIZE_MAX;      /* negative as a Swift Int: still refused */
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(s == NULL);

    c = test_config();
    c.keycodes = 9;
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "keycodes"));

    c = test_config();
    c.x = 40000;
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);

    c = test_config();
    c.size = 8;
    CHECK(bc_session_new(&c, &s, &msg) == BC_EINVAL);

    /* a host built before bc_config grew: its size ends before server */
    c = test_config();
    c.server = "";      /* beyond the size given: not read */
    c.size = offsetof(bc_config, server);
    CHECK(bc_session_new(&c, &s, &msg) == BC_OK);
    bc_session_free(s);

    /* the facts checked at creation: empty server or port, bad pins */
    c = test_config();
    c.server = "";
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "server"));
    c = test_config();
    c.port = "";
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "service name"));
    c = test_config();
    c.tls = 1;
    c.tls_fingerprint = "v2:sha256:1234";
    c.tls_fingerprint_len = strlen(c.tls_fingerprint);
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "v2:sha256:<64 hex digits>"));
    c.tls = 0;
    c.tls_fingerprint = "ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:"
                        "ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab";
    c.tls_fingerprint_len = strlen(c.tls_fingerprint);
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "needs tls-creds"));
    c.tls = BC_TLS_CREDS_CLIENT;
    CHECK(bc_session_new(&c, &s, &msg) == BC_OK);
    bc_session_free(s);
    /* credentials that are no client's: the library says what they must be */
    c.tls = BC_TLS_CREDS_UNUSABLE;
    CHECK(bc_session_new(&c, &s, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "tls-creds must be") && strstr(msg, "endpoint=client"));
}

/* The library judges the TLS handshake's facts and makes the sentences. */
static void test_tls_done(void)
{
    bc_config c = test_config();
    bc_session *s = NULL;
    uint8_t fp[BC_FINGERPRINT_LEN], other[BC_FINGERPRINT_LEN];
    bc_action a;
    int reported = 0, connected = 0;

    memset(fp, 0xab, sizeof(fp));
    memset(other, 0xcd, sizeof(other));
    c.tls = 1;
    c.tls_fingerprint = "v2:sha256:abababababababababababababababababababababababababababababababab";
    c.tls_fingerprint_len = strlen(c.tls_fingerprint);
    CHECK(bc_abi_check(BC_ABI_VERSION) == NULL);
    CHECK(bc_abi_check(BC_ABI_VERSION + 1) && strstr(bc_abi_check(0), "ABI"));
    CHECK(bc_session_tls_done(NULL, 0, BC_TLS_DONE, fp, NULL, NULL, 0) == BC_EINVAL);
    CHECK(bc_session_new(&c, &s, NULL) == BC_OK);
    CHECK(bc_session_tls_done(s, 0, BC_TLS_DONE, fp, NULL, NULL, 0) == BC_ESTATE);
    CHECK(bc_session_start(s, 0) == BC_OK);
    CHECK(bc_session_tls_started(s, 1) == BC_OK);
    CHECK(bc_session_tls_done(s, 2, 9, fp, NULL, NULL, 0) == BC_EINVAL);
    CHECK(bc_session_tls_done(s, 2, BC_TLS_DONE, other, NULL, "", 0) == BC_OK);
    while (bc_session_next_action(s, &a) == 1) {
        if (a.kind == BC_ACTION_REPORT) {
            reported++;
            CHECK(strstr((const char *)a.data, "refusing the server") != NULL);
        }
    }
    CHECK(reported == 1);
    CHECK(bc_session_tick(s, 1002) == BC_OK);       /* the retry */
    CHECK(bc_session_tls_started(s, 1003) == BC_OK);
    CHECK(bc_session_tls_done(s, 1004, BC_TLS_DONE, fp, NULL, NULL, 0) == BC_OK);
    while (bc_session_next_action(s, &a) == 1) {
        connected += a.kind == BC_ACTION_STATE && a.code == BC_STATE_HANDSHAKING;
    }
    CHECK(connected == 1);
    CHECK(bc_session_disconnected(s, 1005, NULL, 0) == BC_OK);   /* EOF */
    /* the credentials went away before a handshake: the fix, no detail */
    reported = 0;
    while (bc_session_next_action(s, &a) == 1) {
    }
    CHECK(bc_session_tick(s, 10000) == BC_OK);     /* the retry */
    CHECK(bc_session_tls_done(s, 10001, BC_TLS_NO_CREDS, NULL, NULL, NULL, 0)
          == BC_OK);
    while (bc_session_next_action(s, &a) == 1) {
        if (a.kind == BC_ACTION_REPORT) {
            reported++;
            CHECK(strstr((const char *)a.data, "tls-creds must be") != NULL);
        }
    }
    CHECK(reported == 1);
    bc_session_free(s);
}

static void test_call_order(void)
{
    bc_config c = test_config();
    bc_session *s = NULL;
    Tally t;

    memset(&t, 0, sizeof(t));
    CHECK(bc_session_new(&c, &s, NULL) == BC_OK);
    CHECK(bc_session_state(s) == BC_STATE_STOPPED);
    CHECK(bc_session_connected(s, 0) == BC_ESTATE);
    CHECK(bc_session_feed(s, (const uint8_t *)"abcd", 4, 0) == BC_ESTATE);
    CHECK(bc_session_start(s, 0) == BC_OK);
    CHECK(bc_session_start(s, 0) == BC_ESTATE);
    drain(s, &t);
    CHECK(t.kinds[BC_ACTION_CONNECT] == 1);
    CHECK(bc_session_state(s) == BC_STATE_CONNECTING);
    CHECK(bc_session_disconnected(s, 5, "refused", 7) == BC_OK);
    drain(s, &t);
    CHECK(t.kinds[BC_ACTION_REPORT] == 1);
    CHECK(t.kinds[BC_ACTION_ARM_TIMER] == 2); /* connect deadline, then retry */
    CHECK(bc_session_tick(s, 1005) == BC_OK);
    drain(s, &t);
    CHECK(t.kinds[BC_ACTION_CONNECT] == 2);
    /* TLS: the handshake's 3 s bound replaces the connect's 10 s one */
    CHECK(bc_session_tls_started(s, 1010) == BC_OK);
    CHECK(bc_session_tls_started(s, 1011) == BC_ESTATE);
    drain(s, &t);
    CHECK(t.kinds[BC_ACTION_ARM_TIMER] == 4);
    CHECK(bc_session_tick(s, 4010) == BC_OK);
    drain(s, &t);
    CHECK(t.kinds[BC_ACTION_DISCONNECT] == 2);
    CHECK(bc_session_state(s) == BC_STATE_DISCONNECTED);
    bc_session_free(s);
}

static void test_real_server_session(const uint8_t *bytes, size_t len)
{
    Tally whole, bytewise;

    run_session(bytes, len, len, &whole);
    run_session(bytes, len, 1, &bytewise);
    CHECK(whole.kinds[BC_ACTION_DISCONNECT] == 1); /* only the shutdown */
    CHECK(whole.clipboard_len == 102400);
    /* clipboard 0, the server's empty primary (len 0), clipboard 0 again */
    CHECK(whole.kinds[BC_ACTION_CLIPBOARD] == 3);
    CHECK(whole.keys_down == whole.keys_up);
    CHECK(whole.sent == bytewise.sent);
    CHECK(whole.keys_down == bytewise.keys_down);
    /* hello-back 23 + DINF 22 + 14 keepalive echoes of 8 bytes */
    CHECK(whole.sent == 23 + 22 + 14 * 8);
}

/* The key codes in use: configured, or detected (and kept across a reconnect). */
static void test_keycodes(const uint8_t *bytes, size_t len)
{
    bc_config c = test_config();
    bc_session *s = NULL;
    Tally t;

    memset(&t, 0, sizeof(t));
    CHECK(bc_session_keycodes(NULL) == BC_EINVAL);
    CHECK(bc_session_new(&c, &s, NULL) == BC_OK);
    CHECK(bc_session_keycodes(s) == BC_KEYCODES_AUTO);
    bc_session_start(s, 0);
    bc_session_connected(s, 10);
    bc_session_feed(s, bytes, len, 20);
    drain(s, &t);
    /* the fixture is a real X11 Barrier server typing */
    CHECK(bc_session_keycodes(s) == BC_KEYCODES_X11);
    CHECK(bc_session_disconnected(s, 30, "EOF", 3) == BC_OK);
    drain(s, &t);
    CHECK(bc_session_keycodes(s) == BC_KEYCODES_X11);
    bc_session_free(s);

    c.keycodes = BC_KEYCODES_WINDOWS;
    CHECK(bc_session_new(&c, &s, NULL) == BC_OK);
    CHECK(bc_session_keycodes(s) == BC_KEYCODES_WINDOWS);
    bc_session_free(s);
    c.keycodes = BC_KEYCODES_OFF;
    CHECK(bc_session_new(&c, &s, NULL) == BC_OK);
    CHECK(bc_session_keycodes(s) == BC_KEYCODES_OFF);
    bc_session_free(s);
}

/* Live changes: a new screen rectangle, the VM stopped and running again. */
static void test_live_changes(void)
{
    bc_config c = test_config();
    bc_session *s = NULL;
    const char *msg = NULL;

    CHECK(bc_session_set_screen(NULL, 0, 0, 800, 600, NULL) == BC_EINVAL);
    CHECK(bc_session_set_running(NULL, 1) == BC_EINVAL);
    CHECK(bc_session_new(&c, &s, NULL) == BC_OK);
    CHECK(bc_session_set_screen(s, 0, 0, 800, 600, &msg) == BC_OK);
    CHECK(msg == NULL);
    CHECK(bc_session_set_screen(s, 0, 0, 0, 600, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "width"));
    CHECK(bc_session_set_screen(s, 40000, 0, 10, 10, &msg) == BC_ECONFIG);
    CHECK(msg && strstr(msg, "origin"));
    CHECK(bc_session_set_screen(s, 0, 0, 32768, 10, NULL) == BC_ECONFIG);
    CHECK(bc_session_set_running(s, 0) == BC_OK);
    CHECK(bc_session_set_running(s, 0) == BC_OK);
    CHECK(bc_session_set_running(s, 1) == BC_OK);
    bc_session_free(s);
}

static void test_no_signal_handlers(void)
{
    struct sigaction sa;
    int sig, installed = 0;

    for (sig = 1; sig < 32; sig++) {
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
            sa.sa_handler != SIG_IGN) {
            installed++;
        }
    }
    CHECK(installed == 0);
}

int main(int argc, char **argv)
{
    size_t len = 0;
    uint8_t *bytes;
    long cycles, i;

    if (argc < 2 || !(bytes = read_file(argv[1], &len))) {
        fprintf(stderr, "usage: abi_test server-to-client.bin [cycles]\n");
        return 2;
    }
    cycles = argc > 2 ? atol(argv[2]) : 0;

    test_abi();
    test_fingerprint();
    test_null_and_garbage();
    test_bad_configuration();
    test_tls_done();
    test_call_order();
    test_real_server_session(bytes, len);
    test_keycodes(bytes, len);
    test_live_changes();
    test_batches(bytes, len);
    test_batch_data_survives_growth();
    test_no_signal_handlers();
    for (i = 0; i < cycles; i++) {
        Tally t;

        run_session(bytes, len, 4096, &t);
    }
    free(bytes);
    printf("abi_test: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
