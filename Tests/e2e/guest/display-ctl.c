// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * display-ctl: the test guest's display, driven over a serial line.
 *
 * Started by the guest's init when the kernel command line says bcdisplay
 * (Tests/e2e/harness/display.py boots it so), with the line to serve as its
 * argument (/dev/ttyS1: a unix socket of QEMU's on the host).  It reads one
 * command per line and answers one line, on the same line:
 *
 *   ping            @pong
 *   info            @info driver=NAME connector=ID crtc=ID mode=WxH   (mode=0x0: none set)
 *   modes           @modes WxH WxH ...        (the connector's modes, as the driver lists them)
 *   mode W H        @mode W H ok              (a W x H mode set on the first connected
 *                   @mode W H error TEXT       connector, with a framebuffer of that size)
 *
 * The mode is set with the DRM KMS ioctls on /dev/dri/card0 (bochs-drm for
 * QEMU's -vga std / VGA / bochs-display, virtio_gpu for virtio-vga /
 * virtio-gpu-pci).  The first process to open the card is its DRM master;
 * this one stays open so the mode stays (a master that goes away gives the
 * display back to the kernel's fbdev console and its mode).
 *
 * The uapi structures are declared here (they are the kernel's stable ABI,
 * include/uapi/drm/drm.h and drm_mode.h) so that no libdrm headers are needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

struct drm_version {
    int version_major, version_minor, version_patchlevel;
    size_t name_len;
    char *name;
    size_t date_len;
    char *date;
    size_t desc_len;
    char *desc;
};

struct drm_mode_modeinfo {
    uint32_t clock;
    uint16_t hdisplay, hsync_start, hsync_end, htotal, hskew;
    uint16_t vdisplay, vsync_start, vsync_end, vtotal, vscan;
    uint32_t vrefresh;
    uint32_t flags;
    uint32_t type;
    char name[32];
};

struct drm_mode_card_res {
    uint64_t fb_id_ptr, crtc_id_ptr, connector_id_ptr, encoder_id_ptr;
    uint32_t count_fbs, count_crtcs, count_connectors, count_encoders;
    uint32_t min_width, max_width, min_height, max_height;
};

struct drm_mode_crtc {
    uint64_t set_connectors_ptr;
    uint32_t count_connectors;
    uint32_t crtc_id, fb_id, x, y, gamma_size, mode_valid;
    struct drm_mode_modeinfo mode;
};

struct drm_mode_get_encoder {
    uint32_t encoder_id, encoder_type, crtc_id, possible_crtcs, possible_clones;
};

struct drm_mode_get_connector {
    uint64_t encoders_ptr, modes_ptr, props_ptr, prop_values_ptr;
    uint32_t count_modes, count_props, count_encoders;
    uint32_t encoder_id, connector_id, connector_type, connector_type_id, connection;
    uint32_t mm_width, mm_height, subpixel, pad;
};

struct drm_mode_fb_cmd {
    uint32_t fb_id, width, height, pitch, bpp, depth, handle;
};

struct drm_mode_create_dumb {
    uint32_t height, width, bpp, flags, handle, pitch;
    uint64_t size;
};

struct drm_mode_map_dumb {
    uint32_t handle, pad;
    uint64_t offset;
};

struct drm_mode_destroy_dumb {
    uint32_t handle;
};

#define DRM_IOCTL_VERSION             _IOWR('d', 0x00, struct drm_version)
#define DRM_IOCTL_MODE_GETRESOURCES   _IOWR('d', 0xA0, struct drm_mode_card_res)
#define DRM_IOCTL_MODE_GETCRTC        _IOWR('d', 0xA1, struct drm_mode_crtc)
#define DRM_IOCTL_MODE_SETCRTC        _IOWR('d', 0xA2, struct drm_mode_crtc)
#define DRM_IOCTL_MODE_GETENCODER     _IOWR('d', 0xA6, struct drm_mode_get_encoder)
#define DRM_IOCTL_MODE_GETCONNECTOR   _IOWR('d', 0xA7, struct drm_mode_get_connector)
#define DRM_IOCTL_MODE_ADDFB          _IOWR('d', 0xAE, struct drm_mode_fb_cmd)
#define DRM_IOCTL_MODE_RMFB           _IOWR('d', 0xAF, unsigned int)
#define DRM_IOCTL_MODE_CREATE_DUMB    _IOWR('d', 0xB2, struct drm_mode_create_dumb)
#define DRM_IOCTL_MODE_MAP_DUMB       _IOWR('d', 0xB3, struct drm_mode_map_dumb)
#define DRM_IOCTL_MODE_DESTROY_DUMB   _IOWR('d', 0xB4, struct drm_mode_destroy_dumb)

#define CARD "/dev/dri/card0"
#define MAX_MODES 256

static int line_fd = 1;
static int card = -1;
static char driver[64];
static uint32_t connector_id, crtc_id;
static struct drm_mode_modeinfo modes[MAX_MODES];
static unsigned n_modes;
/* the framebuffer on screen now (kept until the next one is shown) */
static uint32_t fb_id, fb_handle;

static void say(const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof(buf) - 3)
        n = sizeof(buf) - 3;
    buf[n++] = '\r';
    buf[n++] = '\n';
    /* one write per line: lines never interleave */
    if (write(line_fd, buf, n) < 0)
        _exit(1);
}

static int ioctl_retry(int fd, unsigned long req, void *arg)
{
    int r;

    do {
        r = ioctl(fd, req, arg);
    } while (r < 0 && (errno == EINTR || errno == EAGAIN));
    return r;
}

/* Open the card and find the first connected connector, its modes and a CRTC. */
static const char *open_card(void)
{
    struct drm_version v;
    struct drm_mode_card_res res;
    uint32_t crtcs[16], conns[16];
    unsigned i;

    if (card >= 0)
        return NULL;
    card = open(CARD, O_RDWR | O_CLOEXEC);
    if (card < 0)
        return "no " CARD;
    memset(&v, 0, sizeof(v));
    v.name = driver;
    v.name_len = sizeof(driver) - 1;
    if (ioctl_retry(card, DRM_IOCTL_VERSION, &v) < 0)
        return "DRM_IOCTL_VERSION failed";

    memset(&res, 0, sizeof(res));
    if (ioctl_retry(card, DRM_IOCTL_MODE_GETRESOURCES, &res) < 0)
        return "GETRESOURCES failed (no KMS driver?)";
    if (res.count_crtcs == 0 || res.count_connectors == 0)
        return "no CRTC or no connector";
    if (res.count_crtcs > 16)
        res.count_crtcs = 16;
    if (res.count_connectors > 16)
        res.count_connectors = 16;
    res.count_fbs = res.count_encoders = 0;
    res.crtc_id_ptr = (uintptr_t)crtcs;
    res.connector_id_ptr = (uintptr_t)conns;
    if (ioctl_retry(card, DRM_IOCTL_MODE_GETRESOURCES, &res) < 0)
        return "GETRESOURCES (ids) failed";

    for (i = 0; i < res.count_connectors; i++) {
        struct drm_mode_get_connector c;

        memset(&c, 0, sizeof(c));
        c.connector_id = conns[i];
        if (ioctl_retry(card, DRM_IOCTL_MODE_GETCONNECTOR, &c) < 0)
            continue;
        if (c.connection != 1 || c.count_modes == 0)
            continue;
        if (c.count_modes > MAX_MODES)
            c.count_modes = MAX_MODES;
        c.count_props = c.count_encoders = 0;
        c.modes_ptr = (uintptr_t)modes;
        if (ioctl_retry(card, DRM_IOCTL_MODE_GETCONNECTOR, &c) < 0)
            continue;
        n_modes = c.count_modes < MAX_MODES ? c.count_modes : MAX_MODES;
        connector_id = conns[i];
        crtc_id = crtcs[0];
        if (c.encoder_id) {
            struct drm_mode_get_encoder e;

            memset(&e, 0, sizeof(e));
            e.encoder_id = c.encoder_id;
            if (ioctl_retry(card, DRM_IOCTL_MODE_GETENCODER, &e) == 0 && e.crtc_id)
                crtc_id = e.crtc_id;
        }
        return NULL;
    }
    return "no connected connector with modes";
}

static void current_mode(unsigned *w, unsigned *h)
{
    struct drm_mode_crtc c;

    *w = *h = 0;
    memset(&c, 0, sizeof(c));
    c.crtc_id = crtc_id;
    if (ioctl_retry(card, DRM_IOCTL_MODE_GETCRTC, &c) == 0 && c.mode_valid) {
        *w = c.mode.hdisplay;
        *h = c.mode.vdisplay;
    }
}

static const char *set_mode(unsigned w, unsigned h)
{
    struct drm_mode_create_dumb cd;
    struct drm_mode_map_dumb md;
    struct drm_mode_fb_cmd fb;
    struct drm_mode_crtc sc;
    struct drm_mode_destroy_dumb dd;
    const struct drm_mode_modeinfo *m = NULL;
    uint32_t conn = connector_id;
    unsigned i;
    void *px;

    for (i = 0; i < n_modes && !m; i++)
        if (modes[i].hdisplay == w && modes[i].vdisplay == h)
            m = &modes[i];
    if (!m)
        return "the connector has no such mode";

    memset(&cd, 0, sizeof(cd));
    cd.width = w;
    cd.height = h;
    cd.bpp = 32;
    if (ioctl_retry(card, DRM_IOCTL_MODE_CREATE_DUMB, &cd) < 0)
        return "CREATE_DUMB failed";
    /* a plain colour, so that a screendump shows what is on screen */
    memset(&md, 0, sizeof(md));
    md.handle = cd.handle;
    if (ioctl_retry(card, DRM_IOCTL_MODE_MAP_DUMB, &md) == 0) {
        px = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, card, md.offset);
        if (px != MAP_FAILED) {
            uint32_t *p = px;
            uint64_t n = cd.size / 4;

            while (n--)
                *p++ = 0x00204080;
            munmap(px, cd.size);
        }
    }
    memset(&fb, 0, sizeof(fb));
    fb.width = w;
    fb.height = h;
    fb.pitch = cd.pitch;
    fb.bpp = 32;
    fb.depth = 24;
    fb.handle = cd.handle;
    if (ioctl_retry(card, DRM_IOCTL_MODE_ADDFB, &fb) < 0) {
        dd.handle = cd.handle;
        ioctl_retry(card, DRM_IOCTL_MODE_DESTROY_DUMB, &dd);
        return "ADDFB failed";
    }
    memset(&sc, 0, sizeof(sc));
    sc.crtc_id = crtc_id;
    sc.fb_id = fb.fb_id;
    sc.set_connectors_ptr = (uintptr_t)&conn;
    sc.count_connectors = 1;
    sc.mode = *m;
    sc.mode_valid = 1;
    if (ioctl_retry(card, DRM_IOCTL_MODE_SETCRTC, &sc) < 0) {
        ioctl_retry(card, DRM_IOCTL_MODE_RMFB, &fb.fb_id);
        dd.handle = cd.handle;
        ioctl_retry(card, DRM_IOCTL_MODE_DESTROY_DUMB, &dd);
        return errno == EACCES || errno == EPERM ? "SETCRTC refused (not DRM master)" : "SETCRTC failed";
    }
    if (fb_id) {
        ioctl_retry(card, DRM_IOCTL_MODE_RMFB, &fb_id);
        dd.handle = fb_handle;
        ioctl_retry(card, DRM_IOCTL_MODE_DESTROY_DUMB, &dd);
    }
    fb_id = fb.fb_id;
    fb_handle = cd.handle;
    return NULL;
}

static void command(char *line)
{
    const char *err;
    unsigned w, h, i;

    if (strcmp(line, "ping") == 0) {
        say("@pong");
        return;
    }
    if (strcmp(line, "info") == 0) {
        err = open_card();
        if (err) {
            say("@info error %s", err);
            return;
        }
        current_mode(&w, &h);
        say("@info driver=%s connector=%u crtc=%u mode=%ux%u", driver, connector_id, crtc_id, w, h);
        return;
    }
    if (strcmp(line, "modes") == 0) {
        char buf[3000];
        size_t n = 0;

        err = open_card();
        if (err) {
            say("@modes error %s", err);
            return;
        }
        buf[0] = 0;
        for (i = 0; i < n_modes && n < sizeof(buf) - 16; i++)
            n += snprintf(buf + n, sizeof(buf) - n, " %ux%u", modes[i].hdisplay, modes[i].vdisplay);
        say("@modes%s", buf);
        return;
    }
    if (sscanf(line, "mode %u %u", &w, &h) == 2) {
        err = open_card();
        if (!err)
            err = set_mode(w, h);
        if (err)
            say("@mode %u %u error %s", w, h, err);
        else
            say("@mode %u %u ok", w, h);
        return;
    }
    if (line[0])
        say("@error unknown command: %s", line);
}

int main(int argc, char **argv)
{
    char line[256];
    size_t n = 0;
    struct termios t;
    int fd = 0;

    if (argc > 1) {
        fd = open(argv[1], O_RDWR | O_NOCTTY);
        if (fd < 0) {
            printf("@error display-ctl: cannot open %s: %s\n", argv[1], strerror(errno));
            return 1;
        }
        line_fd = fd;
    }
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        if (c == '\n' || c == '\r') {
            line[n] = 0;
            command(line);
            n = 0;
        } else if (n < sizeof(line) - 1) {
            line[n++] = c;
        }
    }
}
