// SPDX-License-Identifier: GPL-2.0-or-later

/// Works out the server's keycode set from its key traffic (KeycodeMode.auto),
/// and reads every key press right while it does, from the first one.
///
/// The protocol has no explicit signal (§4), but every key press carries two
/// facts: the symbol the server's layout made (KeyID) and the server's
/// physical key code (the message's "button"). Read with the wrong
/// platform's table, the key code is some other key, which almost never
/// types that symbol. So each press is read with each platform's table,
/// and the generated LayoutSymbols (what the common layouts type on each
/// key, from xkb-data) say which readings could have made the symbol:
///
/// * exactly one reading could: a vote for that platform (a German 'z' with
///   X key code 29 is the Y key on X11, Left Control on Windows, the 8 key on
///   macOS: only X11 fits);
/// * several could, on different keys (a US 'm' with key code 47 is the M key
///   on macOS and the AZERTY M key, KEY_SEMICOLON, on X11): no vote. The
///   press is read with the reading the layouts make likeliest on the
///   levels its modifier mask stands for, X11 before Windows on a tie; and
///   when macOS is one of the fitting readings, the press waits for its
///   release (Keyboard), which tells: macOS servers send KeyID 0 on every
///   key-up, the others the symbol.
/// * none could (a layout the tables do not know, a remapped key): no vote;
///   the press is read as in the case above, over every platform whose
///   table has the key code. A key is never dropped for its symbol.
///
/// A key-up with KeyID 0 and a key code in the macOS range votes for macOS; a
/// key-up with a KeyID rules macOS out for good.
///
/// The platform is the one with the most votes, when it has more than any
/// other; later votes can overturn it, so one odd key cannot pin a wrong
/// table. The detector is a value that outlives a connection (Supervisor),
/// so what was learned holds after a reconnect to the same server.
public struct PlatformDetector: Equatable, Sendable {
    /// How to read a key press.
    enum Reading: Equatable, Sendable {
        /// With this platform's table; nil: no table has the key code, so by
        /// its KeyID alone.
        case platform(ServerPlatform?)
        /// With the macOS table if the press comes from a macOS server, else
        /// with this platform's: the key's release will tell.
        case macosOr(ServerPlatform)

        /// The platform to read with, once it is known whether the server is
        /// a macOS one.
        func platform(macos: Bool) -> ServerPlatform? {
            switch self {
            case .platform(let platform): platform
            case .macosOr(let other): macos ? .macos : other
            }
        }
    }

    // Int: one vote per key message, so these cannot get near Int.max.
    private var x11Votes = 0
    private var windowsVotes = 0
    private var macosVotes = 0
    /// A key-up with a KeyID was seen: a macOS server never sends one.
    private(set) var excludesMacos = false

    public init() {}

    /// The platform the votes point to, or nil while none leads.
    public var platform: ServerPlatform? {
        let macos = excludesMacos ? 0 : macosVotes
        if x11Votes > windowsVotes && x11Votes > macos { return .x11 }
        if windowsVotes > x11Votes && windowsVotes > macos { return .windows }
        if macos > x11Votes && macos > windowsVotes { return .macos }
        return nil
    }

    /// Counts a key press as evidence and says how to read it.
    mutating func keyDown(id: UInt16, mask: UInt16, serverKey: UInt16) -> Reading {
        var candidates: [Candidate] = []
        for platform in ServerPlatform.allCases where !(platform == .macos && excludesMacos) {
            guard let key = KeyMapper.physicalKey(serverKey: serverKey, id: id, on: platform) else { continue }
            candidates.append(Candidate(platform: platform, key: key))
        }
        let fitting = Self.fitting(candidates, id: id, mask: mask)
        if fitting.count == 1, let only = fitting.first { vote(for: only.platform) }
        if let platform { return .platform(platform) }
        return Self.reading(of: fitting.isEmpty ? candidates : fitting)
    }

    mutating func keyUp(id: UInt16, serverKey: UInt16) {
        guard serverKey != 0 else { return }
        if id != KeyID.none {
            excludesMacos = true
        } else if (1...0x80).contains(serverKey) {
            macosVotes = macosVotes &+ 1
        }
    }

    /// One platform's reading of a key code, and how well it fits the symbol.
    private struct Candidate {
        let platform: ServerPlatform
        let key: UInt16
        /// Layouts that type the symbol on this key, on the mask's levels.
        var onLevels = 0
        /// ... on any level.
        var total = 0

        func isLikelier(than other: Candidate) -> Bool {
            (onLevels, total) > (other.onLevels, other.total)
        }
    }

    /// The candidates whose key some layout types `id` on, with their scores.
    private static func fitting(_ candidates: [Candidate], id: UInt16, mask: UInt16) -> [Candidate] {
        var fitting: [Candidate] = []
        for var candidate in candidates {
            var counts = LayoutSymbols.counts(id: id, key: candidate.key)
            // A macOS server sends nothing for a dead key, then the letter it
            // made with the letter's key code: judged as that letter.
            if counts.total == 0, candidate.platform == .macos, let letter = LayoutSymbols.base(of: id) {
                counts = LayoutSymbols.counts(id: letter, key: candidate.key)
            }
            guard counts.total > 0 else { continue }
            candidate.onLevels = counts.on(KeyLevels(mask: mask, on: candidate.platform))
            candidate.total = counts.total
            fitting.append(candidate)
        }
        return fitting
    }

    /// The likeliest of `candidates` (in ServerPlatform order: X11 first),
    /// macOS held apart when it reads another key.
    private static func reading(of candidates: [Candidate]) -> Reading {
        var best: Candidate?
        var macos: Candidate?
        for candidate in candidates {
            if candidate.platform == .macos {
                macos = candidate
            } else if best.map({ candidate.isLikelier(than: $0) }) ?? true {
                best = candidate
            }
        }
        guard let best else { return .platform(macos?.platform) }
        if let macos, macos.key != best.key { return .macosOr(best.platform) }
        return .platform(best.platform)
    }

    private mutating func vote(for platform: ServerPlatform) {
        switch platform {
        case .x11: x11Votes = x11Votes &+ 1
        case .windows: windowsVotes = windowsVotes &+ 1
        case .macos: macosVotes = macosVotes &+ 1
        }
    }
}
