// SPDX-License-Identifier: GPL-2.0-or-later
@testable import BarrierCore

/// An Action with its bytes resolved, so tests can compare whole sequences.
enum Effect: Equatable, CustomStringConvertible {
    case send([UInt8])
    case input(InputEvent)
    case armTimer(UInt64)
    case connect
    case disconnect(CloseReason.Kind)
    case state(ConnectionState)
    case report(String)
    case clipboard(UInt8, [UInt8])
    case trace(String)
    case askKeySpace

    /// The bytes of these client messages, as one merged send.
    static func send(_ messages: ClientMessage...) -> Effect {
        .send(messages.flatMap(\.encoded))
    }

    var description: String {
        switch self {
        case .send(let b): "send(\(b.count) bytes)"
        case .input(let e): "input(\(e))"
        case .armTimer(let t): "armTimer(\(t))"
        case .connect: "connect"
        case .disconnect(let k): "disconnect(\(k))"
        case .state(let s): "state(\(s))"
        case .report(let m): "report(\(m))"
        case .clipboard(let id, let t): "clipboard(\(id), \(t.count) bytes)"
        case .trace(let m): "trace(\(m))"
        case .askKeySpace: "askKeySpace"
        }
    }
}

extension ActionQueue {
    /// Takes every queued action.
    mutating func drain() -> [Effect] {
        var effects: [Effect] = []
        let outbox = self.outbox
        while let action = pop() {
            switch action {
            case .send(let range): effects.append(.send(Array(outbox[range])))
            case .input(let e): effects.append(.input(e))
            case .armTimer(let t): effects.append(.armTimer(t))
            case .connect: effects.append(.connect)
            case .disconnect(let r): effects.append(.disconnect(r.kind))
            case .state(let s): effects.append(.state(s))
            case .report(let m): effects.append(.report(m))
            case .clipboard(let id, let t): effects.append(.clipboard(id, t))
            case .trace(let m): effects.append(.trace(m))
            case .askKeySpace: effects.append(.askKeySpace)
            }
        }
        return effects
    }
}

extension Array where Element == Effect {
    /// Only the effects of one kind, for focused assertions.
    var inputs: [InputEvent] { compactMap { if case .input(let e) = $0 { e } else { nil } } }
    var reports: [String] { compactMap { if case .report(let m) = $0 { m } else { nil } } }
    /// Consecutive sends joined: what the server receives does not depend
    /// on how writes were grouped.
    var mergingSends: [Effect] {
        var merged: [Effect] = []
        for effect in self {
            if case .send(let more) = effect, case .send(let bytes)? = merged.last {
                merged[merged.count - 1] = .send(bytes + more)
            } else {
                merged.append(effect)
            }
        }
        return merged
    }

    var sentBytes: [UInt8] { flatMap { (e: Effect) -> [UInt8] in if case .send(let b) = e { b } else { [] } } }
}

extension Array where Element == Effect {
    /// What the guest and the server get, independent of how the reads were
    /// split: motion of one read shares one sync (Connection.flushInput), so a
    /// sync that only separates two motions is dropped, and the input and
    /// the rest (sends, clipboards, ...) are compared each in its own order.
    var chunkingIndependent: (inputs: [InputEvent], others: [Effect]) {
        var inputs: [InputEvent] = []
        for event in self.inputs {
            if event.isMotion, inputs.last == .sync, inputs.dropLast().last?.isMotion == true {
                inputs.removeLast()
            }
            inputs.append(event)
        }
        let others = filter { if case .input = $0 { false } else { true } }.mergingSends
        return (inputs, others)
    }
}
