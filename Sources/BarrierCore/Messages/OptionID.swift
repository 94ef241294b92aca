// SPDX-License-Identifier: GPL-2.0-or-later

/// A DSOP option id: 4 ASCII characters packed big-endian (protocol §2.3).
public struct OptionID: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Keepalive interval in ms; <= 0 disables keepalives. Applied.
    public static let heartbeat = OptionID(rawValue: MessageCode("HART").rawValue)
    /// Clipboard sharing 0/1. Applied: 0 stops us sending the guest's clipboard.
    public static let clipboardSharing = OptionID(rawValue: MessageCode("CLPS").rawValue)
    /// Largest clipboard (Input Leap, Deskflow); 0 disables. Applied as a cap.
    public static let clipboardSize = OptionID(rawValue: MessageCode("CLSZ").rawValue)
    /// Modifier remapping for this screen (`shift = ...`, `ctrl = ...` in the
    /// server's screen section): applied to the modifier keys (ModifierMap).
    public static let modifierForShift = OptionID(rawValue: MessageCode("MMFS").rawValue)
    public static let modifierForControl = OptionID(rawValue: MessageCode("MMFC").rawValue)
    public static let modifierForAlt = OptionID(rawValue: MessageCode("MMFA").rawValue)
    public static let modifierForAltGr = OptionID(rawValue: MessageCode("MMFG").rawValue)
    public static let modifierForMeta = OptionID(rawValue: MessageCode("MMFM").rawValue)
    public static let modifierForSuper = OptionID(rawValue: MessageCode("MMFR").rawValue)

    // The options this client ignores, and why (this is the one list):
    // - SSVR and CSEC: screensaver sync; a VM's screensaver is the guest's
    //   business, and a passed-through display has no QEMU console to blank.
    // - HDCL, HDNL, HDSL: half-duplex Caps/Num/Scroll Lock keys of a screen,
    //   a macOS client's matter; the guest's lock keys are full keys, and
    //   CINN's mask syncs their state.
    // - MDLT: relative mouse moves; informational: DMRM is handled whenever
    //   the server sends it.
    // - XTXU, SFOC, _KFW, SSCM, SSCS, SSWT, SSTT, SSNS, SSNC, SSNA, LTSS, DLTS:
    //   X11/Windows client quirks and the server's own switching behaviour.
}
