/*
 * input-barrier: QEMU's clipboard and the server's
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The object is a clipboard peer, like vdagent and VNC: the server's
 * clipboard 0 is CLIPBOARD, 1 is PRIMARY.  The library holds what goes
 * to the server until the pointer leaves the guest, and reassembles what
 * comes from it.
 */

#include "qemu/osdep.h"
#include "input-barrier.h"
#include "trace.h"

void input_barrier_clipboard_from_server(InputBarrier *ib, const bc_action *a)
{
    QemuClipboardSelection sel = a->code ? QEMU_CLIPBOARD_SELECTION_PRIMARY
                                         : QEMU_CLIPBOARD_SELECTION_CLIPBOARD;
    g_autoptr(QemuClipboardInfo) info = NULL;

    if (!ib->cbpeer.notifier.notify || a->code > 1) {
        return;
    }
    trace_input_barrier_clipboard_from_server(ib->label, a->code, a->len);
    if (!a->len) {
        /* no text on the server's side: the selection becomes empty */
        info = qemu_clipboard_info_new(NULL, sel);
        qemu_clipboard_update(info);
        return;
    }
    info = qemu_clipboard_info_new(&ib->cbpeer, sel);
    qemu_clipboard_set_data(&ib->cbpeer, info, QEMU_CLIPBOARD_TYPE_TEXT,
                            a->len, a->data, true);
}

/* Another peer (vdagent, VNC...) took a selection: offer it. */
static void input_barrier_clipboard_notify(Notifier *notifier, void *data)
{
    InputBarrier *ib = container_of(notifier, InputBarrier, cbpeer.notifier);
    QemuClipboardNotify *notify = data;
    QemuClipboardInfo *info = notify->info;
    const uint8_t *text;
    size_t len;

    QEMU_BUILD_BUG_ON(QEMU_CLIPBOARD_SELECTION_PRIMARY != 1);
    if (notify->type != QEMU_CLIPBOARD_UPDATE_INFO || !info->owner ||
        info->owner == &ib->cbpeer || (unsigned)info->selection > 1 ||
        !info->types[QEMU_CLIPBOARD_TYPE_TEXT].available ||
        info == ib->cbsent[info->selection]) {
        /* QEMU 10.2 updates again with the same info on resume */
        return;
    }
    text = info->types[QEMU_CLIPBOARD_TYPE_TEXT].data;
    len = info->types[QEMU_CLIPBOARD_TYPE_TEXT].size;
    if (!text) {
        /* the owner calls qemu_clipboard_set_data() when it has it */
        qemu_clipboard_request(info, QEMU_CLIPBOARD_TYPE_TEXT);
        return;
    }
    /* some peers (VNC clients) include the C string's terminator */
    while (len && !text[len - 1]) {
        len--;
    }
    trace_input_barrier_clipboard_from_guest(ib->label, info->selection,
                                             info->owner->name, len);
    qemu_clipboard_info_unref(ib->cbsent[info->selection]);
    ib->cbsent[info->selection] = qemu_clipboard_info_ref(info);
    IB_CALL(ib, bc_session_set_clipboard(ib->session, info->selection, text,
                                         len));
    input_barrier_run_actions(ib);
}

static void input_barrier_clipboard_request(QemuClipboardInfo *info,
                                            QemuClipboardType type)
{
    /* our updates always carry their data */
}

void input_barrier_clipboard_share(InputBarrier *ib, bool on)
{
    if (ib->cbpeer.notifier.notify) {
        qemu_clipboard_peer_unregister(&ib->cbpeer);
        memset(&ib->cbpeer, 0, sizeof(ib->cbpeer));
    }
    g_clear_pointer(&ib->cbsent[0], qemu_clipboard_info_unref);
    g_clear_pointer(&ib->cbsent[1], qemu_clipboard_info_unref);
    if (on && ib->clipboard && ib->clipboard_max_size) {
        ib->cbpeer.name = "input-barrier";
        ib->cbpeer.notifier.notify = input_barrier_clipboard_notify;
        ib->cbpeer.request = input_barrier_clipboard_request;
        qemu_clipboard_peer_register(&ib->cbpeer);
    }
}
