import Testing
@testable import BarrierCore

/// What a broken or hostile server can send: each test's assertion is that
/// the session returns (no trap), ends in a sane state, and holds a bounded
/// amount of memory.
@Suite struct HostileInputSpec {
    private func connected() -> Session {
        var session = Session(configuration: .test(), now: 0)
        _ = session.feed(ServerBytes.handshake + ServerBytes.enter())
        return session
    }

    @Test(arguments: [UInt32(0), 3, UInt32(ProtocolLimits.maxFrame + 1), 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF])
    func closesOnAnImpossibleLength(length: UInt32) {
        var session = connected()
        _ = session.feed(ServerBytes.raw(length: length, payload: [UInt8](repeating: 0x41, count: 16)))
        #expect(session.isClosed)
        #expect(session.bufferedCount == 0)
    }

    @Test func survivesEveryKnownMessageCutAtEveryByte() {
        let messages: [[UInt8]] = [
            ServerBytes.enter(), ServerBytes.keyDown(0x61, button: 38), ServerBytes.keyUp(0x61, button: 38),
            ServerBytes.message("DKRP") { $0.u16(0x61); $0.u16(0); $0.u16(2); $0.u16(38) },
            ServerBytes.mouseDown(1), ServerBytes.mouseMove(x: 5, y: 5),
            ServerBytes.message("DMRM") { $0.i16(1); $0.i16(1) },
            ServerBytes.message("DMWM") { $0.i16(0); $0.i16(120) },
            ServerBytes.options([("HART", 1000)]), ServerBytes.clipboard(id: 0, mark: 1, [0x34]),
            ServerBytes.message("CCLP") { $0.u8(0); $0.u32(0) }, ServerBytes.message("CSEC") { $0.u8(1) },
            ServerBytes.message("EICV") { $0.u16(1); $0.u16(6) },
        ]
        for message in messages {
            for cut in 4...message.count {
                // Rewrite the length so the frame is whole but its fields are cut.
                var frame = Array(message.prefix(cut))
                let length = UInt32(cut - 4)
                frame.replaceSubrange(0..<4, with: [UInt8(length >> 24), UInt8(length >> 16 & 0xff),
                                                    UInt8(length >> 8 & 0xff), UInt8(length & 0xff)])
                var session = connected()
                _ = session.feed(frame)
                #expect(session.bufferedCount == 0)
            }
        }
    }

    @Test func survivesRandomBytesAfterTheHandshake() {
        var rng = SplitMix(seed: 1)
        for _ in 0..<2_000 {
            var session = connected()
            let bytes = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = session.feed(bytes)
            #expect(session.bufferedCount <= ProtocolLimits.maxFrame + 4)
        }
    }

    @Test func survivesRandomBytesInPlaceOfTheHello() {
        var rng = SplitMix(seed: 2)
        for _ in 0..<2_000 {
            var session = Session(configuration: .test(), now: 0)
            _ = session.feed((0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
    }

    @Test func survivesMutationsOfTheRealServerStream() throws {
        let real = Array(try Fixture.bytes("server-to-client.bin").prefix(2_000))
        var rng = SplitMix(seed: 3)
        for _ in 0..<500 {
            var bytes = real
            for _ in 0..<(1 + rng.next() % 8) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            var session = Session(configuration: .test(), now: 0)
            _ = session.feed(bytes)
        }
    }

    @Test func boundsAClipboardStreamThatNeverEnds() {
        var session = connected()
        _ = session.feed(ServerBytes.clipboard(id: 0, mark: 1, Array("1048576".utf8)))
        let chunk = ServerBytes.clipboard(id: 0, mark: 2, [UInt8](repeating: 1, count: 32_768))
        for _ in 0..<64 {  // 2 MiB of chunks for a 1 MiB announcement
            _ = session.feed(chunk)
        }
        #expect(session.bufferedCount <= 1_048_576)
        #expect(!session.isClosed)
    }

    @Test func dropsChunksLargerThanAnnounced() {
        var session = connected()
        let effects = session.feed(ServerBytes.clipboard(id: 0, mark: 1, Array("10".utf8))
            + ServerBytes.clipboard(id: 0, mark: 2, [UInt8](repeating: 1, count: 11))
            + ServerBytes.clipboard(id: 0, mark: 3, []))
        #expect(effects == [.trace("dropped server clipboard 0: stream corrupt")])
    }

    @Test func ignoresClipboardIdsBeyondPrimary() {
        var session = connected()
        #expect(session.feed(ServerBytes.clipboardStream(id: 2, text: [0x41])).isEmpty)
        #expect(session.feed(ServerBytes.clipboardStream(id: 255, text: [0x41])).isEmpty)
    }

    @Test func handlesA20000MessageBurstInOneRead() {
        var session = connected()
        var burst: [UInt8] = []
        for i in 0..<20_000 {
            burst += ServerBytes.mouseMove(x: Int16(i % 1920), y: Int16(i % 1080))
        }
        _ = session.feed(burst + ServerBytes.keepAlive)
        #expect(!session.isClosed)
    }
}
