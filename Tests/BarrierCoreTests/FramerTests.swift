// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

/// Feeds `chunks` and returns the frames, or the error that stopped them.
private func frames(of chunks: [[UInt8]]) -> (frames: [[UInt8]], error: FramingError?, buffered: Int) {
    var framer = Framer()
    var frames: [[UInt8]] = []
    for chunk in chunks {
        let error = chunk.withUnsafeBytes { raw in
            framer.feed(raw) { frames.append(Array($0)); return true }
        }
        if let error { return (frames, error, framer.bufferedCount) }
    }
    return (frames, nil, framer.bufferedCount)
}

/// Splits `bytes` into pieces at the given cut points.
private func split(_ bytes: [UInt8], at cuts: [Int]) -> [[UInt8]] {
    var pieces: [[UInt8]] = []
    var start = 0
    for cut in cuts.sorted() where cut > start && cut < bytes.count {
        pieces.append(Array(bytes[start..<cut]))
        start = cut
    }
    pieces.append(Array(bytes[start...]))
    return pieces
}

@Suite struct FramerSpec {
    let stream = ServerBytes.hello() + ServerBytes.queryInfo + ServerBytes.keyDown(0x61, button: 38)
        + ServerBytes.keepAlive

    @Test func yieldsEachPayloadOfAWholeRead() {
        let result = frames(of: [stream])
        #expect(result.error == nil)
        #expect(result.frames.map(\.count) == [11, 4, 10, 4])
        #expect(result.frames[1] == Array("QINF".utf8))
        #expect(result.buffered == 0)
    }

    @Test func yieldsTheSameFramesOneByteAtATime() {
        let whole = frames(of: [stream]).frames
        #expect(frames(of: stream.map { [$0] }).frames == whole)
    }

    @Test func yieldsTheSameFramesForEveryTwoWaySplit() {
        let whole = frames(of: [stream]).frames
        for cut in 0...stream.count {
            #expect(frames(of: split(stream, at: [cut])).frames == whole, "cut at \(cut)")
        }
    }

    @Test func yieldsTheSameFramesForRandomSplits() {
        var rng = SplitMix(seed: 7)
        let whole = frames(of: [stream]).frames
        for _ in 0..<500 {
            let cuts = (0..<Int(rng.next() % 6)).map { _ in Int(rng.next() % UInt64(stream.count)) }
            #expect(frames(of: split(stream, at: cuts)).frames == whole)
        }
    }

    @Test func acceptsAFrameOfExactlyTheProtocolLimit() {
        let payload = Array("DCLP".utf8) + [UInt8](repeating: 7, count: ProtocolLimits.maxFrame - 4)
        let bytes = ServerBytes.raw(length: UInt32(ProtocolLimits.maxFrame), payload: payload)
        let result = frames(of: split(bytes, at: [3, 1000, 2_000_000]))
        #expect(result.error == nil)
        #expect(result.frames.count == 1)
        #expect(result.frames.first?.count == ProtocolLimits.maxFrame)
    }

    @Test(arguments: [UInt32(ProtocolLimits.maxFrame + 1), 0x8000_0000, 0xFFFF_FFFF])
    func refusesALengthOverTheLimit(length: UInt32) {
        let result = frames(of: [ServerBytes.raw(length: length, payload: [1, 2, 3])])
        #expect(result.error == .frameTooLarge(length))
        #expect(result.buffered == 0)
    }

    @Test(arguments: [UInt32(0), 1, 3])
    func refusesALengthTooShortForACode(length: UInt32) {
        let result = frames(of: [ServerBytes.raw(length: length, payload: [1, 2, 3, 4])])
        #expect(result.error == .frameTooSmall(length))
    }

    @Test func refusesABadLengthThatArrivesByteByByte() {
        let result = frames(of: ServerBytes.raw(length: 0xFFFF_FFFF).map { [$0] })
        #expect(result.error == .frameTooLarge(0xFFFF_FFFF))
    }

    @Test func holdsOnlyTheUnfinishedFrame() {
        let partial = ServerBytes.keepAlive + Array(ServerBytes.keyDown(0x61, button: 38).prefix(7))
        let result = frames(of: [partial])
        #expect(result.frames.count == 1)
        #expect(result.buffered == 7)
    }

    @Test func stopsWhenTheHandlerSaysSo() {
        var framer = Framer()
        var count = 0
        _ = stream.withUnsafeBytes { raw in framer.feed(raw) { _ in count += 1; return count < 2 } }
        #expect(count == 2)
    }
}
