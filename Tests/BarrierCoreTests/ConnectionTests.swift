// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

/// A connection that has finished the handshake at time 0 (shared by the specs).
func connectedConnection(_ configuration: SessionConfiguration = .test()) -> Connection {
    var session = Connection(configuration: configuration, now: 0)
    _ = session.feed(ServerBytes.handshake)
    return session
}

@Suite struct ConnectionHandshakeSpec {
    @Test func answersTheHelloWithTheSameNameVersion16AndTheScreenName() {
        var session = Connection(configuration: .test(), now: 0)
        #expect(session.state == .awaitingHello(deadline: Connection.helloTimeout))
        #expect(session.feed(ServerBytes.hello("Synergy", minor: 8))
            == [.send(.helloBack(.synergy, screenName: Array("VM-1".utf8)))])
        #expect(session.state == .handshaking(.synergy))
    }

    @Test func answersTheInfoQueryWithTheScreenRectangle() {
        var session = Connection(configuration: .test(), now: 0)
        _ = session.feed(ServerBytes.hello())
        #expect(session.feed(ServerBytes.queryInfo)
            == [.send(.info(x: 0, y: 0, width: 1920, height: 1080, mouseX: 960, mouseY: 540))])
    }

    @Test func isConnectedOnceTheServerSendsItsOptions() {
        var session = Connection(configuration: .test(), now: 0)
        _ = session.feed(ServerBytes.hello() + ServerBytes.queryInfo + ServerBytes.infoAck + ServerBytes.resetOptions)
        #expect(session.state == .handshaking(.barrier))
        _ = session.feed(ServerBytes.options([]))
        #expect(session.state == .connected(.barrier))
    }

    @Test func givesUpOnAServerThatNeverSaysHelloAndSuspectsTLS() {
        var session = Connection(configuration: .test(), now: 1_000)
        #expect(session.deadline == 11_000)
        #expect(session.tick(now: 10_999).isEmpty)
        _ = session.tick(now: 11_000)
        guard case .closed(let reason) = session.state else { Issue.record("not closed"); return }
        #expect(reason.kind == .timeout)
        #expect(reason.message.contains("TLS"))
    }

    @Test func refusesAServerThatIsNotBarrier() {
        var session = Connection(configuration: .test(), now: 0)
        _ = session.feed(ServerBytes.raw(length: 11, payload: Array("SSH-2.0-Ope".utf8)))
        guard case .closed(let reason) = session.state else { Issue.record("not closed"); return }
        #expect(reason.kind == .protocolError)
    }

    @Test func refusesAServerOlderThan16() {
        var session = Connection(configuration: .test(), now: 0)
        _ = session.feed(ServerBytes.hello(minor: 4))
        guard case .closed(let reason) = session.state else { Issue.record("not closed"); return }
        #expect(reason.kind == .version)
        #expect(reason.message.contains("1.4"))
    }
}

@Suite struct ConnectionKeepaliveSpec {
    @Test func echoesEveryKeepalive() {
        var session = connectedConnection()
        #expect(session.feed(ServerBytes.keepAlive + ServerBytes.keepAlive, now: 3_000)
            == [.send(.keepAlive, .keepAlive)])
    }

    @Test func declaresTheServerDeadAfterThreeSilentPeriods() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.keepAlive, now: 3_000)
        #expect(session.deadline == 12_000)
        #expect(session.tick(now: 11_999).isEmpty)
        _ = session.tick(now: 12_000)
        guard case .closed(let reason) = session.state else { Issue.record("not closed"); return }
        #expect(reason.kind == .timeout)
        #expect(reason.message.contains("9 s"))
    }

    @Test func otherTrafficDoesNotCountAsKeepalive() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter() + ServerBytes.mouseMove(x: 1, y: 1), now: 8_000)
        #expect(session.deadline == 9_000)
    }

    @Test func followsTheHeartbeatOption() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.options([("HART", 5_000)]), now: 1_000)
        _ = session.feed(ServerBytes.keepAlive, now: 2_000)
        #expect(session.deadline == 17_000)
        _ = session.feed(ServerBytes.resetOptions, now: 2_000)
        #expect(session.deadline == 11_000)
    }

    @Test func aHeartbeatOfZeroDisablesTheDeadline() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.options([("HART", 0)]))
        #expect(session.deadline == nil)
        #expect(session.tick(now: .max).isEmpty)
    }
}

