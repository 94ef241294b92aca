// SPDX-License-Identifier: GPL-2.0-or-later

/// In how many of the known layouts a physical key types a symbol, per level
/// (0 plain, 1 Shift, 2 AltGr, 3 Shift+AltGr): one byte each, level 0 highest.
struct LevelCounts: Equatable, Sendable {
    let raw: UInt32

    static let none = LevelCounts(raw: 0)

    subscript(level: Int) -> Int {
        guard (0...3).contains(level) else { return 0 }
        return Int((raw >> UInt32(truncatingIfNeeded: 24 &- 8 &* level)) & 0xFF)
    }

    /// On any level (at most 4 × 255).
    var total: Int { self[0] &+ self[1] &+ self[2] &+ self[3] }

    /// On the levels a modifier mask can mean.
    func on(_ levels: KeyLevels) -> Int {
        var sum = 0
        for level in 0...3 where levels.contains(level) { sum &+= self[level] }
        return sum
    }
}

/// The levels a key's modifier mask (protocol §3.2) stands for on a server
/// of a platform. The servers say AltGr differently: X11 with the AltGr bit,
/// Windows as Control+Alt (its AltGr is Right Alt with a fake Left Control),
/// macOS as Alt (Option; Deskflow's server then sends the symbol without it,
/// so the plain level counts too). Caps Lock turns a letter's level over.
struct KeyLevels: Sendable {
    private let bits: UInt8

    init(mask: UInt16, on platform: ServerPlatform) {
        let shift = mask & 0x0001 != 0
        let capsLock = mask & 0x1000 != 0
        var bases: [Int]
        switch platform {
        case .x11: bases = [mask & 0x0020 != 0 ? 2 : 0]
        case .windows: bases = [mask & 0x0006 == 0x0006 ? 2 : 0]
        case .macos: bases = mask & 0x0004 != 0 ? [2, 0] : [0]
        }
        var bits: UInt8 = 0
        for base in bases {
            let level = base | (shift ? 1 : 0)
            bits |= 1 << UInt8(level)
            if capsLock { bits |= 1 << UInt8(level ^ 1) }
        }
        self.bits = bits
    }

    func contains(_ level: Int) -> Bool {
        (0...3).contains(level) && bits & (1 << UInt8(level)) != 0
    }
}

extension LayoutSymbols {
    /// How the known layouts type `id` on physical key `key` (an evdev code).
    static func counts(id: UInt16, key: UInt16) -> LevelCounts {
        let entry = search(entries, for: UInt64(id) << 16 | UInt64(key)) { $0 >> 32 }
        return entry.map { LevelCounts(raw: UInt32(truncatingIfNeeded: $0)) } ?? .none
    }

    /// The letter a precomposed letter is made of, if it is one.
    static func base(of id: UInt16) -> UInt16? {
        let entry = search(composed, for: UInt64(id)) { UInt64($0 >> 16) }
        return entry.map { UInt16(truncatingIfNeeded: $0) }
    }

    /// The element of sorted `table` whose `prefix` is `wanted`.
    private static func search<Element>(_ table: [Element], for wanted: UInt64,
                                        prefix: (Element) -> UInt64) -> Element? {
        var low = 0
        var high = table.count
        while low < high {
            let middle = low &+ (high &- low) / 2
            let found = prefix(table[middle])
            if found == wanted { return table[middle] }
            if found < wanted { low = middle &+ 1 } else { high = middle }
        }
        return nil
    }
}
