/*
 * input-barrier: the connection to the server
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Everything here runs in the main loop and never blocks: the name lookup
 * is the only work done in a thread (getaddrinfo() blocks), the connect is
 * non-blocking, so an attempt the library abandons (its 10 s bound) ends
 * when its socket is closed, not when the kernel gives up.  Failures are
 * remembered in ib->io_error, and input_barrier_run_actions() tells the
 * library, which decides what happens next.
 */

#include "qemu/osdep.h"
#include "qemu/sockets.h"
#include "qapi/error.h"
#include "io/channel-tls.h"
#include "io/dns-resolver.h"
#include "crypto/hash.h"
#include "input-barrier.h"
#include "trace.h"

/*
 * barriers 2.4 stalls its TLS accept (until the library's 3 s bound) about
 * every other time when the ClientHello is already there as it accepts the
 * connection; a moment's wait lets it set up first (10 of 10 clean).
 */
#define INPUT_BARRIER_TLS_DELAY_MS 5

/* write_tag: a pending write, connect, or TLS start */
static void input_barrier_unwatch(InputBarrier *ib)
{
    g_clear_handle_id(&ib->read_tag, g_source_remove);
    g_clear_handle_id(&ib->write_tag, g_source_remove);
}

/* Remember a transport failure; run_actions tells the library. */
static void input_barrier_io_failed(InputBarrier *ib, const char *msg)
{
    trace_input_barrier_io_error(ib->label, msg ?: "EOF");
    if (!ib->io_error) {
        ib->io_error = g_strdup(msg ?: "");
    }
    input_barrier_unwatch(ib);
}

static void input_barrier_free_addrs(InputBarrier *ib)
{
    size_t i;

    for (i = 0; i < ib->naddrs; i++) {
        qapi_free_SocketAddress(ib->addrs[i]);
    }
    g_clear_pointer(&ib->addrs, g_free);
    ib->naddrs = ib->next_addr = 0;
}

/*
 * Drop the transport, the pending lookup, connect or handshake: the last
 * reference to a connecting socket closes it, which cancels the connect;
 * shutting a socket down ends a handshake (with an error nobody waits
 * for), and the pending tasks release their channels.
 */
void input_barrier_close(InputBarrier *ib)
{
    if (ib->pending) {
        ib->pending->ib = NULL;
        ib->pending = NULL;
    }
    input_barrier_unwatch(ib);
    input_barrier_free_addrs(ib);
    if (ib->outq) {
        g_byte_array_set_size(ib->outq, 0);
    }
    if (ib->sioc) {
        qio_channel_shutdown(QIO_CHANNEL(ib->sioc), QIO_CHANNEL_SHUTDOWN_BOTH,
                             NULL);
    }
    if (ib->ioc) {
        qio_channel_close(ib->ioc, NULL);
        object_unref(OBJECT(ib->ioc));
        ib->ioc = NULL;
    }
    if (ib->sioc) {
        object_unref(OBJECT(ib->sioc));
        ib->sioc = NULL;
    }
}

static gboolean input_barrier_writable(QIOChannel *ioc, GIOCondition cond,
                                       gpointer opaque);

static void input_barrier_flush(InputBarrier *ib)
{
    Error *err = NULL;
    ssize_t n;

    if (!ib->ioc) {
        return;                         /* write_tag may be a connect's */
    }
    while (ib->outq->len) {
        n = qio_channel_write(ib->ioc, (char *)ib->outq->data, ib->outq->len,
                              &err);
        if (n == QIO_CHANNEL_ERR_BLOCK) {
            if (!ib->write_tag) {
                ib->write_tag = qio_channel_add_watch(ib->ioc, G_IO_OUT,
                                                      input_barrier_writable,
                                                      ib, NULL);
            }
            return;
        }
        if (n < 0) {
            input_barrier_io_failed(ib, error_get_pretty(err));
            error_free(err);
            return;
        }
        g_byte_array_remove_range(ib->outq, 0, n);
    }
    g_clear_handle_id(&ib->write_tag, g_source_remove);
}

static gboolean input_barrier_writable(QIOChannel *ioc, GIOCondition cond,
                                       gpointer opaque)
{
    InputBarrier *ib = opaque;

    ib->write_tag = 0;
    input_barrier_flush(ib);
    input_barrier_run_actions(ib);
    return G_SOURCE_REMOVE;
}

