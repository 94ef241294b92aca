// SPDX-License-Identifier: GPL-2.0-or-later
@testable import BarrierCore

// The core keeps String-carrying types free of Equatable (see CloseReason);
// tests compare them.
extension CloseReason: Equatable {
    public static func == (a: CloseReason, b: CloseReason) -> Bool {
        a.kind == b.kind && a.message == b.message
    }
}

extension Connection.State: Equatable {
    public static func == (a: Connection.State, b: Connection.State) -> Bool {
        switch (a, b) {
        case (.awaitingHello(let x), .awaitingHello(let y)): x == y
        case (.handshaking(let x), .handshaking(let y)): x == y
        case (.connected(let x), .connected(let y)): x == y
        case (.active(let x, let s), .active(let y, let t)): x == y && s == t
        case (.closed(let x), .closed(let y)): x == y
        default: false
        }
    }
}
