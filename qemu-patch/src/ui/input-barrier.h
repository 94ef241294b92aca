/*
 * input-barrier: the VM as a screen of a Barrier, Input Leap or Deskflow
 * server; what its files share
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef UI_INPUT_BARRIER_H
#define UI_INPUT_BARRIER_H

#include "qemu/notify.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "qom/object.h"
#include "qapi/qapi-types-sockets.h"
#include "io/channel-socket.h"
#include "crypto/tlscreds.h"
#include "system/runstate.h"
#include "ui/clipboard.h"
#include "ui/console.h"

#include <barrierclient.h>

#define TYPE_INPUT_BARRIER "input-barrier"
OBJECT_DECLARE_SIMPLE_TYPE(InputBarrier, INPUT_BARRIER)

/*
 * What one turn of input_barrier_readable() reads before it returns to the
 * main loop, so that a flooding server cannot keep QEMU there: about 5 000
 * messages, 2 ms of work.  More bought no throughput.
 */
#define INPUT_BARRIER_READ_SIZE (64 * KiB)
/* Actions taken per call: a typical read's whole reaction at once. */
#define INPUT_BARRIER_ACTION_BATCH 16
/*
 * A server that stops reading is dropped rather than buffered forever; room
 * for both clipboards at the largest clipboard-max-size (16 MiB) and more.
 */
#define INPUT_BARRIER_OUTQ_MAX (40 * MiB)

/* A pending name lookup or TLS handshake; ib is cleared when nobody waits. */
typedef struct InputBarrierPending {
    InputBarrier *ib;
} InputBarrierPending;

struct InputBarrier {
    Object parent;

    /* properties */
    char *name;
    SocketAddress saddr;
    int16_t x_origin, y_origin;
    uint16_t width, height;
    uint32_t reconnect_ms;
    int keycodes;               /* InputBarrierKeycodes = bc_keycodes */
    bool clipboard;
    uint32_t clipboard_max_size;
    char *tls_creds;
    char *tls_fingerprint;
    bool enabled;
    bool follow_display;

    /* runtime */
    char *label;                /* object id, for messages */
    bc_session *session;
    uint32_t state;             /* bc_state */
    char *last_error;
    bool draining;              /* inside input_barrier_run_actions() */
    bool drain_again;           /* a nested call queued more meanwhile */
    bool migrating_out;         /* release what is held in a stopped VM */
    bool incoming;              /* connect when the VM runs next */
    bool machine_ready;         /* consoles exist */
    char *io_error;             /* transport failure not yet told */
    InputBarrierPending *pending;
    SocketAddress **addrs;      /* the server's addresses, tried in turn */
    size_t naddrs, next_addr;
    int connect_errno;
    QIOChannelSocket *sioc;
    QIOChannel *ioc;            /* sioc, or the TLS channel over it */
    QCryptoTLSCreds *creds;
    guint read_tag, write_tag;
    GByteArray *outq;
    /* not on the stack: -ftrivial-auto-var-init=zero would clear them */
    uint8_t rbuf[INPUT_BARRIER_READ_SIZE];
    bc_action actions[INPUT_BARRIER_ACTION_BATCH];
    QEMUTimer *timer;
    QEMUPutLEDEntry *led_entry;
    Notifier mouse_mode;
    Notifier machine_done;
    int absolute;               /* told to the library; -1 before */
    VMChangeStateEntry *vmstate;
    NotifierWithReturn migration;
    QemuClipboardPeer cbpeer;
    QemuClipboardInfo *cbsent[2];   /* the guest's, given to the library */
    DisplayChangeListener dcl;
    uint64_t display_checked;   /* when dcl last updated the console */
};

/* A library call that failed is a bug or a race: trace it. */
#define IB_CALL(ib, call) input_barrier_check_rc(ib, #call, call)
void input_barrier_check_rc(InputBarrier *ib, const char *call, int rc);

uint64_t input_barrier_now(void);
void input_barrier_run_actions(InputBarrier *ib);

/* input-barrier-channel.c: the connection to the server */
void input_barrier_connect(InputBarrier *ib);
void input_barrier_close(InputBarrier *ib);
void input_barrier_send(InputBarrier *ib, const void *data, size_t len);
int input_barrier_tls_creds(InputBarrier *ib, bool later);

/* input-barrier-clipboard.c: QEMU's clipboard and the server's */
void input_barrier_clipboard_share(InputBarrier *ib, bool on);
void input_barrier_clipboard_from_server(InputBarrier *ib,
                                         const bc_action *a);

#endif