@Suite struct ConnectionErrorSpec {
    @Test(arguments: [
        ("EUNK", CloseReason.Kind.unknownName, "add it to the server's screens"),
        ("EBSY", .busy, "give this VM another name"),
        ("EBAD", .bad, "broke the protocol"),
        ("CBYE", .bye, "closed the connection"),
    ])
    func closesWithAReasonThatTellsWhatToDo(code: String, kind: CloseReason.Kind, advice: String) {
        var session = Connection(configuration: .test(), now: 0)
        _ = session.feed(ServerBytes.hello() + ServerBytes.queryInfo + ServerBytes.infoAck + ServerBytes.message(code))
        guard case .closed(let reason) = session.state else { Issue.record("not closed"); return }
        #expect(reason.kind == kind)
        #expect(reason.message.contains(advice))
    }

    @Test func namesTheServersVersionOnEICV() {
        var session = Connection(configuration: .test(), now: 0)
        _ = session.feed(ServerBytes.hello() + ServerBytes.message("EICV") { $0.u16(1); $0.u16(8) })
        guard case .closed(let reason) = session.state else { Issue.record("not closed"); return }
        #expect(reason.kind == .version)
        #expect(reason.message.contains("1.8"))
    }

    @Test func skipsUnknownMessagesAndKeepsGoing() {
        var session = connectedConnection()
        let effects = session.feed(ServerBytes.message("LSYN") { $0.string(Array("en".utf8)) } + ServerBytes.keepAlive)
        #expect(effects == [.trace("skipped unknown message LSYN"), .send(.keepAlive)])
        #expect(session.state == .connected(.barrier))
    }

    @Test func closesOnAMalformedMessageAndIgnoresWhatFollows() {
        var session = connectedConnection()
        let effects = session.feed(ServerBytes.message("DMMV") { $0.u8(1) } + ServerBytes.keepAlive)
        #expect(effects.isEmpty)
        guard case .closed(let reason) = session.state else { Issue.record("not closed"); return }
        #expect(reason.message == "protocol error: DMMV message truncated (5 bytes)")
    }

    @Test func closesOnAnAbsurdLength() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.raw(length: 0xFFFF_FFFF))
        guard case .closed(let reason) = session.state else { Issue.record("not closed"); return }
        #expect(reason.kind == .protocolError)
        #expect(reason.message.contains("4294967295-byte"))
    }
}

