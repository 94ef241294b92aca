// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

private func decode(_ frame: [UInt8]) throws(MessageDecodeError) -> ServerMessage {
    // Drop the length field: decode() takes a frame's payload.
    let payload = Array(frame.dropFirst(4))
    return try payload.withUnsafeBytes { raw in
        Result { () throws(MessageDecodeError) in try ServerMessage.decode(raw) }
    }.get()
}

private func hello(_ frame: [UInt8]) throws(Hello.DecodeError) -> Hello {
    let payload = Array(frame.dropFirst(4))
    return try payload.withUnsafeBytes { raw in
        Result { () throws(Hello.DecodeError) in try Hello.decode(raw) }
    }.get()
}

@Suite struct ServerMessageSpec {
    @Test func decodesEveryServerMessageFromItsBytes() throws {
        let cases: [([UInt8], ServerMessage)] = [
            ([0, 0, 0, 4] + Array("QINF".utf8), .queryInfo),
            ([0, 0, 0, 4] + Array("CIAK".utf8), .infoAck),
            ([0, 0, 0, 4] + Array("CROP".utf8), .resetOptions),
            ([0, 0, 0, 4] + Array("CALV".utf8), .keepAlive),
            ([0, 0, 0, 4] + Array("CNOP".utf8), .noOp),
            ([0, 0, 0, 4] + Array("COUT".utf8), .leave),
            ([0, 0, 0, 4] + Array("CBYE".utf8), .close),
            ([0, 0, 0, 4] + Array("EBSY".utf8), .busy),
            ([0, 0, 0, 4] + Array("EUNK".utf8), .unknownName),
            ([0, 0, 0, 4] + Array("EBAD".utf8), .bad),
            // The real server's CINN: x=0 y=540 seq=1 mask=0.
            ([0x00, 0x00, 0x00, 0x0e, 0x43, 0x49, 0x4e, 0x4e, 0x00, 0x00, 0x02, 0x1c, 0x00, 0x00, 0x00, 0x01,
              0x00, 0x00], .enter(x: 0, y: 540, seq: 1, mask: 0)),
            // DSOP from the protocol reference: HART 5000, CLPS 1.
            ([0, 0, 0, 0x18] + Array("DSOP".utf8) + [0, 0, 0, 4] + Array("HART".utf8) + [0, 0, 0x13, 0x88]
                + Array("CLPS".utf8) + [0, 0, 0, 1],
             .setOptions([ServerOption(id: .heartbeat, value: 5000), ServerOption(id: .clipboardSharing, value: 1)])),
            (ServerBytes.message("CCLP") { $0.u8(1); $0.u32(7) }, .grabClipboard(id: 1, seq: 7)),
            (ServerBytes.message("CSEC") { $0.u8(1) }, .screenSaver(on: true)),
            // The real server's DKDN 'a': keyid 0x61, mask 0, button 38.
            ([0x00, 0x00, 0x00, 0x0a, 0x44, 0x4b, 0x44, 0x4e, 0x00, 0x61, 0x00, 0x00, 0x00, 0x26],
             .keyDown(id: 0x61, mask: 0, button: 38)),
            (ServerBytes.keyUp(0x7a, button: 52), .keyUp(id: 0x7a, mask: 0, button: 52)),
            (ServerBytes.message("DKRP") { $0.u16(0x61); $0.u16(1); $0.u16(3); $0.u16(38) },
             .keyRepeat(id: 0x61, mask: 1, count: 3, button: 38)),
            (ServerBytes.mouseDown(3), .mouseDown(3)),
            (ServerBytes.mouseUp(5), .mouseUp(5)),
            (ServerBytes.mouseMove(x: -5, y: 1079), .mouseMove(x: -5, y: 1079)),
            (ServerBytes.message("DMRM") { $0.i16(-3); $0.i16(2) }, .mouseRelativeMove(dx: -3, dy: 2)),
            (ServerBytes.message("DMWM") { $0.i16(-120); $0.i16(0) }, .mouseWheel(dx: -120, dy: 0)),
            (ServerBytes.clipboard(id: 0, mark: 1, Array("78".utf8)),
             .clipboard(id: 0, seq: 0, mark: .start, data: Array("78".utf8))),
            (ServerBytes.message("DFTR") { $0.u8(1); $0.string([0x31]) }, .fileTransfer),
            (ServerBytes.message("DDRG") { $0.u16(1); $0.string([0x2f, 0x2c]) }, .dragInfo),
            (ServerBytes.message("EICV") { $0.u16(1); $0.u16(6) }, .incompatible(major: 1, minor: 6)),
            (ServerBytes.message("XYZW") { $0.u32(1) }, .unknown(MessageCode(rawValue: 0x5859_5A57))),
            (ServerBytes.message("LSYN") { $0.string(Array("en".utf8)) }, .unknown(MessageCode(rawValue: 0x4C53_594E))),
        ]
        for (bytes, expected) in cases {
            #expect(try decode(bytes) == expected)
        }
    }

