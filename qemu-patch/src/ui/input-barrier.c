/*
 * input-barrier: the VM as a screen of a Barrier, Input Leap or Deskflow
 * server
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libbarrierclient speaks the protocol: bytes and a clock go in, actions
 * come out (bytes to send, input to inject, a timer to arm, connect,
 * disconnect, what to tell the user), and it makes every sentence the user
 * reads.  This object owns what needs QEMU: the socket and TLS (in
 * input-barrier-channel.c), the clipboard (input-barrier-clipboard.c), the
 * timer, the input layer, the guest's display and the VM's run state, and
 * executes the actions in input_barrier_run_actions(), the only place that
 * does.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "qapi/qapi-types-qom.h"
#include "qapi/qapi-visit-qom.h"
#include "qapi/qmp/qerror.h"
#include "qapi/visitor.h"
#include "qom/object_interfaces.h"
#include "migration/misc.h"
#include "system/reset.h"
#include "system/system.h"
#include "ui/input.h"
#include "ui/surface.h"
#include "input-barrier.h"
#include "trace.h"

/* The library's enums are QEMU's, value for value. */
QEMU_BUILD_BUG_ON((int)BC_BUTTON_WHEEL_RIGHT != (int)INPUT_BUTTON_WHEEL_RIGHT);
QEMU_BUILD_BUG_ON((int)BC_KEYCODES_OFF != (int)INPUT_BARRIER_KEYCODES_OFF);
QEMU_BUILD_BUG_ON((int)BC_STATE_STOPPED != (int)INPUT_BARRIER_STATE_STOPPED);

/* How often a display that only changes when drawn (VGA) is looked at. */
#define INPUT_BARRIER_DISPLAY_INTERVAL_MS 500

