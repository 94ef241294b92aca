// SPDX-License-Identifier: GPL-2.0-or-later

/// The operating system of the Barrier server, which decides what the `button`
/// of a key message means (protocol §4). X11 covers evdev/libinput X servers
/// and libei (Wayland) servers: both send evdev code + 8. The order of the
/// cases is the order of preference where a key press fits several
/// (PlatformDetector): an X11 server is the common case, the VM's own host.
public enum ServerPlatform: Equatable, Sendable, CaseIterable {
    case x11
    case windows
    case macos
}
