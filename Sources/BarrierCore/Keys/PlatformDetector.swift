/// Works out the server's keycode set from its key traffic (KeycodeMode.auto).
/// There is no explicit signal in the protocol (§4), so it collects votes:
///
/// * a key-down of a layout-independent key (Escape, Tab, Return, BackSpace,
///   space, Shift, Control, arrows, Home/End/PgUp/PgDn, Insert, Delete,
///   F1-F12, KP_Enter) whose button is that very key in exactly one of the
///   three tables votes for that platform (a button that fits two tables, or
///   none, e.g. a remapped key, is no evidence);
/// * a key-up with KeyID 0 and a button in the macOS range (1...0x80) votes for
///   macOS: only macOS servers send KeyID 0 on release.
///
/// Windows' extended-bit buttons (0x148 = Up ...) need no rule of their own:
/// they only fit the Windows table. A platform is chosen once it has two votes
/// more than any other, so a clean stream converges on its second
/// unambiguous key, and one stray vote delays the decision by one key. The
/// choice is final for the session.
struct PlatformDetector: Sendable {
    private(set) var platform: ServerPlatform?
    // Int: one vote per key message, so these cannot get near Int.max.
    private var x11Votes = 0
    private var windowsVotes = 0
    private var macosVotes = 0

    /// Lead over every other platform needed to decide.
    static let requiredLead = 2

    mutating func observeKeyDown(id: UInt16, button: UInt16) {
        guard platform == nil, button != 0, KeyID.isLayoutIndependent(id),
              let expected = KeysymMap.key(for: id) else { return }
        var match: ServerPlatform?
        for candidate in ServerPlatform.allCases
        where KeyMapper.physicalKey(button: button, id: id, on: candidate) == expected {
            guard match == nil else { return }   // fits two tables: no evidence
            match = candidate
        }
        if let match { vote(for: match) }
    }

    mutating func observeKeyUp(id: UInt16, button: UInt16) {
        guard platform == nil, id == KeyID.none, (1...0x80).contains(button) else { return }
        vote(for: .macos)
    }

    private mutating func vote(for candidate: ServerPlatform) {
        switch candidate {
        case .x11: x11Votes = x11Votes &+ 1
        case .windows: windowsVotes = windowsVotes &+ 1
        case .macos: macosVotes = macosVotes &+ 1
        }
        let others: Int
        let mine: Int
        switch candidate {
        case .x11: (mine, others) = (x11Votes, max(windowsVotes, macosVotes))
        case .windows: (mine, others) = (windowsVotes, max(x11Votes, macosVotes))
        case .macos: (mine, others) = (macosVotes, max(x11Votes, windowsVotes))
        }
        if mine >= others &+ Self.requiredLead { platform = candidate }
    }
}