@Suite struct ConnectionScreenSpec {
    @Test func entersOnCINNAndRemembersTheSequenceNumber() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter(seq: 7))
        #expect(session.state == .active(.barrier, seq: 7))
        _ = session.feed(ServerBytes.leave)
        #expect(session.state == .connected(.barrier))
    }

    @Test func onlyALeaveEndsTheVisitAndReleasesWhatIsHeld() {
        // Every message a server sends while the pointer is here, except a
        // leave and the errors that close: the visit and the held key stay.
        let messages: [(String, [UInt8])] = [
            ("QINF", ServerBytes.queryInfo), ("CIAK", ServerBytes.infoAck), ("CROP", ServerBytes.resetOptions),
            ("DSOP", ServerBytes.options([("HART", 3000), ("MMFC", 5)])), ("CALV", ServerBytes.keepAlive),
            ("CNOP", ServerBytes.message("CNOP")), ("CCLP", ServerBytes.message("CCLP") { $0.u8(0); $0.u32(1) }),
            ("DCLP", ServerBytes.clipboard(id: 0, mark: 1, Array("5".utf8))),
            ("CSEC", ServerBytes.message("CSEC") { $0.u8(1) }), ("DMMV", ServerBytes.mouseMove(x: 5, y: 5)),
            ("CINN", ServerBytes.enter(seq: 2)), ("LSYN", ServerBytes.message("LSYN") { $0.string([]) }),
        ]
        for (code, bytes) in messages {
            var connection = connectedConnection()
            _ = connection.feed(ServerBytes.enter() + ServerBytes.keyDown(0x61, button: 38))
            let effects = connection.feed(bytes)
            guard case .active = connection.state else {
                Issue.record("\(code) ended the visit: \(connection.state)")
                continue
            }
            #expect(!effects.inputs.contains(.key(code: EvdevKey.KEY_A, down: false)), "\(code) released the key")
            #expect(connection.heldInput.keys == [EvdevKey.KEY_A], "\(code)")
        }
        var connection = connectedConnection()
        _ = connection.feed(ServerBytes.enter() + ServerBytes.keyDown(0x61, button: 38))
        #expect(connection.feed(ServerBytes.leave).inputs == [.key(code: EvdevKey.KEY_A, down: false), .sync])
        #expect(connection.heldInput.keys.isEmpty)
    }

    @Test func aKeyPressWaitingForItsReleaseGoesBeforeAnyOtherMessage() {
        // US 'm' with button 47: macOS's M key or X11's AZERTY M key; it
        // waits for its release, but pointer motion does not wait behind it.
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        #expect(session.feed(ServerBytes.keyDown(0x6D, button: 47)).isEmpty)
        let effects = session.feed(ServerBytes.mouseMove(x: 10, y: 10))
        #expect(effects.prefix(2) == [.input(.key(code: EvdevKey.KEY_SEMICOLON, down: true)), .input(.sync)])
        #expect(effects.count == 4)   // the move and its sync after
        #expect(session.feed(ServerBytes.keyUp(0x6D, button: 47))
            == [.input(.key(code: EvdevKey.KEY_SEMICOLON, down: false)), .input(.sync)])
    }

    @Test func ignoresInputWhileThePointerIsElsewhere() {
        var session = connectedConnection()
        #expect(session.feed(ServerBytes.mouseMove(x: 10, y: 10) + ServerBytes.mouseDown(1)).isEmpty)
    }

    @Test func closesMotionWithASyncBeforeAnyOtherAction() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        let effects = session.feed(ServerBytes.mouseMove(x: 1, y: 1) + ServerBytes.message("XYZW")
            + ServerBytes.mouseMove(x: 2, y: 2) + ServerBytes.keepAlive)
        #expect(effects.map(\.description) == [
            "input(moveAbsolute(x: 17, y: 30))", "input(sync)", "trace(skipped unknown message XYZW)",
            "input(moveAbsolute(x: 34, y: 60))", "input(sync)", "send(8 bytes)"])
    }

    @Test func endsAWheelClickWithExactlyOneSync() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        let effects = session.feed(ServerBytes.message("DMWM") { $0.i16(0); $0.i16(120) })
        #expect(effects.inputs == [.button(.wheelUp, down: true), .sync, .button(.wheelUp, down: false), .sync])
    }

    @Test func motionOfOneReadSharesOneSyncAtTheEnd() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        let effects = session.feed(ServerBytes.mouseMove(x: 0, y: 0) + ServerBytes.mouseMove(x: 1919, y: 1079))
        #expect(effects.inputs == [.moveAbsolute(x: 0, y: 0), .moveAbsolute(x: 0x7fff, y: 0x7fff), .sync])
    }

    @Test func motionInSeparateReadsIsSyncedInEach() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        #expect(session.feed(ServerBytes.mouseMove(x: 0, y: 0)).inputs == [.moveAbsolute(x: 0, y: 0), .sync])
        #expect(session.feed(ServerBytes.mouseMove(x: 0, y: 0)).inputs == [.moveAbsolute(x: 0, y: 0), .sync])
    }

    @Test func aClickInOneReadKeepsASyncBeforeBetweenAndAfter() {
        // A press and its release in one batch are lost by QEMU's HID
        // devices; a press must come where the pointer was, not where a
        // later motion of the same read takes it.
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        let effects = session.feed(ServerBytes.mouseMove(x: 0, y: 0) + ServerBytes.mouseDown(1)
            + ServerBytes.mouseUp(1) + ServerBytes.mouseMove(x: 1919, y: 1079))
        #expect(effects.inputs == [
            .moveAbsolute(x: 0, y: 0), .sync,
            .button(.left, down: true), .sync,
            .button(.left, down: false), .sync,
            .moveAbsolute(x: 0x7fff, y: 0x7fff), .sync,
        ])
    }

    @Test func keysKeepASyncEachAndFlushMotionBeforeThem() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        let effects = session.feed(ServerBytes.mouseMove(x: 0, y: 0) + ServerBytes.keyDown(0x61, button: 38)
            + ServerBytes.keyUp(0x61, button: 38))
        #expect(effects.inputs.filter { $0 == .sync }.count == 3)
        #expect(effects.inputs.first == .moveAbsolute(x: 0, y: 0))
        #expect(effects.inputs.dropFirst().first == .sync)
        #expect(effects.inputs.last == .sync)
    }
}

