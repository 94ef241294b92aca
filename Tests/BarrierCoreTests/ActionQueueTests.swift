// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import BarrierCore

/// The queue between the session and the host: order kept, sends merged,
/// emptied once taken, and input taken without building an Action.
@Suite struct ActionQueueTests {
    var queue = ActionQueue()

    @Test mutating func popInputTakesInputOnlyAndLeavesTheRestInOrder() {
        queue.append(input: .moveAbsolute(x: 1, y: 2))
        queue.append(.state(.connected))
        queue.append(input: .sync)
        #expect(queue.popInput() == .moveAbsolute(x: 1, y: 2))
        #expect(queue.popInput() == nil)  // a state comes next: not taken
        #expect(queue.drain() == [.state(.connected), .input(.sync)])
        #expect(queue.popInput() == nil)
        #expect(queue.isEmpty)
    }

    @Test mutating func aQueueEmptiedByTakingStartsOverCleanly() {
        // Slots of an emptied queue are reused: nothing of the last round
        // may come back, however the rounds differ in length.
        for round in 0..<4 {
            let count = [5, 1, 3, 0][round]
            for i in 0..<count {
                queue.append(input: .key(code: UInt16(round * 10 + i), down: true))
            }
            queue.append(message: .keepAlive)
            let expected = (0..<count).map { Effect.input(.key(code: UInt16(round * 10 + $0), down: true)) }
                + [.send(.keepAlive)]
            #expect(queue.drain() == expected)
            #expect(queue.isEmpty)
        }
    }

    @Test mutating func consecutiveSendsMergeUntilOneIsTaken() {
        queue.append(message: .keepAlive)
        queue.append(message: .keepAlive)
        #expect(queue.pop().map { if case .send(let r) = $0 { r.count } else { -1 } } == 16)
        queue.append(message: .keepAlive)  // the first send was taken: a send of its own
        #expect(queue.drain() == [.send(.keepAlive)])
    }
}
