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
    // Ignored knowingly: MMFS/MMFC/MMFA/MMFG/MMFM/MMFR (modifier remapping: the
    // guest's own layout and settings decide, and the keys we inject are
    // physical), SSVR/CSEC (a VM has no screensaver to sync), HDCL/HDNL/HDSL
    // (half-duplex locks, a macOS client matter), MDLT (informational), and
    // the server-side switching options.
}