@Suite struct ConnectionClipboardSpec {
    @Test func deliversTheServersTextClipboard() {
        var session = connectedConnection()
        let text = Array("héllo, wörld".utf8)
        let effects = session.feed(ServerBytes.enter() + ServerBytes.clipboardStream(id: 0, text: text))
        #expect(effects.contains(.clipboard(0, text)))
    }

    @Test func keepsInjectingInputBetweenClipboardChunks() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        let text = [UInt8](repeating: 0x41, count: 100_000)
        var stream = ServerBytes.clipboardStream(id: 0, text: text)
        // A move right after the start message, before any chunk.
        let start = ServerBytes.clipboard(id: 0, mark: 1, Array(String(text.count + 12).utf8))
        stream.insert(contentsOf: ServerBytes.mouseMove(x: 5, y: 5), at: start.count)
        let effects = session.feed(Array(stream.prefix(start.count + 12)))
        #expect(!effects.inputs.isEmpty)
        #expect(session.feed(Array(stream.dropFirst(start.count + 12))).contains(.clipboard(0, text)))
    }

    @Test func dropsAClipboardOverTheLimitAndKeepsTheConnection() {
        var session = connectedConnection(.test(clipboardLimit: 1_000))
        _ = session.feed(ServerBytes.enter())
        let effects = session.feed(ServerBytes.clipboardStream(id: 0, text: [UInt8](repeating: 0x41, count: 5_000))
            + ServerBytes.keepAlive)
        #expect(effects == [.trace("dropped server clipboard 0: 5012 bytes, limit 1000"), .send(.keepAlive)])
        #expect(session.state == .active(.barrier, seq: 1))
        #expect(session.bufferedCount == 0)
    }

    @Test func sendsTheGuestsClipboardWhenThePointerLeaves() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter(seq: 4))
        var queue = ActionQueue()
        let text = [UInt8](repeating: 0x42, count: 40_000)
        session.guestClipboardChanged(id: 0, text: text, into: &queue)
        #expect(queue.drain() == [.send(.grabClipboard(id: 0, seq: 4))])
        let data = MarshalledClipboard.marshal(text: text)
        #expect(session.feed(ServerBytes.leave) == [.send(
            .clipboard(id: 0, seq: 4, mark: .start, data: Array("40012".utf8)),
            .clipboard(id: 0, seq: 4, mark: .chunk, data: Array(data[0..<32_768])),
            .clipboard(id: 0, seq: 4, mark: .chunk, data: Array(data[32_768...])),
            .clipboard(id: 0, seq: 4, mark: .end, data: []))])
        // Sent once; a second leave sends nothing.
        _ = session.feed(ServerBytes.enter(seq: 5))
        #expect(session.feed(ServerBytes.leave).isEmpty)
    }

    @Test func sendsNothingWhenAnotherScreenTookTheClipboardFirst() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter(seq: 2))
        var queue = ActionQueue()
        session.guestClipboardChanged(id: 1, text: [0x41], into: &queue)
        _ = session.feed(ServerBytes.message("CCLP") { $0.u8(1); $0.u32(0) })
        #expect(session.feed(ServerBytes.leave).isEmpty)
    }

    /// A whole DCLP stream carrying `data` as the marshalled clipboard.
    private func stream(id: UInt8, marshalled data: [UInt8]) -> [UInt8] {
        ServerBytes.clipboard(id: id, mark: 1, Array(String(data.count).utf8))
            + ServerBytes.clipboard(id: id, mark: 2, data) + ServerBytes.clipboard(id: id, mark: 3, [])
    }

    @Test func anEmptyServerClipboardEmptiesTheGuestsText() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        #expect(session.feed(stream(id: 0, marshalled: [0, 0, 0, 0])) == [.clipboard(0, [])])
    }

    @Test func aServerClipboardWithoutTextEmptiesTheGuestsText() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        // one format: HTML (1), 3 bytes
        let html: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0x3C, 0x62, 0x3E]
        #expect(session.feed(stream(id: 1, marshalled: html)) == [.clipboard(1, [])])
    }

    @Test func tracesAServerClipboardThatIsNotMarshalled() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter())
        // says one format, then stops
        #expect(session.feed(stream(id: 0, marshalled: [0, 0, 0, 1, 0, 0]))
            == [.trace("dropped server clipboard 0: not a marshalled clipboard")])
        #expect(session.state == .active(.barrier, seq: 1))
    }

    @Test func sendsTheGuestsClipboardAtOnceWhenThePointerIsElsewhere() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter(seq: 9) + ServerBytes.leave)
        var queue = ActionQueue()
        let text = Array("ça".utf8)
        session.guestClipboardChanged(id: 1, text: text, into: &queue)
        let data = MarshalledClipboard.marshal(text: text)
        // CCLP first, then the data, in one write
        #expect(queue.drain() == [.send(
            .grabClipboard(id: 1, seq: 9),
            .clipboard(id: 1, seq: 9, mark: .start, data: Array(String(data.count).utf8)),
            .clipboard(id: 1, seq: 9, mark: .chunk, data: data),
            .clipboard(id: 1, seq: 9, mark: .end, data: []))])
    }

    @Test func sendsTheGuestsTextWithLFLineEndings() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.enter(seq: 3))
        var queue = ActionQueue()
        session.guestClipboardChanged(id: 0, text: Array("a\r\nb\rc\r\n".utf8), into: &queue)
        #expect(queue.drain() == [.send(.grabClipboard(id: 0, seq: 3))])
        let data = MarshalledClipboard.marshal(text: Array("a\nb\rc\n".utf8))
        #expect(session.feed(ServerBytes.leave) == [.send(
            .clipboard(id: 0, seq: 3, mark: .start, data: Array(String(data.count).utf8)),
            .clipboard(id: 0, seq: 3, mark: .chunk, data: data),
            .clipboard(id: 0, seq: 3, mark: .end, data: []))])
    }

    @Test func tracesAGuestClipboardOverTheLimitAndKeepsTheOldOne() {
        var session = connectedConnection(.test(clipboardLimit: 100))
        _ = session.feed(ServerBytes.enter(seq: 2))
        var queue = ActionQueue()
        session.guestClipboardChanged(id: 0, text: [0x41], into: &queue)
        #expect(queue.drain() == [.send(.grabClipboard(id: 0, seq: 2))])
        session.guestClipboardChanged(id: 0, text: [UInt8](repeating: 0x42, count: 101), into: &queue)
        #expect(queue.drain() == [.trace("guest clipboard 0 not shared: 101 bytes, limit 100")])
        let data = MarshalledClipboard.marshal(text: [0x41])
        #expect(session.feed(ServerBytes.leave) == [.send(
            .clipboard(id: 0, seq: 2, mark: .start, data: Array(String(data.count).utf8)),
            .clipboard(id: 0, seq: 2, mark: .chunk, data: data),
            .clipboard(id: 0, seq: 2, mark: .end, data: []))])
    }

    @Test func sharesNothingWhenTheLimitIsZero() {
        var session = connectedConnection(.test(clipboardLimit: 0))
        _ = session.feed(ServerBytes.enter())
        var queue = ActionQueue()
        session.guestClipboardChanged(id: 0, text: [], into: &queue)
        #expect(queue.drain().isEmpty)
    }

    @Test func respectsTheServerTurningClipboardSharingOff() {
        var session = connectedConnection()
        _ = session.feed(ServerBytes.options([("CLPS", 0)]) + ServerBytes.enter())
        var queue = ActionQueue()
        session.guestClipboardChanged(id: 0, text: [0x41], into: &queue)
        #expect(queue.drain().isEmpty)
    }
}

@Suite struct MarshalledClipboardSpec {
    @Test func turnsCRLFIntoLFAndLeavesLoneCRs() {
        #expect(MarshalledClipboard.unixLineEndings(Array("\r\na\r\r\nb\r".utf8)) == Array("\na\r\nb\r".utf8))
        let plain = Array("no carriage return\n".utf8)
        #expect(MarshalledClipboard.unixLineEndings(plain) == plain)
        #expect(MarshalledClipboard.unixLineEndings([]) == [])
    }

    @Test func findsTheTextAfterOtherFormats() {
        let data: [UInt8] = [0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0x3C, 0, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]
        #expect(MarshalledClipboard.text(in: data) == Array("hi".utf8))
    }

    @Test func rejectsTruncatedAndOversizedFormats() {
        #expect(MarshalledClipboard.text(in: []) == nil)
        #expect(MarshalledClipboard.text(in: [0, 0, 0, 1, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]) == nil)
    }
}
