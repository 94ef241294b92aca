// SPDX-License-Identifier: GPL-2.0-or-later
/// A SHA-256 certificate fingerprint, as Barrier, Input Leap and Deskflow pin
/// the peer: the digest of the certificate's DER encoding.
///
/// Parsed from the forms servers show and store: `v2:sha256:<64 hex>` (their
/// fingerprint files), `AB:CD:...` (their logs and dialogs), plain hex; any
/// case, surrounding blanks ignored. Formatted as `v2:sha256:<lowercase hex>`,
/// the line a trusted-servers / trusted-clients file holds.
public struct Fingerprint: Equatable, Sendable {
    public static let byteCount = 32
    /// `v2:sha256:` + 64 hex digits.
    public static let textLength = 10 + 2 * byteCount

    public enum ParseError: Error, Equatable, Sendable {
        /// Not one of the forms above.
        case malformed
    }

    /// The 32 digest bytes.
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    public init(parsing text: some Collection<UInt8>) throws(ParseError) {
        var chars = Array(text)
        while let last = chars.last, Self.isBlank(last) { chars.removeLast() }
        var start = 0
        while start < chars.count, Self.isBlank(chars[start]) { start += 1 }
        chars.removeFirst(start)

        // Optional "v2:sha256:" (or "sha256:") prefix, any case.
        for prefix in [Array("v2:sha256:".utf8), Array("sha256:".utf8)]
        where Self.hasPrefix(chars, prefix) {
            chars.removeFirst(prefix.count)
            break
        }

        var digits: [UInt8] = []
        digits.reserveCapacity(2 * Self.byteCount)
        let colons = chars.contains(UInt8(ascii: ":"))
        if colons {
            // Exactly AB:CD:...: pairs of digits separated by single colons.
            guard chars.count == 3 * Self.byteCount - 1 else { throw .malformed }
            for (i, c) in chars.enumerated() {
                if i % 3 == 2 {
                    guard c == UInt8(ascii: ":") else { throw .malformed }
                } else {
                    digits.append(c)
                }
            }
        } else {
            digits = chars
        }
        guard digits.count == 2 * Self.byteCount else { throw .malformed }
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        for i in 0..<Self.byteCount {
            guard let hi = Self.hexValue(digits[2 * i]), let lo = Self.hexValue(digits[2 * i + 1]) else {
                throw .malformed
            }
            out[i] = hi << 4 | lo
        }
        bytes = out
    }

    /// `v2:sha256:` + 64 lowercase hex digits (ASCII).
    public var text: [UInt8] {
        let hex = Array("0123456789abcdef".utf8)
        var out = Array("v2:sha256:".utf8)
        out.reserveCapacity(Self.textLength)
        for b in bytes {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xf)])
        }
        return out
    }

    private static func isBlank(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
    }

    private static func lower(_ c: UInt8) -> UInt8 {
        c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c + 32 : c
    }

    private static func hasPrefix(_ chars: [UInt8], _ prefix: [UInt8]) -> Bool {
        guard chars.count >= prefix.count else { return false }
        for i in 0..<prefix.count where lower(chars[i]) != prefix[i] { return false }
        return true
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
