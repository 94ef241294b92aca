/// The operating system of the Barrier server, which decides what the `button`
/// of a key message means (protocol §4). X11 covers evdev/libinput X servers
/// and libei (Wayland) servers: both send evdev code + 8.
enum ServerPlatform: Equatable, Sendable, CaseIterable {
    case x11
    case windows
    case macos
}
