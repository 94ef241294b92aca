// SPDX-License-Identifier: GPL-2.0-or-later
/// The connection state the host shows (QOM "state"); raw values are the C
/// ABI's bc_state.
public enum ConnectionState: UInt8, Equatable, Sendable {
    case disconnected = 0
    case connecting = 1
    case handshaking = 2
    case connected = 3
    case active = 4
    case stopped = 5

    public var name: StaticString {
        switch self {
        case .disconnected: "disconnected"
        case .connecting: "connecting"
        case .handshaking: "handshaking"
        case .connected: "connected"
        case .active: "active"
        case .stopped: "stopped"
        }
    }
}
