// SPDX-License-Identifier: GPL-2.0-or-later

/// What the host tells the core about this screen; validated once so that a
/// bad value is an error at object creation, never a surprise later.
public struct SessionConfiguration: Equatable, Sendable {
    public var screenName: [UInt8]
    public var screen: ScreenGeometry
    public var keycodes: KeycodeMode
    /// First reconnect delay in ms, doubled up to `Backoff.maximum`; 0 = never.
    public var reconnectDelay: UInt64
    /// Largest clipboard to accept or send, in bytes; 0 = sharing off.
    public var clipboardLimit: Int

    public enum Error: Swift.Error, Equatable, Sendable {
        case nameLength
        case nameHasNul
        case origin
        case size
        case keycodes
        case clipboardLimit

        /// One line naming the fix.
        public var message: StaticString {
            switch self {
            case .nameLength: "name must be 1 to 255 bytes"
            case .nameHasNul: "name must not contain NUL characters"
            case .origin: "x-origin and y-origin must be in -32768..32767"
            case .size: "width and height must be in 1..32767"
            case .keycodes: "keycodes must be auto, x11, windows, macos or off"
            case .clipboardLimit: "clipboard-max-size must be at most 16 MiB"
            }
        }
    }

    public init(
        screenName: [UInt8], x: Int64, y: Int64, width: Int64, height: Int64,
        keycodes: UInt32, reconnectDelay: UInt64, clipboardLimit: UInt64
    ) throws(Error) {
        guard (1...ProtocolLimits.maxScreenName).contains(screenName.count) else { throw .nameLength }
        guard !screenName.contains(0) else { throw .nameHasNul }
        let screen = try ScreenGeometry(validating: x, y, width, height)
        guard let mode = UInt8(exactly: keycodes).flatMap(KeycodeMode.init(rawValue:)) else { throw .keycodes }
        guard clipboardLimit <= UInt64(ProtocolLimits.maxClipboard) else { throw .clipboardLimit }
        self.screenName = screenName
        self.screen = screen
        self.keycodes = mode
        self.reconnectDelay = reconnectDelay
        self.clipboardLimit = Int(clipboardLimit)
    }

    /// The name as text, for messages.
    var displayName: String { String(decoding: screenName, as: UTF8.self) }
}

extension ScreenGeometry {
    /// The rectangle the host asks for, if the protocol can carry it.
    public init(validating x: Int64, _ y: Int64, _ width: Int64, _ height: Int64)
        throws(SessionConfiguration.Error) {
        guard let x = Int16(exactly: x), let y = Int16(exactly: y) else { throw .origin }
        guard let width = Int16(exactly: width), let height = Int16(exactly: height),
              width >= 1, height >= 1 else { throw .size }
        self.init(x: x, y: y, width: width, height: height)
    }
}
