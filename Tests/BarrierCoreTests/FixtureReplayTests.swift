// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

/// The real Barrier 2.4 server's bytes (Fixtures/server-to-client.bin, from
/// ../shared/fixtures/barrier-2.4-x11): handshake, typing, buttons, wheel,
/// moves, a small and a 100 KiB clipboard, keepalives.
@Suite struct RealServerReplaySpec {
    let bytes: [UInt8]

    init() throws {
        bytes = try Fixture.bytes("server-to-client.bin")
    }

    private func replay(_ chunks: [ArraySlice<UInt8>]) -> (effects: [Effect], session: Connection) {
        var session = Connection(configuration: .test(), now: 0)
        var effects: [Effect] = []
        for chunk in chunks {
            effects += session.feed(Array(chunk))
        }
        return (effects.mergingSends, session)
    }

    private func chunks(of size: Int) -> [ArraySlice<UInt8>] {
        stride(from: 0, to: bytes.count, by: size).map { bytes[$0..<min($0 + size, bytes.count)] }
    }

    @Test func decodesEveryMessageTheRealServerSent() {
        var framer = Framer()
        var codes: [String: Int] = [:]
        var failures = 0
        let error = bytes.withUnsafeBytes { raw in
            framer.feed(raw) { frame in
                if frame.count == 11, frame.starts(with: Array("Barrier".utf8)) {
                    codes["hello", default: 0] += 1
                    return true
                }
                switch Result(catching: { () throws(MessageDecodeError) in try ServerMessage.decode(frame) }) {
                case .success(let message):
                    if case .unknown = message { failures += 1 }
                    codes[MessageCode(rawValue: frame.loadUnaligned(as: UInt32.self).bigEndian).text, default: 0] += 1
                case .failure:
                    failures += 1
                }
                return true
            }
        }
        #expect(error == nil)
        #expect(failures == 0)
        #expect(codes == ["hello": 1, "QINF": 1, "CIAK": 1, "CROP": 1, "DSOP": 1, "CALV": 14, "CINN": 2,
                          "COUT": 2, "DCLP": 16, "DKDN": 36, "DKUP": 36, "DMDN": 5, "DMUP": 5, "DMMV": 2,
                          "DMWM": 6])
    }

    @Test func givesTheSameResultForEveryChunking() {
        let whole = replay([bytes[...]])
        #expect(!whole.session.isClosed)
        let expected = whole.effects.chunkingIndependent
        for size in [1, 7, 4096] {
            let got = replay(chunks(of: size)).effects.chunkingIndependent
            #expect(got.inputs == expected.inputs)
            #expect(got.others == expected.others)
        }
        var rng = SplitMix(seed: 42)
        for _ in 0..<5 {
            var pieces: [ArraySlice<UInt8>] = []
            var offset = 0
            while offset < bytes.count {
                let size = 1 + Int(rng.next() % 40_000)
                pieces.append(bytes[offset..<min(offset + size, bytes.count)])
                offset += size
            }
            let got = replay(pieces).effects.chunkingIndependent
            #expect(got.inputs == expected.inputs)
            #expect(got.others == expected.others)
        }
    }

    @Test func echoesEveryKeepaliveAndReassemblesBothClipboards() {
        let (effects, session) = replay([bytes[...]])
        #expect(session.state == .connected(.barrier))  // the capture ends after a leave
        let calv = ClientMessage.keepAlive.encoded
        let sent = effects.sentBytes
        let echoes = stride(from: 0, to: sent.count, by: 1).filter { sent[$0...].starts(with: calv) }.count
        #expect(echoes == 14)
        let clipboards = effects.compactMap { effect -> (UInt8, [UInt8])? in
            if case .clipboard(let id, let text) = effect { (id, text) } else { nil }
        }
        // The server's primary selection (1) is empty: it empties the guest's.
        #expect(clipboards.map(\.0) == [0, 1, 0])
        #expect(clipboards.first?.1 == Array("small clipboard text".utf8))
        #expect(clipboards.dropFirst().first?.1 == [])
        #expect(clipboards.last?.1.count == 102_400)
        #expect(clipboards.last?.1.starts(with: Array("0123456789abcdefghijklmnopqrstuv".utf8)) == true)
    }
}