    @Test func readsTheProtocol10KeyFormsWithoutAButton() throws {
        #expect(try decode(ServerBytes.message("DKDN") { $0.u16(0x61); $0.u16(0) })
            == .keyDown(id: 0x61, mask: 0, button: 0))
        #expect(try decode(ServerBytes.message("DKRP") { $0.u16(0x61); $0.u16(0); $0.u16(2) })
            == .keyRepeat(id: 0x61, mask: 0, count: 2, button: 0))
    }

    @Test func readsTheOneAxisWheelOfProtocolsBefore13AsVertical() throws {
        #expect(try decode(ServerBytes.message("DMWM") { $0.i16(120) }) == .mouseWheel(dx: 0, dy: 120))
    }

    @Test func ignoresTheLanguageStringDeskflowAppendsToKeyRepeat() throws {
        let deskflow = ServerBytes.message("DKRP") {
            $0.u16(0x61); $0.u16(0); $0.u16(1); $0.u16(38); $0.string(Array("en".utf8))
        }
        #expect(try decode(deskflow) == .keyRepeat(id: 0x61, mask: 0, count: 1, button: 38))
    }

    @Test func refusesTruncatedMessages() {
        for frame in [ServerBytes.message("DKDN") { $0.u16(0x61) },
                      ServerBytes.message("CINN") { $0.i16(0); $0.i16(0); $0.u32(1) },
                      ServerBytes.message("DMMV") { $0.i16(1) },
                      ServerBytes.message("DMDN"),
                      ServerBytes.message("DCLP") { $0.u8(0); $0.u32(0); $0.u8(2); $0.u32(100) },
                      ServerBytes.message("DSOP") { $0.u32(4); $0.u32(1) }] {
            #expect(throws: MessageDecodeError.self) { try decode(frame) }
        }
    }

    @Test func refusesAnOptionListThatIsNotPairs() {
        #expect(throws: MessageDecodeError.invalid(.setOptions)) {
            try decode(ServerBytes.message("DSOP") { $0.u32(3); $0.u32(1); $0.u32(2); $0.u32(3) })
        }
    }

    @Test func refusesAnOptionCountLargerThanTheMessage() {
        #expect(throws: MessageDecodeError.self) {
            try decode(ServerBytes.message("DSOP") { $0.u32(0xFFFF_FFFE) })
        }
    }

    @Test func refusesAnUnknownClipboardMark() {
        #expect(throws: MessageDecodeError.invalid(.clipboard)) {
            try decode(ServerBytes.clipboard(id: 0, mark: 0, []))
        }
    }
}

@Suite struct HelloSpec {
    @Test func acceptsBarrierAndSynergyHellosOf16AndLater() throws {
        #expect(try hello(ServerBytes.hello("Barrier")) == Hello(name: .barrier, major: 1, minor: 6))
        #expect(try hello(ServerBytes.hello("Synergy", minor: 8)) == Hello(name: .synergy, major: 1, minor: 8))
    }

    @Test func refusesOtherNamesAndVersions() {
        #expect(throws: Hello.DecodeError.notAHello) { try hello(ServerBytes.hello("Barrie!")) }
        #expect(throws: Hello.DecodeError.notAHello) { try hello(Array(ServerBytes.hello().prefix(10))) }
        #expect(throws: Hello.DecodeError.unsupportedVersion(major: 1, minor: 5)) {
            try hello(ServerBytes.hello(minor: 5))
        }
        #expect(throws: Hello.DecodeError.unsupportedVersion(major: 2, minor: 0)) {
            try hello(ServerBytes.hello(major: 2, minor: 0))
        }
    }
}

@Suite struct ClientMessageSpec {
    @Test func encodesTheHelloBackAsTheRealClientDoes() {
        // From the real session (client-to-server.bin): "Barrier" 1.6 "VM-1".
        #expect(ClientMessage.helloBack(.barrier, screenName: Array("VM-1".utf8)).encoded
            == [0x00, 0x00, 0x00, 0x13] + Array("Barrier".utf8) + [0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04]
            + Array("VM-1".utf8))
    }

    @Test func answersASynergyHelloWithSynergy() {
        #expect(ClientMessage.helloBack(.synergy, screenName: [0x41]).encoded.dropFirst(4).prefix(7)
            == ArraySlice("Synergy".utf8))
    }

    @Test func encodesTheScreenInfoWithSevenFields() {
        // The protocol reference's example: 1920x1080 at 0,0, cursor 960,540.
        #expect(ClientMessage.info(x: 0, y: 0, width: 1920, height: 1080, mouseX: 960, mouseY: 540).encoded
            == [0x00, 0x00, 0x00, 0x12, 0x44, 0x49, 0x4E, 0x46, 0x00, 0x00, 0x00, 0x00, 0x07, 0x80, 0x04, 0x38,
                0x00, 0x00, 0x03, 0xC0, 0x02, 0x1C])
    }

    @Test func encodesKeepaliveNoOpAndClipboardMessages() {
        #expect(ClientMessage.keepAlive.encoded == [0, 0, 0, 4] + Array("CALV".utf8))
        #expect(ClientMessage.grabClipboard(id: 1, seq: 2).encoded
            == [0, 0, 0, 9] + Array("CCLP".utf8) + [1, 0, 0, 0, 2])
        // The empty clipboard's start message from the protocol reference.
        #expect(ClientMessage.clipboard(id: 1, seq: 0, mark: .start, data: [0x34]).encoded
            == [0x00, 0x00, 0x00, 0x0F, 0x44, 0x43, 0x4C, 0x50, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                0x00, 0x01, 0x34])
    }
}
