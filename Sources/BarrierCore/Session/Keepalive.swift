// SPDX-License-Identifier: GPL-2.0-or-later
/// The dead-server detector (protocol reference §2.4): the server sends CALV
/// every `period` ms; if none arrives for 3 periods, the server is dead. Only
/// CALV counts, as in the Barrier client: other traffic can flow from a
/// server whose keepalive timer is stuck.
struct Keepalive: Sendable {
    /// Barrier's kKeepAliveRate, restored by CROP.
    static let defaultPeriod: UInt64 = 3_000
    /// kKeepAlivesUntilDeath.
    static let missedUntilDead: UInt64 = 3

    /// 0 = disabled (a HART option <= 0).
    private(set) var period: UInt64 = defaultPeriod
    private var lastSeen: UInt64

    init(now: UInt64) {
        lastSeen = now
    }

    mutating func received(now: UInt64) {
        lastSeen = now
    }

    /// Applies a HART option value (ms).
    mutating func setPeriod(option value: Int32) {
        period = value > 0 ? UInt64(value) : 0
    }

    mutating func reset() {
        period = Self.defaultPeriod
    }

    /// When the server counts as dead, or nil when keepalives are off.
    var deadline: UInt64? {
        guard period > 0 else { return nil }
        return lastSeen.saturatingAdd(period.saturatingMultiply(Self.missedUntilDead))
    }

    /// The silence allowed, for the message to the user.
    var allowedSilence: UInt64 { period.saturatingMultiply(Self.missedUntilDead) }
}

extension UInt64 {
    func saturatingAdd(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    func saturatingMultiply(_ other: UInt64) -> UInt64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? .max : product
    }
}