uint64_t input_barrier_now(void)
{
    return qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

void input_barrier_check_rc(InputBarrier *ib, const char *call, int rc)
{
    if (rc < 0) {
        trace_input_barrier_lib_error(ib->label, call, bc_strerror(rc));
    }
}

/* The actions. */

/*
 * QEMU drops input while the VM is stopped; what a VM migrating away holds
 * must still be released before its state is saved, so it goes straight
 * to the devices.
 */
static void input_barrier_send_now(InputEvent evt)
{
    qemu_input_event_send_impl(NULL, &evt);
    qemu_input_event_sync_impl();
}

static void input_barrier_do_action(InputBarrier *ib, const bc_action *a)
{
    int qcode;

    switch (a->kind) {
    case BC_ACTION_SEND:
        input_barrier_send(ib, a->data, a->len);
        break;
    case BC_ACTION_KEY:
        qcode = qemu_input_linux_to_qcode(a->code);
        if (qcode == Q_KEY_CODE_UNMAPPED) {
            break;
        }
        if (!ib->migrating_out) {
            qemu_input_event_send_key_qcode(NULL, qcode, a->down);
            break;
        }
        input_barrier_send_now((InputEvent) {
            .type = INPUT_EVENT_KIND_KEY,
            .u.key.data = &(InputKeyEvent) {
                .key = &(KeyValue) { .type = KEY_VALUE_KIND_QCODE,
                                     .u.qcode.data = qcode },
                .down = a->down } });
        break;
    case BC_ACTION_BUTTON:
        if (a->code >= INPUT_BUTTON__MAX) {
            break;
        }
        if (!ib->migrating_out) {
            qemu_input_queue_btn(NULL, a->code, a->down);
            break;
        }
        input_barrier_send_now((InputEvent) {
            .type = INPUT_EVENT_KIND_BTN,
            .u.btn.data = &(InputBtnEvent) { .button = a->code,
                                              .down = a->down } });
        break;
    case BC_ACTION_MOVE_ABS:
        qemu_input_queue_abs(NULL, INPUT_AXIS_X, a->x, 0, BC_ABS_MAX);
        qemu_input_queue_abs(NULL, INPUT_AXIS_Y, a->y, 0, BC_ABS_MAX);
        break;
    case BC_ACTION_MOVE_REL:
        qemu_input_queue_rel(NULL, INPUT_AXIS_X, a->x);
        qemu_input_queue_rel(NULL, INPUT_AXIS_Y, a->y);
        break;
    case BC_ACTION_SYNC:
        qemu_input_event_sync();
        break;
    case BC_ACTION_ARM_TIMER:
        timer_mod(ib->timer, MIN(a->at_ms, (uint64_t)INT64_MAX));
        break;
    case BC_ACTION_CONNECT:
        input_barrier_connect(ib);
        break;
    case BC_ACTION_DISCONNECT:
        trace_input_barrier_disconnect(ib->label, bc_reason_name(a->code),
                                       (const char *)a->data);
        if (a->code != BC_REASON_SHUTDOWN) {
            g_free(ib->last_error);
            ib->last_error = g_strndup((const char *)a->data, a->len);
        }
        input_barrier_close(ib);
        break;
    case BC_ACTION_STATE:
        trace_input_barrier_state(ib->label, bc_state_name(ib->state),
                                  bc_state_name(a->code));
        ib->state = a->code;
        break;
    case BC_ACTION_REPORT:
        error_report("input-barrier %s: %s", ib->label, (const char *)a->data);
        break;
    case BC_ACTION_TRACE:
        trace_input_barrier_lib_trace(ib->label, (const char *)a->data);
        break;
    case BC_ACTION_CLIPBOARD:
        input_barrier_clipboard_from_server(ib, a);
        break;
    case BC_ACTION_KEY_SPACE:
        /* the keys that fit come as the next actions */
        IB_CALL(ib, bc_session_key_space(ib->session, input_barrier_now(),
                                         qemu_input_key_space(NULL)));
        ib->drain_again = true;
        break;
    }
}

/* The only place that executes the library's actions. */
void input_barrier_run_actions(InputBarrier *ib)
{
    g_autofree char *msg = NULL;
    int i, n;

    if (!ib->session || ib->draining) {
        ib->drain_again = true;         /* the outer loop drains it */
        return;
    }
    ib->draining = true;
    do {
        do {
            ib->drain_again = false;
            n = bc_session_next_actions(ib->session, ib->actions,
                                        ARRAY_SIZE(ib->actions));
            for (i = 0; i < n; i++) {
                input_barrier_do_action(ib, &ib->actions[i]);
            }
        } while (n == ARRAY_SIZE(ib->actions) || ib->drain_again);
        g_free(msg);
        msg = g_steal_pointer(&ib->io_error);
        if (msg) {
            /* an empty text is the server's close */
            IB_CALL(ib, bc_session_disconnected(ib->session,
                                                input_barrier_now(),
                                                *msg ? msg : NULL,
                                                strlen(msg)));
        }
    } while (msg);
    ib->draining = false;
}

/* What the library hears from QEMU. */

static void input_barrier_timer_cb(void *opaque)
{
    InputBarrier *ib = opaque;

    IB_CALL(ib, bc_session_tick(ib->session, input_barrier_now()));
    input_barrier_run_actions(ib);
}

static void input_barrier_led_event(void *opaque, int ledstate)
{
    InputBarrier *ib = opaque;

    QEMU_BUILD_BUG_ON(QEMU_CAPS_LOCK_LED != 1 << 2);
    IB_CALL(ib, bc_session_set_leds(ib->session, ledstate & 7));
    input_barrier_run_actions(ib);
}

/* A guest reset turns its lock LEDs off, whatever its keyboard said. */
static void input_barrier_reset(void *opaque)
{
    input_barrier_led_event(opaque, 0);
}

/*
 * Absolute moves whenever a device takes them, whichever pointer the guest
 * activated last; relative ones only without an absolute pointer.  Called
 * again when a pointer comes, goes or is activated.
 */
static void input_barrier_mouse_mode(Notifier *notifier, void *data)
{
    InputBarrier *ib = container_of(notifier, InputBarrier, mouse_mode);
    int absolute = qemu_input_has_absolute(NULL);

    if (absolute != ib->absolute) {
        trace_input_barrier_pointer(ib->label,
                                    absolute ? "absolute" : "relative");
        ib->absolute = absolute;
        IB_CALL(ib, bc_session_set_absolute(ib->session, absolute));
        input_barrier_run_actions(ib);
    }
}

/*
 * follow-display: the screen is as large as the guest's display, the first
 * graphic console.  A placeholder surface (no device, or the guest has not
 * set a mode yet) says nothing.  A size the protocol cannot carry keeps the
 * last one.
 */
static void input_barrier_display_switch(DisplayChangeListener *dcl,
                                         DisplaySurface *surface)
{
    InputBarrier *ib = container_of(dcl, InputBarrier, dcl);
    int width, height;

    if (!surface || surface_is_placeholder(surface)) {
        return;
    }
    width = surface_width(surface);
    height = surface_height(surface);
    trace_input_barrier_display(ib->label, width, height);
    if ((width != ib->width || height != ib->height) &&
        bc_session_set_screen(ib->session, ib->x_origin, ib->y_origin,
                              width, height, NULL) == BC_OK) {
        ib->width = width;
        ib->height = height;
        input_barrier_run_actions(ib);
    }
}

/* With a VNC client too, refreshes come every 30 ms: look less often. */
static void input_barrier_display_refresh(DisplayChangeListener *dcl)
{
    InputBarrier *ib = container_of(dcl, InputBarrier, dcl);
    uint64_t now = input_barrier_now();

    if (now - ib->display_checked >= INPUT_BARRIER_DISPLAY_INTERVAL_MS) {
        ib->display_checked = now;
        graphic_hw_update(dcl->con);
    }
}

static const DisplayChangeListenerOps input_barrier_display_ops = {
    .dpy_name = "input-barrier",
    .dpy_refresh = input_barrier_display_refresh,
    .dpy_gfx_switch = input_barrier_display_switch,
};

static void input_barrier_follow_display(InputBarrier *ib)
{
    QemuConsole *con = qemu_console_lookup_default();

    if (ib->dcl.ds) {
        unregister_displaychangelistener(&ib->dcl);
    }
    if (ib->follow_display && ib->machine_ready && con &&
        qemu_console_is_graphic(con)) {
        ib->dcl.con = con;
        register_displaychangelistener(&ib->dcl);
    }
}

static void input_barrier_machine_done(Notifier *notifier, void *data)
{
    InputBarrier *ib = container_of(notifier, InputBarrier, machine_done);

    ib->machine_ready = true;
    input_barrier_follow_display(ib);
}

static void input_barrier_start(InputBarrier *ib)
{
    if (ib->enabled && !ib->incoming) {
        IB_CALL(ib, bc_session_start(ib->session, input_barrier_now()));
    }
    input_barrier_run_actions(ib);
}

/*
 * The VM stopped or runs again: the library tracks the server meanwhile
 * and brings the guest in line on resume.  A VM migrating away releases
 * what it holds and frees its screen name for the destination, which
 * connects when it starts running.
 */
static void input_barrier_vm_state(void *opaque, bool running, RunState rs)
{
    InputBarrier *ib = opaque;

    trace_input_barrier_vm_state(ib->label, RunState_str(rs));
    if (running && ib->incoming) {
        ib->incoming = false;
        input_barrier_start(ib);
    }
    if (rs == RUN_STATE_FINISH_MIGRATE) {
        ib->migrating_out = true;
        IB_CALL(ib, bc_session_shutdown(ib->session, input_barrier_now()));
        input_barrier_run_actions(ib);
        ib->migrating_out = false;
    }
    IB_CALL(ib, bc_session_set_running(ib->session, running));
    input_barrier_run_actions(ib);
}

/*
 * A migration that ended: a VM that was running closed in FINISH_MIGRATE,
 * but a stopped one never passes through the VM state handlers there
 * (vm_stop_force_state()), so it frees its screen name for the destination
 * here.  Either connects again if it runs again (cont after a migration to
 * a file, as a live snapshot does).  A migration that failed or was
 * cancelled: connect again at once.
 */
static int input_barrier_migration(NotifierWithReturn *notifier,
                                   MigrationEvent *e, Error **errp)
{
    InputBarrier *ib = container_of(notifier, InputBarrier, migration);

    if (e->type == MIG_EVENT_PRECOPY_DONE) {
        IB_CALL(ib, bc_session_shutdown(ib->session, input_barrier_now()));
        input_barrier_run_actions(ib);
        ib->incoming = true;
    } else if (e->type == MIG_EVENT_PRECOPY_FAILED) {
        ib->incoming = false;
        if (ib->state == BC_STATE_STOPPED) {
            input_barrier_start(ib);
        }
    }
    return 0;
}

/* Creation and live changes. */

static bool input_barrier_new_session(InputBarrier *ib, Error **errp)
{
    const char *host = ib->saddr.u.inet.host, *port = ib->saddr.u.inet.port;
    /* name="" is stored as no name: the library refuses it */
    const char *name = ib->name ?: "", *fp = ib->tls_fingerprint ?: "";
    bc_config config = {
        .size = sizeof(config), .name = name, .name_len = strlen(name),
        .x = ib->x_origin, .y = ib->y_origin,
        .width = ib->width, .height = ib->height,
        .keycodes = ib->keycodes, .reconnect_ms = ib->reconnect_ms,
        .clipboard_max = ib->clipboard_max_size,
        .clipboard_off = !ib->clipboard,
        .server = host, .server_len = strlen(host),
        .port = port, .port_len = strlen(port),
        .tls = input_barrier_tls_creds(ib, true),
        .tls_fingerprint = fp, .tls_fingerprint_len = strlen(fp),
        .pace_keys = 1,
    };
    const char *msg = NULL;
    bc_session *session;

    if (bc_session_new(&config, &session, &msg) < 0) {
        error_setg(errp, "%s", msg ?: bc_strerror(BC_EINVAL));
        return false;
    }
    if (ib->session) {
        /* the old one releases what it holds and closes first */
        IB_CALL(ib, bc_session_shutdown(ib->session, input_barrier_now()));
        input_barrier_run_actions(ib);
        input_barrier_close(ib);
        bc_session_free(ib->session);
    }
    ib->session = session;
    ib->state = BC_STATE_STOPPED;
    ib->absolute = -1;
    input_barrier_mouse_mode(&ib->mouse_mode, NULL);
    IB_CALL(ib, bc_session_set_running(session, runstate_is_running()));
    return true;
}

static void input_barrier_complete(UserCreatable *uc, Error **errp)
{
    InputBarrier *ib = INPUT_BARRIER(uc);
    const char *msg = bc_abi_check(BC_ABI_VERSION);

    if (msg) {
        error_setg(errp, "%s", msg);
        return;
    }
    if (!ib->name) {
        error_setg(errp, QERR_MISSING_PARAMETER, "name");
        return;
    }
    ib->label = g_strdup(object_get_canonical_path_component(OBJECT(ib)));
    if (!input_barrier_new_session(ib, errp)) {
        return;
    }
    ib->outq = g_byte_array_new();
    ib->timer = timer_new_ms(QEMU_CLOCK_REALTIME, input_barrier_timer_cb, ib);
    ib->led_entry = qemu_add_led_event_handler(input_barrier_led_event, ib);
    qemu_add_mouse_mode_change_notifier(&ib->mouse_mode);
    ib->vmstate = qemu_add_vm_change_state_handler(input_barrier_vm_state, ib);
    migration_add_notifier(&ib->migration, input_barrier_migration);
    qemu_register_reset(input_barrier_reset, ib);
    qemu_add_machine_init_done_notifier(&ib->machine_done);
    input_barrier_clipboard_share(ib, true);
    ib->incoming = runstate_check(RUN_STATE_INMIGRATE);
    input_barrier_start(ib);
}

/*
 * A property set on a live object: a new rectangle is told to the server;
 * anything else makes a new session, which releases what is held, closes
 * and connects again at once.  A value the library refuses changes nothing.
 */
static bool input_barrier_changed(InputBarrier *ib, const char *prop,
                                  Error **errp)
{
    const char *msg = NULL;

    if (!ib->session) {
        return true;                    /* checked by complete */
    }
    if (!strcmp(prop, "enabled")) {
        /* off stops, releasing what is held; on connects at once */
        if (!ib->enabled) {
            IB_CALL(ib, bc_session_shutdown(ib->session, input_barrier_now()));
            input_barrier_run_actions(ib);
        } else if (ib->state == BC_STATE_STOPPED ||
                   ib->state == BC_STATE_DISCONNECTED) {
            input_barrier_start(ib);
        }
        return true;
    }
    if (!strcmp(prop, "follow-display")) {
        input_barrier_follow_display(ib);
        return true;
    }
    if (g_str_has_suffix(prop, "-origin") || !strcmp(prop, "width") ||
        !strcmp(prop, "height")) {
        if (bc_session_set_screen(ib->session, ib->x_origin, ib->y_origin,
                                  ib->width, ib->height, &msg) < 0) {
            error_setg(errp, "%s", msg ?: bc_strerror(BC_EINVAL));
            return false;
        }
        input_barrier_run_actions(ib);
        return true;
    }
    if (!strcmp(prop, "tls-creds")) {
        g_clear_pointer(&ib->creds, object_unref);
    }
    if (!input_barrier_new_session(ib, errp)) {
        return false;
    }
    input_barrier_clipboard_share(ib, true);
    input_barrier_start(ib);
    return true;
}

/* Properties: typed, set at creation or live, every one described. */

typedef enum {
    IB_STR, IB_INT16, IB_UINT16, IB_UINT32, IB_BOOL, IB_KEYCODES
} InputBarrierKind;

typedef union {
    char *s;
    int16_t i16;
    uint16_t u16;
    uint32_t u32;
    bool b;
    int e;
} InputBarrierValue;

static const struct {
    const char *type;
    size_t size;
} input_barrier_kinds[] = {
    [IB_STR] = { "str", sizeof(char *) },
    [IB_INT16] = { "int16", sizeof(int16_t) },
    [IB_UINT16] = { "uint16", sizeof(uint16_t) },
    [IB_UINT32] = { "uint32", sizeof(uint32_t) },
    [IB_BOOL] = { "bool", sizeof(bool) },
    [IB_KEYCODES] = { "InputBarrierKeycodes", sizeof(int) },
};

typedef struct InputBarrierProp {
    const char *name;
    InputBarrierKind kind;
    size_t offset;
    const char *desc;
    int64_t def;
    const char *def_str;
} InputBarrierProp;

#define IB_FIELD(f) offsetof(InputBarrier, f)

static const InputBarrierProp input_barrier_props[] = {
    { "name", IB_STR, IB_FIELD(name),
      "screen name in the server's configuration" },
    { "server", IB_STR, IB_FIELD(saddr.u.inet.host),
      "host name or address of the server", .def_str = "localhost" },
    { "port", IB_STR, IB_FIELD(saddr.u.inet.port),
      "port number or service name of the server", .def_str = "24800" },
    { "x-origin", IB_INT16, IB_FIELD(x_origin),
      "x of the screen's top-left pixel" },
    { "y-origin", IB_INT16, IB_FIELD(y_origin),
      "y of the screen's top-left pixel" },
    { "width", IB_UINT16, IB_FIELD(width), "screen width in pixels", 1920 },
    { "height", IB_UINT16, IB_FIELD(height), "screen height in pixels", 1080 },
    { "reconnect-ms", IB_UINT32, IB_FIELD(reconnect_ms),
      "first delay before reconnecting, doubling to 30 s; 0: never", 1000 },
    { "keycodes", IB_KEYCODES, IB_FIELD(keycodes),
      "the server's key codes: auto, x11, windows, macos or off",
      .def_str = "auto" },
    { "clipboard", IB_BOOL, IB_FIELD(clipboard),
      "share the clipboard with the server", true },
    { "clipboard-max-size", IB_UINT32, IB_FIELD(clipboard_max_size),
      "largest clipboard shared, in bytes", 1 * MiB },
    { "tls-creds", IB_STR, IB_FIELD(tls_creds),
      "id of a tls-creds-x509 object: connect with TLS" },
    { "tls-fingerprint", IB_STR, IB_FIELD(tls_fingerprint),
      "SHA-256 fingerprint of the server's certificate" },
    { "enabled", IB_BOOL, IB_FIELD(enabled),
      "connected to the server, or stopped; on connects at once", true },
    { "follow-display", IB_BOOL, IB_FIELD(follow_display),
      "width and height follow the guest's display" },
};

static bool input_barrier_visit(Visitor *v, const char *name,
                                InputBarrierKind kind, InputBarrierValue *val,
                                Error **errp)
{
    switch (kind) {
    case IB_STR:
        return visit_type_str(v, name, &val->s, errp);
    case IB_INT16:
        return visit_type_int16(v, name, &val->i16, errp);
    case IB_UINT16:
        return visit_type_uint16(v, name, &val->u16, errp);
    case IB_UINT32:
        return visit_type_uint32(v, name, &val->u32, errp);
    case IB_BOOL:
        return visit_type_bool(v, name, &val->b, errp);
    default:
        return visit_type_InputBarrierKeycodes(v, name,
                                               (InputBarrierKeycodes *)&val->e,
                                               errp);
    }
}

static void input_barrier_get(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    const InputBarrierProp *p = opaque;
    InputBarrierValue val;

    memcpy(&val, (char *)obj + p->offset, input_barrier_kinds[p->kind].size);
    if (p->kind == IB_STR && !val.s) {
        val.s = (char *)"";
    }
    input_barrier_visit(v, name, p->kind, &val, errp);
}

/* Sets a property; if the live object refuses it, the old value stays. */
static void input_barrier_set(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    const InputBarrierProp *p = opaque;
    void *field = (char *)obj + p->offset;
    size_t size = input_barrier_kinds[p->kind].size;
    InputBarrierValue old, val = { 0 };

    if (!input_barrier_visit(v, name, p->kind, &val, errp)) {
        return;
    }
    if (p->kind == IB_STR && !*val.s && !p->def_str) {
        g_clear_pointer(&val.s, g_free);        /* "": unset */
    }
    memcpy(&old, field, size);
    memcpy(field, &val, size);
    if (!input_barrier_changed(INPUT_BARRIER(obj), name, errp)) {
        memcpy(field, &old, size);
        old = val;
    }
    if (p->kind == IB_STR) {
        g_free(old.s);
    }
}

static int input_barrier_get_detected_keycodes(Object *obj, Error **errp)
{
    InputBarrier *ib = INPUT_BARRIER(obj);

    return ib->session ? bc_session_keycodes(ib->session) : ib->keycodes;
}

static int input_barrier_get_state(Object *obj, Error **errp)
{
    return INPUT_BARRIER(obj)->state;
}

static char *input_barrier_get_last_error(Object *obj, Error **errp)
{
    return g_strdup(INPUT_BARRIER(obj)->last_error ?: "");
}

/* The properties' defaults are set through their setters, before this. */
static void input_barrier_instance_init(Object *obj)
{
    InputBarrier *ib = INPUT_BARRIER(obj);

    ib->saddr.type = SOCKET_ADDRESS_TYPE_INET;
    ib->mouse_mode.notify = input_barrier_mouse_mode;
    ib->machine_done.notify = input_barrier_machine_done;
    ib->dcl.ops = &input_barrier_display_ops;
    ib->dcl.update_interval = INPUT_BARRIER_DISPLAY_INTERVAL_MS;
}

static void input_barrier_instance_finalize(Object *obj)
{
    InputBarrier *ib = INPUT_BARRIER(obj);

    if (ib->session) {
        /* releases whatever the server still holds pressed */
        IB_CALL(ib, bc_session_shutdown(ib->session, input_barrier_now()));
        input_barrier_run_actions(ib);
        if (ib->dcl.ds) {
            unregister_displaychangelistener(&ib->dcl);
        }
        qemu_remove_machine_init_done_notifier(&ib->machine_done);
        qemu_unregister_reset(input_barrier_reset, ib);
        migration_remove_notifier(&ib->migration);
        qemu_del_vm_change_state_handler(ib->vmstate);
        qemu_remove_mouse_mode_change_notifier(&ib->mouse_mode);
        qemu_remove_led_event_handler(ib->led_entry);
        timer_free(ib->timer);
    }
    input_barrier_close(ib);
    if (ib->outq) {
        g_byte_array_unref(ib->outq);
    }
    input_barrier_clipboard_share(ib, false);
    bc_session_free(ib->session);
    if (ib->creds) {
        object_unref(OBJECT(ib->creds));
    }
    g_free(ib->io_error);
    g_free(ib->last_error);
    g_free(ib->label);
    g_free(ib->name);
    g_free(ib->saddr.u.inet.host);
    g_free(ib->saddr.u.inet.port);
    g_free(ib->tls_creds);
    g_free(ib->tls_fingerprint);
}

/* QOM's class data became const in QEMU 10.1. */
#if QEMU_VERSION_MAJOR * 100 + QEMU_VERSION_MINOR >= 1001
typedef const void InputBarrierClassData;
#else
typedef void InputBarrierClassData;
#endif

static void input_barrier_class_init(ObjectClass *oc,
                                     InputBarrierClassData *data)
{
    const InputBarrierProp *p;
    ObjectProperty *op;

    USER_CREATABLE_CLASS(oc)->complete = input_barrier_complete;
    for (p = input_barrier_props;
         p < input_barrier_props + ARRAY_SIZE(input_barrier_props); p++) {
        op = object_class_property_add(oc, p->name,
                                       input_barrier_kinds[p->kind].type,
                                       input_barrier_get, input_barrier_set,
                                       NULL, (void *)p);
        if (p->def_str) {
            object_property_set_default_str(op, p->def_str);
        } else if (p->kind == IB_BOOL) {
            object_property_set_default_bool(op, p->def);
        } else if (p->kind != IB_STR) {
            object_property_set_default_int(op, p->def);
        }
        object_class_property_set_description(oc, p->name, p->desc);
    }
    object_class_property_add_enum(oc, "detected-keycodes",
                                   "InputBarrierKeycodes",
                                   &InputBarrierKeycodes_lookup,
                                   input_barrier_get_detected_keycodes, NULL);
    object_class_property_set_description(oc, "detected-keycodes",
        "the server's key codes in use (auto: none detected yet)");
    object_class_property_add_enum(oc, "state", "InputBarrierState",
                                   &InputBarrierState_lookup,
                                   input_barrier_get_state, NULL);
    object_class_property_set_description(oc, "state",
        "where the connection stands");
    object_class_property_add_str(oc, "last-error",
                                  input_barrier_get_last_error, NULL);
    object_class_property_set_description(oc, "last-error",
        "why the last connection failed or ended");
}

static const TypeInfo input_barrier_info = {
    .name = TYPE_INPUT_BARRIER,
    .parent = TYPE_OBJECT,
    .class_init = input_barrier_class_init,
    .instance_size = sizeof(InputBarrier),
    .instance_init = input_barrier_instance_init,
    .instance_finalize = input_barrier_instance_finalize,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    }
};

static void register_types(void)
{
    type_register_static(&input_barrier_info);
}

type_init(register_types);
