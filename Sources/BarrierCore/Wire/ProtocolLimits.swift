// SPDX-License-Identifier: GPL-2.0-or-later
/// Limits of the Barrier protocol (protocol reference §1.2-1.3), and the caps
/// this client puts on everything a server can make it hold.
public enum ProtocolLimits {
    /// Largest frame payload a server may send: PROTOCOL_MAX_MESSAGE_LENGTH.
    public static let maxFrame = 4 * 1024 * 1024
    /// Largest `%s` string and `%4I` list in a message.
    public static let maxString = 1024 * 1024
    public static let maxList = 1024 * 1024
    /// The smallest payload that carries a message: its 4-character code.
    public static let minFrame = 4
    /// Screen names are short; 255 bytes keeps the hello-back far under the
    /// 1024 bytes a server accepts (kMaxHelloLength).
    public static let maxScreenName = 255
    /// Largest clipboard a host may ask us to reassemble or send.
    public static let maxClipboard = 16 * 1024 * 1024
    /// Clipboard data sent to the server goes in slices of this size, as
    /// Barrier's own StreamChunker does.
    public static let clipboardChunk = 32 * 1024
}
