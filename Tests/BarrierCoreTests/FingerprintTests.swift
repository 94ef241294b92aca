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

    @Test(arguments: [
        "v2:sha256:" + hex,
        "V2:SHA256:" + hex.uppercased(),
        "sha256:" + hex,
        hex,
        hex.uppercased(),
        colons(hex.uppercased()),
        colons(hex),
        "v2:sha256:" + colons(hex),
        "  v2:sha256:" + hex + "\n",
        "\t" + colons(hex.uppercased()) + "\r\n",
    ])
    func parsesTheFormsServersShowAndStore(text: String) throws {
        let fingerprint = try Fingerprint(parsing: Array(text.utf8))
        #expect(fingerprint.bytes == Self.bytes)
    }

    @Test(arguments: [
        "",
        "v2:sha256:",
        String(hex.dropLast()),
        hex + "0",
        hex + "00",
        "v1:sha256:" + hex,
        "v2:sha1:" + hex,
        "g" + String(hex.dropFirst()),
        String(colons(hex).dropLast()),
        colons(hex) + ":",
        ":" + colons(hex).dropLast(3),
        colons(hex).replacingFirstColon(with: "-"),
        String(hex.prefix(32)) + " " + String(hex.suffix(32)),
        // a legacy v1 (SHA-1) line: 20 bytes
        "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD",
    ])
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

    @Test func survivesGarbage() {
        var seed: UInt64 = 0x9e3779b97f4a7c15
        for length in 0..<200 {
            var text: [UInt8] = []
            for _ in 0..<length {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                text.append(UInt8(truncatingIfNeeded: seed >> 33))
            }
            _ = try? Fingerprint(parsing: text)
        }
    }
}

private extension String {
    func replacingFirstColon(with replacement: String) -> String {
        guard let i = firstIndex(of: ":") else { return self }
        return String(self[..<i]) + replacement + String(self[index(after: i)...])
    }
}
