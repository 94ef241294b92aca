// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

@Suite struct FingerprintSpec {
    static let hex = "4321aabbccddeeff00112233445566778899aabbccddeeff0011223344556677"
    static let bytes: [UInt8] = [
        0x43, 0x21, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    ]

    static func colons(_ hex: String) -> String {
        var out = ""
        for (i, c) in hex.enumerated() {
            if i > 0 && i % 2 == 0 { out += ":" }
            out.append(c)
        }
        return out
    }

    static let validForms: [String] = {
        let upper: String = hex.uppercased()
        var forms: [String] = []
        forms.append("v2:sha256:" + hex)
        forms.append("V2:SHA256:" + upper)
        forms.append("sha256:" + hex)
        forms.append(hex)
        forms.append(upper)
        forms.append(colons(upper))
        forms.append(colons(hex))
        forms.append("v2:sha256:" + colons(hex))
        forms.append("  v2:sha256:" + hex + "\n")
        forms.append("\t" + colons(upper) + "\r\n")
        return forms
    }()

    @Test(arguments: validForms)
    func parsesTheFormsServersShowAndStore(text: String) throws {
        let fingerprint = try Fingerprint(parsing: Array(text.utf8))
        #expect(fingerprint.bytes == Self.bytes)
    }

    static let invalidForms: [String] = {
        let withColons: String = colons(hex)
        var forms: [String] = []
        forms.append("")
        forms.append("v2:sha256:")
        forms.append(String(hex.dropLast()))
        forms.append(hex + "0")
        forms.append(hex + "00")
        forms.append("v1:sha256:" + hex)
        forms.append("v2:sha1:" + hex)
        forms.append("g" + String(hex.dropFirst()))
        forms.append(String(withColons.dropLast()))
        forms.append(withColons + ":")
        forms.append(":" + String(withColons.dropLast(3)))
        forms.append(withColons.replacingFirstColon(with: "-"))
        forms.append(String(hex.prefix(32)) + " " + String(hex.suffix(32)))
        // a legacy v1 (SHA-1) line: 20 bytes
        forms.append("AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD")
        return forms
    }()

    @Test(arguments: invalidForms)
    func rejectsAnythingElse(text: String) {
        #expect(throws: Fingerprint.ParseError.malformed) {
            try Fingerprint(parsing: Array(text.utf8))
        }
    }

    @Test func formatsAsATrustedFileLine() throws {
        let fingerprint = try #require(Fingerprint(bytes: Self.bytes))
        let text = String(decoding: fingerprint.text, as: UTF8.self)
        #expect(text == "v2:sha256:" + Self.hex)
        #expect(fingerprint.text.count == Fingerprint.textLength)
        #expect(try Fingerprint(parsing: fingerprint.text) == fingerprint)
    }

    @Test func wantsExactly32Bytes() {
        #expect(Fingerprint(bytes: Array(repeating: 0, count: 31)) == nil)
        #expect(Fingerprint(bytes: Array(repeating: 0, count: 33)) == nil)
        #expect(Fingerprint(bytes: Array(repeating: 0, count: 32)) != nil)
    }

    @Test func survivesGarbage() throws {
        var seed: UInt64 = 0x9e3779b97f4a7c15
        for length in 0..<200 {
            var text: [UInt8] = []
            for _ in 0..<length {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                text.append(UInt8(truncatingIfNeeded: seed >> 33))
            }
            // Garbage is refused; what is taken is a fingerprint that
            // formats back to itself, from at least its 64 hex digits.
            if let fingerprint = try? Fingerprint(parsing: text) {
                #expect(text.count >= 64)
                #expect(try Fingerprint(parsing: fingerprint.text) == fingerprint)
            } else {
                #expect(throws: Fingerprint.ParseError.malformed) { try Fingerprint(parsing: text) }
            }
        }
    }
}

private extension String {
    func replacingFirstColon(with replacement: String) -> String {
        guard let i = firstIndex(of: ":") else { return self }
        return String(self[..<i]) + replacement + String(self[index(after: i)...])
    }
}
