// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

/// What a broken or hostile server can send: each test's assertion is that
/// the session returns (no trap), ends in a sane state, and holds a bounded
/// amount of memory.
@Suite struct HostileInputSpec {
    private func connected() -> Connection {
        var session = Connection(configuration: .test(), now: 0)
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
            let code = String(decoding: message[4..<8], as: UTF8.self)
            for cut in 8...message.count {
                // Rewrite the length so the frame is whole but its fields are cut.
                var frame = Array(message.prefix(cut))
                let length = UInt32(cut - 4)
                frame.replaceSubrange(0..<4, with: [UInt8(length >> 24), UInt8(length >> 16 & 0xff),
                                                    UInt8(length >> 8 & 0xff), UInt8(length & 0xff)])
                var session = connected()
                _ = session.feed(ServerBytes.keyDown(0x62, button: 56))
                let effects = session.feed(frame)
                #expect(session.bufferedCount == 0)
                switch session.state {
                case .closed(let reason) where code == "EICV" && cut == message.count:
                    #expect(reason.kind == .version)   // the server's refusal, whole
                case .closed(let reason):
                    // Cut fields are a protocol error naming the message, and
                    // the key held before it is released.
                    #expect(cut < message.count, "\(code) whole was refused")
                    #expect(reason.kind == .protocolError && reason.message.contains(code), "\(reason.message)")
                    #expect(effects.inputs.contains(.key(code: EvdevKey.KEY_B, down: false)), "\(code) cut at \(cut)")
                default:
                    // Only a whole message, or a shorter form the protocol has
                    // (DKDN/DKUP/DKRP 1.0 without the key code, DMWM 1.2 with
                    // one delta, an options list), keeps the connection.
                    #expect(cut == message.count || ["DKDN", "DKUP", "DKRP", "DMWM", "DSOP"].contains(code),
                            "\(code) cut at \(cut) was accepted")
                }
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
            var session = Connection(configuration: .test(), now: 0)
            let effects = session.feed((0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            // Garbage is no hello: the connection waits for more or closes,
            // and nothing reaches the guest or the server.
            #expect(effects.inputs.isEmpty)
            #expect(effects.sentBytes.isEmpty)
            switch session.state {
            case .awaitingHello: break
            case .closed(let reason): #expect(reason.kind == .protocolError || reason.kind == .version)
            default: Issue.record("garbage was taken for a hello: \(session.state)")
            }
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
            var session = Connection(configuration: .test(), now: 0)
            var effects = session.feed(bytes)
            var queue = ActionQueue()
            _ = session.shutdown(into: &queue)
            effects += queue.drain()
            // Whatever was pressed was released by the end.
            var keys: Set<UInt16> = []
            var buttons: Set<MouseButton> = []
            for event in effects.inputs {
                switch event {
                case .key(let code, let down): if down { keys.insert(code) } else { keys.remove(code) }
                case .button(let button, let down): if down { buttons.insert(button) } else { buttons.remove(button) }
                case .moveAbsolute, .moveRelative, .sync: break
                }
            }
            #expect(keys.isEmpty && buttons.isEmpty, "held after the close: \(keys) \(buttons)")
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
