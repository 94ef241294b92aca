/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libbarrierclient: a Barrier / Input Leap / Deskflow client screen as a
 * sans-IO engine.  The host (QEMU's input-barrier object) owns the socket,
 * the timer and the input devices; this library owns the protocol.
 *
 *   host                                   library
 *   ----                                   -------
 *   bc_session_new(config)            ->   a session, disconnected
 *   bc_session_start(now)             ->   BC_ACTION_CONNECT
 *   (connect finished)
 *   bc_session_connected(now)         ->   BC_ACTION_ARM_TIMER, ...
 *   (bytes arrived)
 *   bc_session_feed(bytes, now)       ->   BC_ACTION_SEND, BC_ACTION_KEY, ...
 *   (timer fired)
 *   bc_session_tick(now)              ->   BC_ACTION_SEND (keepalive), ...
 *   (EOF, error, connect failed)
 *   bc_session_disconnected(now, why) ->   releases, BC_ACTION_ARM_TIMER (retry)
 *   bc_session_free()
 *
 * After every call the host drains the queued actions with
 * bc_session_next_actions() (or one at a time with bc_session_next_action())
 * until it returns 0, and executes them in order.
 * A host ignores action kinds it does not know: new kinds may be added
 * without a change of BC_ABI_VERSION (existing ones never change meaning).
 *
 * Conventions:
 *  - Every function is total over its arguments' values: NULL, bad lengths,
 *    out-of-range values and calls in the wrong order return a negative
 *    BC_E* code; none of them aborts the process.  A handle must be one
 *    bc_session_new() returned and bc_session_free() did not free: reading
 *    through any other pointer is undefined, as in C (a handle without the
 *    library's tag is refused, which catches most such mistakes).
 *  - Time is a monotonic millisecond count chosen by the host (QEMU passes
 *    qemu_clock_get_ms(QEMU_CLOCK_REALTIME)); the library reads no clock.
 *  - Bytes and strings are pointer + length.  Pointers inside a bc_action
 *    are borrowed: valid until the next bc_* call on the same session.
 *  - One session is used by one thread at a time (QEMU: the main loop).
 *  - Key codes are Linux evdev codes (KEY_* from <linux/input-event-codes.h>),
 *    not QKeyCode integers, so a reordering of QEMU's QAPI enum cannot shift
 *    keys; QEMU turns them into qcodes with qemu_input_linux_to_qcode().
 */
#ifndef BARRIERCLIENT_H
#define BARRIERCLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on every incompatible change of this header. */
#define BC_ABI_VERSION 1

/* Absolute pointer positions are scaled to 0..BC_ABS_MAX on each axis. */
#define BC_ABS_MAX 0x7fff

/* Error codes: every function returns >= 0 on success. */
enum {
    BC_OK = 0,
    BC_EINVAL = -1,     /* NULL or malformed argument */
    BC_ESTATE = -2,     /* call not valid in the session's current state */
    BC_ECONFIG = -3,    /* bad configuration value (see bc_session_new) */
    BC_ENOMEM = -4,     /* too large (bc_session_set_clipboard over 16 MiB) */
};

/* Which physical key codes the server sends (its operating system). */
typedef enum bc_keycodes {
    BC_KEYCODES_AUTO = 0,   /* detect from the traffic, from the first key */
    BC_KEYCODES_X11 = 1,    /* X11 / libei: evdev + 8 */
    BC_KEYCODES_WINDOWS = 2,/* set-1 scancode, +0x100 when extended */
    BC_KEYCODES_MACOS = 3,  /* virtual keycode + 1 */
    BC_KEYCODES_OFF = 4,    /* ignore key codes, map keysyms only */
} bc_keycodes;

typedef struct bc_config {
    uint32_t size;          /* sizeof(bc_config); an older, shorter one leaves the newer fields zero */
    const char *name;       /* screen name, UTF-8, 1..255 bytes */
    size_t name_len;
    int32_t x, y;           /* x-origin, y-origin: -32768..32767 */
    int32_t width, height;  /* 1..32767 */
    uint32_t keycodes;      /* bc_keycodes */
    uint32_t reconnect_ms;  /* first retry delay, doubling to 30 s; 0 = never */
    uint32_t clipboard_max; /* bytes; 0 = clipboard sharing off */
    /*
     * Facts checked so that a bad value is refused at creation with the
     * reason (NULL: not checked).  server: host name or address; port:
     * number or service name; tls: a BC_TLS_CREDS_* value (what the host
     * has for TLS); tls_fingerprint: the server's pinned certificate in any
     * form servers show (empty: none), judged by bc_session_tls_done().
     */
    const char *server;
    size_t server_len;
    const char *port;
    size_t port_len;
    int32_t tls;
    const char *tls_fingerprint;
    size_t tls_fingerprint_len;
    /*
     * 1: the host answers BC_ACTION_KEY_SPACE, and key events come no
     * faster than the guest's keyboard takes them; 0: all at once.
     */
    uint32_t pace_keys;
    /*
     * 1: clipboard sharing off, clipboard_max still checked (so that a limit
     * refused when sharing is on is refused when it is off too).
     */
    uint32_t clipboard_off;
} bc_config;

/* bc_config.tls: whether the host does TLS, and with which credentials. */
enum {
    BC_TLS_CREDS_NONE = 0,      /* plain TCP */
    BC_TLS_CREDS_CLIENT = 1,    /* TLS; the credentials are a client's, or not there yet */
    BC_TLS_CREDS_UNUSABLE = 2,  /* TLS, but what is named is no client's credentials */
};

/* Connection states, as shown by the QOM "state" property. */
typedef enum bc_state {
    BC_STATE_DISCONNECTED = 0,  /* no transport; a retry may be armed */
    BC_STATE_CONNECTING = 1,    /* BC_ACTION_CONNECT issued */
    BC_STATE_HANDSHAKING = 2,   /* transport up, hello/QINF/DINF under way */
    BC_STATE_CONNECTED = 3,     /* server accepted us; pointer elsewhere */
    BC_STATE_ACTIVE = 4,        /* the pointer is on this screen */
    BC_STATE_STOPPED = 5,       /* gave up (reconnect_ms 0, or shut down) */
} bc_state;

/* Why the library closed a connection (BC_ACTION_DISCONNECT.code). */
typedef enum bc_reason {
    BC_REASON_NONE = 0,
    BC_REASON_TRANSPORT = 1,    /* host reported EOF / error / connect failure */
    BC_REASON_PROTOCOL = 2,     /* server sent something malformed */
    BC_REASON_TIMEOUT = 3,      /* no hello, or no keepalive for 3 periods */
    BC_REASON_UNKNOWN_NAME = 4, /* EUNK: screen name not in server config */
    BC_REASON_BUSY = 5,         /* EBSY: screen name already connected */
    BC_REASON_VERSION = 6,      /* EICV or an unsupported hello */
    BC_REASON_BAD = 7,          /* EBAD: server says we broke the protocol */
    BC_REASON_BYE = 8,          /* CBYE: server closed us */
    BC_REASON_SHUTDOWN = 9,     /* bc_session_shutdown() */
} bc_reason;

/* Mouse buttons, named as QEMU's InputButton. */
typedef enum bc_button {
    BC_BUTTON_LEFT = 0,
    BC_BUTTON_MIDDLE = 1,
    BC_BUTTON_RIGHT = 2,
    BC_BUTTON_WHEEL_UP = 3,
    BC_BUTTON_WHEEL_DOWN = 4,
    BC_BUTTON_SIDE = 5,         /* back */
    BC_BUTTON_EXTRA = 6,        /* forward */
    BC_BUTTON_WHEEL_LEFT = 7,
    BC_BUTTON_WHEEL_RIGHT = 8,
} bc_button;

typedef enum bc_action_kind {
    BC_ACTION_NONE = 0,
    /* Write data[0..len) to the server, after all earlier SENDs. */
    BC_ACTION_SEND = 1,
    /* Press (down=1) or release (down=0) evdev key `code`. */
    BC_ACTION_KEY = 2,
    /* Press or release bc_button `code`. */
    BC_ACTION_BUTTON = 3,
    /* Absolute pointer position x,y in 0..BC_ABS_MAX. */
    BC_ACTION_MOVE_ABS = 4,
    /* Relative pointer motion x,y (pixels). */
    BC_ACTION_MOVE_REL = 5,
    /* End of an input event batch: qemu_input_event_sync(). */
    BC_ACTION_SYNC = 6,
    /* Call bc_session_tick() at time at_ms (replaces the earlier timer). */
    BC_ACTION_ARM_TIMER = 7,
    /* Start a non-blocking connect to the server (TLS handshake included,
     * when the host does TLS); then report bc_session_connected() or
     * bc_session_disconnected().  If it takes too long, a DISCONNECT comes
     * first: the host abandons the attempt, and a late completion of it
     * must not be reported. */
    BC_ACTION_CONNECT = 8,
    /* Close the transport.  code = bc_reason; data = one-line message
     * (NUL-terminated too).  Also issued after bc_session_disconnected(),
     * so that the host has one clean-up path. */
    BC_ACTION_DISCONNECT = 9,
    /* The state changed to code (bc_state). */
    BC_ACTION_STATE = 10,
    /* Tell the user: data = one-line message (NUL-terminated too).  The
     * library reports each situation once, not once per retry. */
    BC_ACTION_REPORT = 11,
    /* The server's clipboard `code` (0 clipboard, 1 primary) is now the
     * UTF-8 text data[0..len), LF line endings.  len 0: it holds no text
     * (empty, or only HTML or an image), so the guest's is emptied. */
    BC_ACTION_CLIPBOARD = 12,
    /* A diagnostic line for the host's trace, not an error: data = text
     * (NUL-terminated too), e.g. a skipped unknown message. */
    BC_ACTION_TRACE = 13,
    /* Call bc_session_key_space() now, with how many key events the
     * guest's keyboard takes (QEMU: qemu_input_key_space()), then take the
     * actions it queued: the keys that fit.  Only with bc_config.pace_keys.
     * The data of actions taken before stays valid across that call. */
    BC_ACTION_KEY_SPACE = 14,
} bc_action_kind;

typedef struct bc_session bc_session;

typedef struct bc_action {
    uint32_t kind;          /* bc_action_kind */
    uint32_t code;          /* key, button, state, reason, clipboard id */
    int32_t down;           /* KEY, BUTTON: 1 press, 0 release */
    int32_t x, y;           /* MOVE_ABS, MOVE_REL */
    uint64_t at_ms;         /* ARM_TIMER */
    const uint8_t *data;    /* SEND, DISCONNECT, REPORT, CLIPBOARD */
    size_t len;
} bc_action;

/* The library's BC_ABI_VERSION; a host refuses to run with another. */
uint32_t bc_abi_version(void);
/*
 * NULL when a host built for ABI `built_for` can use this library, else a
 * static one-line explanation for the user.
 */
const char *bc_abi_check(uint32_t built_for);

/* A static English text for a BC_E* code, a bc_state or a bc_reason. */
const char *bc_strerror(int err);
const char *bc_state_name(uint32_t state);
const char *bc_reason_name(uint32_t reason);

/*
 * Create a session; on success *out is set and BC_OK returned.  On a bad
 * configuration BC_ECONFIG is returned and, when msg is not NULL, a static
 * one-line explanation stored in *msg.
 */
int bc_session_new(const bc_config *config, bc_session **out,
                   const char **msg);
void bc_session_free(bc_session *s);

/* Begin (or resume after bc_session_shutdown) connecting. */
int bc_session_start(bc_session *s, uint64_t now_ms);
/* The transport from BC_ACTION_CONNECT is up (TLS included). */
int bc_session_connected(bc_session *s, uint64_t now_ms);
/*
 * TLS hosts: the TCP connection from BC_ACTION_CONNECT is up and the TLS
 * handshake starts.  It then has 3 s (not the rest of the 10 s connect
 * bound): a server that stalls it is dropped and retried after the first
 * reconnect delay.  Optional; without it the 10 s bound covers both.
 */
int bc_session_tls_started(bc_session *s, uint64_t now_ms);
/*
 * The same, for a TLS transport whose server certificate the host has
 * verified.  client_fingerprint: the SHA-256 of the certificate the host
 * presented (BC_FINGERPRINT_LEN bytes), or NULL if it sent none; a server
 * that then stays silent is reported as not trusting it, with the line to
 * add to its trusted clients.
 */
int bc_session_connected_tls(bc_session *s, uint64_t now_ms,
                             const uint8_t *client_fingerprint);
/* Bytes received from the server, in any split. */
int bc_session_feed(bc_session *s, const uint8_t *data, size_t len,
                    uint64_t now_ms);
/* The timer armed by BC_ACTION_ARM_TIMER fired (early calls are harmless). */
int bc_session_tick(bc_session *s, uint64_t now_ms);
/*
 * The transport failed (connect error, I/O error: message is the host's
 * one-line description, e.g. strerror's) or the server closed it (message
 * NULL).  The library makes the sentence the user reads.
 */
int bc_session_disconnected(bc_session *s, uint64_t now_ms,
                            const char *message, size_t message_len);
/* How the host's TLS handshake ended (bc_session_tls_done). */
typedef enum bc_tls_outcome {
    BC_TLS_DONE = 0,        /* it ended well */
    BC_TLS_REFUSED = 1,     /* the server sent an alert: it refused us */
    BC_TLS_FAILED = 2,      /* it failed otherwise (the server has TLS off?) */
    BC_TLS_UNVERIFIED = 3,  /* ended, but the creds' own peer check failed */
    BC_TLS_NO_CREDS = 4,    /* could not start: no client credentials by that id */
} bc_tls_outcome;

/*
 * TLS hosts: the handshake over the connect's socket ended.  The host gives
 * the facts: the outcome, the SHA-256 of the certificate the server
 * presented and of the one the host presented (BC_FINGERPRINT_LEN bytes
 * each, NULL when none), and its error text (detail, may be empty).  The
 * library takes the server (as bc_session_connected_tls()) when the
 * handshake ended well and the certificate has the pinned fingerprint;
 * otherwise the attempt fails with a DISCONNECT whose message says what to do.
 */
int bc_session_tls_done(bc_session *s, uint64_t now_ms, uint32_t outcome,
                        const uint8_t *server_fingerprint,
                        const uint8_t *client_fingerprint,
                        const char *detail, size_t detail_len);
/*
 * The answer to BC_ACTION_KEY_SPACE: the guest's keyboard takes `space`
 * more key events now, each with its sync (negative: it cannot tell; the
 * library then gives a few at once and paces the rest).
 */
int bc_session_key_space(bc_session *s, uint64_t now_ms, int32_t space);
/* Stop: release everything held, disconnect, do not retry. */
int bc_session_shutdown(bc_session *s, uint64_t now_ms);

/* The guest's keyboard LEDs (bit 0 Scroll, 1 Num, 2 Caps Lock). */
int bc_session_set_leds(bc_session *s, uint32_t leds);
/* Whether the guest has an absolute pointer; if not, moves are relative. */
int bc_session_set_absolute(bc_session *s, int absolute);

/*
 * The screen rectangle changed (x-origin, y-origin, width, height, with the
 * limits of bc_config).  A connected server is told at once (DINF), and
 * pointer motion is ignored until it acknowledges; otherwise the next
 * handshake carries it.  BC_ECONFIG (and, when msg is not NULL, a static
 * one-line explanation in *msg) for values out of range: nothing changes.
 */
int bc_session_set_screen(bc_session *s, int32_t x, int32_t y, int32_t width,
                          int32_t height, const char **msg);
/*
 * The VM stopped (running 0) or runs again (1).  While it is stopped the
 * connection goes on but no input is issued (QEMU would drop it); when it
 * runs again the guest gets what changed meanwhile: releases of what went
 * up, presses of what is still held, the absolute pointer where it is.
 */
int bc_session_set_running(bc_session *s, int running);

/*
 * The guest's clipboard `id` (0 clipboard, 1 primary) now holds the UTF-8
 * text[0..len): another clipboard peer took it.  The server learns of it
 * (and gets the data when the pointer leaves this screen).
 */
int bc_session_set_clipboard(bc_session *s, uint32_t id, const uint8_t *text,
                             size_t len);

/* Returns 1 and fills *action, or 0 when the queue is empty. */
int bc_session_next_action(bc_session *s, bc_action *action);
/*
 * bc_session_next_action() for a batch, in one call: takes up to capacity
 * actions into actions[0..n) and returns n; n < capacity means the queue is
 * now empty (actions[n..capacity) is left as it was).  The data of every
 * action taken stays valid until the next call.  BC_EINVAL for a NULL
 * array or a capacity of 0.
 */
int bc_session_next_actions(bc_session *s, bc_action *actions, size_t capacity);
/* The current bc_state, or a BC_E* code. */
int bc_session_state(const bc_session *s);
/*
 * The server's key codes in use: the configured bc_keycodes, or under
 * BC_KEYCODES_AUTO what was detected (BC_KEYCODES_X11, _WINDOWS, _MACOS),
 * BC_KEYCODES_AUTO while nothing is; or a BC_E* code.  What was detected
 * holds across reconnects of the session.
 */
int bc_session_keycodes(const bc_session *s);

/*
 * TLS certificate fingerprints: the SHA-256 digest of a certificate's DER
 * encoding, as Barrier, Input Leap and Deskflow pin their peers.
 */
#define BC_FINGERPRINT_LEN 32
/* "v2:sha256:" + 64 hex digits + NUL */
#define BC_FINGERPRINT_TEXT_LEN 75

/*
 * Parse text[0..len) as a fingerprint in any of the forms servers show and
 * store: "v2:sha256:<64 hex digits>", "AB:CD:..." (32 colon-separated hex
 * bytes), or 64 hex digits; any case, surrounding blanks ignored.  Returns
 * BC_OK and fills out[0..32), or BC_EINVAL (out untouched).
 */
int bc_fingerprint_parse(const char *text, size_t len,
                         uint8_t out[BC_FINGERPRINT_LEN]);
/*
 * Write "v2:sha256:<64 lowercase hex digits>" and a NUL to out: the line a
 * trusted-servers / trusted-clients file holds.  Returns the length without
 * the NUL (BC_FINGERPRINT_TEXT_LEN - 1), or BC_EINVAL.
 */
int bc_fingerprint_format(const uint8_t in[BC_FINGERPRINT_LEN],
                          char out[BC_FINGERPRINT_TEXT_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* BARRIERCLIENT_H */