void input_barrier_send(InputBarrier *ib, const void *data, size_t len)
{
    if (len > INPUT_BARRIER_OUTQ_MAX - ib->outq->len) {
        input_barrier_io_failed(ib, g_strerror(ENOBUFS));
        return;
    }
    g_byte_array_append(ib->outq, data, len);
    trace_input_barrier_send(ib->label, len, ib->outq->len);
    input_barrier_flush(ib);
}

/*
 * Reads at most INPUT_BARRIER_READ_SIZE bytes per turn; the watch is level
 * triggered, so what is left comes at the next turn.  Plain TCP is peeked
 * at and consumed once the input is in the guest: the read that empties
 * the socket pays for emptying it (buffers freed, the delayed ACK sent),
 * which a single key would otherwise wait for.  TLS cannot peek.
 */
static gboolean input_barrier_readable(QIOChannel *ioc, GIOCondition cond,
                                       gpointer opaque)
{
    InputBarrier *ib = opaque;
    bool tcp = ib->ioc == QIO_CHANNEL(ib->sioc);
    bool peek = tcp && qio_channel_has_feature(ib->ioc,
                                      QIO_CHANNEL_FEATURE_READ_MSG_PEEK);
    size_t left = INPUT_BARRIER_READ_SIZE;
    struct iovec iov;
    Error *err = NULL;
    ssize_t n;

    while (left) {
        iov = (struct iovec) { .iov_base = ib->rbuf, .iov_len = left };
        n = qio_channel_readv_full(ib->ioc, &iov, 1, NULL, NULL,
                                   peek ? QIO_CHANNEL_READ_FLAG_MSG_PEEK : 0,
                                   &err);
        if (n == QIO_CHANNEL_ERR_BLOCK) {
            break;
        }
        if (n <= 0) {
            input_barrier_io_failed(ib, n ? error_get_pretty(err) : NULL);
            error_free(err);
            break;
        }
        trace_input_barrier_recv(ib->label, n);
        IB_CALL(ib, bc_session_feed(ib->session, ib->rbuf, n,
                                    input_barrier_now()));
        input_barrier_run_actions(ib);
        if (!ib->read_tag) {
            return G_SOURCE_REMOVE;     /* the actions closed it */
        }
        if (peek && qio_channel_read(ib->ioc, (char *)ib->rbuf, n, NULL) != n) {
            input_barrier_io_failed(ib, g_strerror(EIO));
            break;
        }
        if (tcp && (size_t)n < left) {
            break;                      /* empty: a read would say EAGAIN */
        }
        left -= n;
    }
    if (ib->io_error) {
        input_barrier_run_actions(ib);  /* tells the library */
    }
    return ib->read_tag ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* The channel carries the protocol from now on. */
static void input_barrier_channel_up(InputBarrier *ib, QIOChannel *ioc)
{
    ib->ioc = QIO_CHANNEL(object_ref(OBJECT(ioc)));
    ib->read_tag = qio_channel_add_watch(ioc, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                         input_barrier_readable, ib, NULL);
}

/* TLS: the handshake's facts go to the library, which judges the server. */

static bool input_barrier_digest(int (*get)(QCryptoTLSSession *, uint8_t **,
                                            size_t *, Error **),
                                 QCryptoTLSSession *sess, uint8_t *digest)
{
    g_autofree uint8_t *der = NULL, *result = NULL;
    size_t len = 0, resultlen = 0;

    if (get(sess, &der, &len, NULL) < 0 ||
        qcrypto_hash_bytes(QCRYPTO_HASH_ALGO_SHA256, (const char *)der, len,
                           &result, &resultlen, NULL) < 0 ||
        resultlen != BC_FINGERPRINT_LEN) {
        return false;
    }
    memcpy(digest, result, BC_FINGERPRINT_LEN);
    return true;
}

static void input_barrier_tls_done(QIOTask *task, gpointer opaque)
{
    InputBarrierPending *pending = opaque;
    InputBarrier *ib = pending->ib;
    QIOChannelTLS *tioc = QIO_CHANNEL_TLS(qio_task_get_source(task));
    QCryptoTLSSession *sess = qio_channel_tls_get_session(tioc);
    uint8_t server[BC_FINGERPRINT_LEN], client[BC_FINGERPRINT_LEN];
    bool has_server, has_client;
    const char *why = "";
    uint32_t outcome = BC_TLS_DONE;
    Error *err = NULL;

    if (!ib) {
        return;                         /* abandoned */
    }
    ib->pending = NULL;
    if (qio_task_propagate_error(task, &err)) {
        why = error_get_pretty(err);
        /* QEMU's words for a failed handshake, and gnutls's for an alert */
        outcome = !g_str_has_prefix(why, "TLS handshake failed")
                  ? BC_TLS_UNVERIFIED
                  : strstr(why, "alert") ? BC_TLS_REFUSED : BC_TLS_FAILED;
    }
    has_server = input_barrier_digest(qcrypto_tls_session_get_peer_certificate,
                                      sess, server);
    has_client = input_barrier_digest(qcrypto_tls_session_get_own_certificate,
                                      sess, client);
    IB_CALL(ib, bc_session_tls_done(ib->session, input_barrier_now(), outcome,
                                    has_server ? server : NULL,
                                    has_client ? client : NULL,
                                    why, strlen(why)));
    if (bc_session_state(ib->session) == BC_STATE_HANDSHAKING) {
        trace_input_barrier_tls_verified(ib->label);
        input_barrier_channel_up(ib, QIO_CHANNEL(tioc));
    } else {
        trace_input_barrier_tls_refused(ib->label, outcome, why);
    }
    error_free(err);
    input_barrier_run_actions(ib);
}

/*
 * The tls-creds object, found now or, as it may come later on the command
 * line, when the socket is connected: what the library is told of it.
 */
int input_barrier_tls_creds(InputBarrier *ib, bool later)
{
    Object *obj;

    if (!ib->tls_creds) {
        return BC_TLS_CREDS_NONE;
    }
    if (ib->creds) {
        return BC_TLS_CREDS_CLIENT;
    }
    obj = object_resolve_path_component(object_get_objects_root(),
                                        ib->tls_creds);
    if (!obj) {
        return later ? BC_TLS_CREDS_CLIENT : BC_TLS_CREDS_UNUSABLE;
    }
    if (!object_dynamic_cast(obj, TYPE_QCRYPTO_TLS_CREDS) ||
        !qcrypto_tls_creds_check_endpoint(QCRYPTO_TLS_CREDS(obj),
                                          QCRYPTO_TLS_CREDS_ENDPOINT_CLIENT,
                                          NULL)) {
        return BC_TLS_CREDS_UNUSABLE;
    }
    ib->creds = QCRYPTO_TLS_CREDS(object_ref(obj));
    return BC_TLS_CREDS_CLIENT;
}

static gboolean input_barrier_tls_start(gpointer opaque)
{
    InputBarrier *ib = opaque;
    QIOChannelTLS *tioc;
    Error *err = NULL;

    ib->write_tag = 0;
    if (input_barrier_tls_creds(ib, false) != BC_TLS_CREDS_CLIENT) {
        IB_CALL(ib, bc_session_tls_done(ib->session, input_barrier_now(),
                                        BC_TLS_NO_CREDS, NULL, NULL, NULL, 0));
        input_barrier_run_actions(ib);
        return G_SOURCE_REMOVE;
    }
    tioc = qio_channel_tls_new_client(QIO_CHANNEL(ib->sioc), ib->creds,
                                      ib->saddr.u.inet.host, &err);
    if (!tioc) {
        input_barrier_io_failed(ib, error_get_pretty(err));
        error_free(err);
        input_barrier_run_actions(ib);
        return G_SOURCE_REMOVE;
    }
    IB_CALL(ib, bc_session_tls_started(ib->session, input_barrier_now()));
    qio_channel_set_name(QIO_CHANNEL(tioc), "input-barrier-tls");
    ib->pending = g_new0(InputBarrierPending, 1);
    ib->pending->ib = ib;
    qio_channel_tls_handshake(tioc, input_barrier_tls_done, ib->pending,
                              g_free, NULL);
    object_unref(OBJECT(tioc));         /* the handshake task holds it */
    input_barrier_run_actions(ib);
    return G_SOURCE_REMOVE;
}

/* Connecting: each address in turn, without blocking. */

static void input_barrier_connect_next(InputBarrier *ib);

/* This address did not take: drop its socket, remember why. */
static void input_barrier_connect_failed(InputBarrier *ib, int err)
{
    ib->connect_errno = err;
    trace_input_barrier_connect_error(ib->label, g_strerror(err));
    object_unref(OBJECT(ib->sioc));
    ib->sioc = NULL;
}

static gboolean input_barrier_connect_done(QIOChannel *ioc, GIOCondition cond,
                                           gpointer opaque)
{
    InputBarrier *ib = opaque;
    int err = 0;
    socklen_t len = sizeof(err);

    ib->write_tag = 0;
    if (getsockopt(ib->sioc->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
        err = errno;
    }
    if (err) {
        input_barrier_connect_failed(ib, err);
        input_barrier_connect_next(ib);
    } else {
        trace_input_barrier_connected(ib->label);
        input_barrier_free_addrs(ib);
        qio_channel_set_delay(ioc, false);
        if (ib->tls_creds) {
            ib->write_tag = g_timeout_add(INPUT_BARRIER_TLS_DELAY_MS,
                                          input_barrier_tls_start, ib);
        } else {
            input_barrier_channel_up(ib, ioc);
            IB_CALL(ib, bc_session_connected(ib->session,
                                             input_barrier_now()));
        }
    }
    input_barrier_run_actions(ib);
    return G_SOURCE_REMOVE;
}

static void input_barrier_connect_next(InputBarrier *ib)
{
    struct addrinfo hints = {
        .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
        .ai_socktype = SOCK_STREAM,
    };
    struct addrinfo *ai;
    InetSocketAddress *inet;
    int fd, rc;

    while (ib->next_addr < ib->naddrs) {
        inet = &ib->addrs[ib->next_addr++]->u.inet;
        if (getaddrinfo(inet->host, inet->port, &hints, &ai)) {
            continue;
        }
        fd = qemu_socket(ai->ai_family, SOCK_STREAM, 0);
        ib->sioc = fd < 0 ? NULL : qio_channel_socket_new_fd(fd, NULL);
        if (!ib->sioc) {
            ib->connect_errno = errno;
            if (fd >= 0) {
                close(fd);
            }
            freeaddrinfo(ai);
            continue;
        }
        qio_channel_set_name(QIO_CHANNEL(ib->sioc), "input-barrier");
        qio_channel_set_blocking(QIO_CHANNEL(ib->sioc), false, NULL);
        do {
            rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        } while (rc < 0 && errno == EINTR);
        ib->connect_errno = rc < 0 ? errno : 0;
        freeaddrinfo(ai);
        if (!rc || ib->connect_errno == EINPROGRESS) {
            ib->write_tag = qio_channel_add_watch(QIO_CHANNEL(ib->sioc),
                                                  G_IO_OUT,
                                                  input_barrier_connect_done,
                                                  ib, NULL);
            return;
        }
        input_barrier_connect_failed(ib, ib->connect_errno);
    }
    input_barrier_io_failed(ib, g_strerror(ib->connect_errno ?: EADDRNOTAVAIL));
}

static void input_barrier_resolved(QIOTask *task, gpointer opaque)
{
    InputBarrierPending *pending = opaque;
    InputBarrier *ib = pending->ib;
    Error *err = NULL;

    if (!ib) {
        return;                         /* abandoned */
    }
    ib->pending = NULL;
    if (qio_task_propagate_error(task, &err)) {
        trace_input_barrier_connect_error(ib->label, error_get_pretty(err));
        input_barrier_io_failed(ib, error_get_pretty(err));
        error_free(err);
    } else {
        qio_dns_resolver_lookup_result(qio_dns_resolver_get_instance(), task,
                                       &ib->naddrs, &ib->addrs);
        ib->connect_errno = 0;
        input_barrier_connect_next(ib);
    }
    input_barrier_run_actions(ib);
}

void input_barrier_connect(InputBarrier *ib)
{
    input_barrier_close(ib);
    g_clear_pointer(&ib->io_error, g_free);
    trace_input_barrier_connect(ib->label, ib->saddr.u.inet.host,
                                ib->saddr.u.inet.port);
    ib->pending = g_new0(InputBarrierPending, 1);
    ib->pending->ib = ib;
    qio_dns_resolver_lookup_async(qio_dns_resolver_get_instance(), &ib->saddr,
                                  input_barrier_resolved, ib->pending, g_free);
}
