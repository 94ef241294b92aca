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
    /// TLS: nil for plain TCP; else the server's pinned certificate, if any.
    public var tls: TLSSettings?
    /// "host:port" ("[v6]:port") for messages, when the host said both.
    public var serverAddress: String?
    /// The host answers `.askKeySpace`: key events are paced to what the
    /// guest's keyboard takes (KeyPacer).
    public var pacesKeys = false

    public struct TLSSettings: Equatable, Sendable {
        /// The fingerprint the server's certificate must have; nil: none set.
        public var pin: Fingerprint?
        public init(pin: Fingerprint?) { self.pin = pin }
    }

    public enum Error: Swift.Error, Equatable, Sendable {
        case nameLength
        case nameHasNul
        case origin
        case size
        case keycodes
        case clipboardLimit
        case server
        case port
        case fingerprint
        case fingerprintWithoutTLS
        case tlsCredentials

        /// One line naming the fix.
        public var message: StaticString {
            switch self {
            case .nameLength: "name must be 1 to 255 bytes"
            case .nameHasNul: "name must not contain NUL characters"
            case .origin: "x-origin and y-origin must be in -32768..32767"
            case .size: "width and height must be in 1..32767"
            case .keycodes: "keycodes must be auto, x11, windows, macos or off"
            case .clipboardLimit: "clipboard-max-size must be at most 16 MiB"
            case .server: "server must be a host name or address"
            case .port: "port must be a port number or a service name"
            case .fingerprint:
                "tls-fingerprint must be v2:sha256:<64 hex digits>, AB:CD:... (32 hex bytes) or 64 hex digits"
            case .fingerprintWithoutTLS:
                "tls-fingerprint needs tls-creds, the id of a tls-creds-x509 object with endpoint=client"
            case .tlsCredentials:
                "tls-creds must be the id of a tls-creds-x509 object with endpoint=client"
            }
        }
    }

    public init(
        screenName: [UInt8], x: Int64, y: Int64, width: Int64, height: Int64,
        keycodes: UInt32, reconnectDelay: UInt64, clipboardLimit: UInt64,
        server: [UInt8]? = nil, port: [UInt8]? = nil, tls: Bool = false, fingerprint: [UInt8]? = nil,
        tlsCredentialsUsable: Bool = true
    ) throws(Error) {
        guard (1...ProtocolLimits.maxScreenName).contains(screenName.count) else { throw .nameLength }
        guard !screenName.contains(0) else { throw .nameHasNul }
        let screen = try ScreenGeometry(validating: x, y, width, height)
        guard let mode = UInt8(exactly: keycodes).flatMap(KeycodeMode.init(rawValue:)) else { throw .keycodes }
        guard clipboardLimit <= UInt64(ProtocolLimits.maxClipboard) else { throw .clipboardLimit }
        guard server.map({ !$0.isEmpty && !$0.contains(0) }) ?? true else { throw .server }
        guard port.map({ !$0.isEmpty && !$0.contains(0) }) ?? true else { throw .port }
        guard !tls || tlsCredentialsUsable else { throw .tlsCredentials }
        var pin: Fingerprint?
        if let fingerprint, !fingerprint.isEmpty {
            do {
                pin = try Fingerprint(parsing: fingerprint)
            } catch {
                throw .fingerprint
            }
            guard tls else { throw .fingerprintWithoutTLS }
        }
        self.screenName = screenName
        self.screen = screen
        self.keycodes = mode
        self.reconnectDelay = reconnectDelay
        self.clipboardLimit = Int(clipboardLimit)
        self.tls = tls ? TLSSettings(pin: pin) : nil
        if let server, let port {
            // bytes, not Characters: Embedded Swift has no normalization data
            let host = server.contains(UInt8(ascii: ":")) ? [UInt8(ascii: "[")] + server + [UInt8(ascii: "]")] : server
            serverAddress = String(decoding: host + [UInt8(ascii: ":")] + port, as: UTF8.self)
        }
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
