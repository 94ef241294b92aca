// SPDX-License-Identifier: GPL-2.0-or-later
import BarrierCore
import CBarrierABI

/// A Supervisor as the C API sees it: actions become bc_action structs whose
/// bytes live in a buffer of ours until the next call.
final class ExportedSession {
    var supervisor: Supervisor
    private var scratch = Scratch()

    init(_ supervisor: Supervisor) {
        self.supervisor = supervisor
    }

    /// Fills `out` with the next action: 1, or 0 (and a zeroed `out`) when
    /// there is none.
    func nextAction(into out: UnsafeMutablePointer<bc_action>) -> Int32 {
        let n = nextActions(into: out, capacity: 1)
        if n == 0 { out.pointee = bc_action() }
        return n
    }

    /// Fills `out[0..<n]` with the next `n <= capacity` actions and returns
    /// `n`; `n < capacity` when the queue is now empty. One call per batch
    /// rather than per action: crossing into the library is much of what a
    /// single input event costs when it reaches an engine gone cold.
    func nextActions(into out: UnsafeMutablePointer<bc_action>, capacity: Int) -> Int32 {
        scratch.removeAll()
        var n = 0
        while n < capacity {
            if let event = supervisor.nextInput() {
                out[n] = bc_action()
                fill(&out[n], with: event)
            } else if let action = supervisor.nextAction() {
                fill(out + n, with: action)
            } else {
                break
            }
            n &+= 1
        }
        // Data went in as offsets (plus one: never NULL), since the buffer
        // may move while it grows; only now are the addresses final.
        for i in 0..<n where out[i].data != nil {
            out[i].data = scratch.pointer(at: Int(bitPattern: out[i].data) &- 1)
        }
        return Int32(truncatingIfNeeded: n)
    }

    /// Writes `action` to `a`; data goes to `scratch`, with `a.data` holding
    /// the offset there until `nextActions` resolves it.
    private func fill(_ a: UnsafeMutablePointer<bc_action>, with action: Action) {
        a.pointee = bc_action()
        switch action {
        case .input(let event):
            fill(&a.pointee, with: event)
        case .send(let range):
            a.pointee.kind = BC_ACTION_SEND.rawValue
            hold(supervisor.queue.bytes(range), in: a)
        case .armTimer(let at):
            a.pointee.kind = BC_ACTION_ARM_TIMER.rawValue
            a.pointee.at_ms = at
        case .connect:
            a.pointee.kind = BC_ACTION_CONNECT.rawValue
        case .disconnect(let reason):
            a.pointee.kind = BC_ACTION_DISCONNECT.rawValue
            a.pointee.code = UInt32(reason.kind.rawValue)
            hold(reason.message.utf8, in: a)
        case .state(let state):
            a.pointee.kind = BC_ACTION_STATE.rawValue
            a.pointee.code = UInt32(state.rawValue)
        case .report(let message):
            a.pointee.kind = BC_ACTION_REPORT.rawValue
            hold(message.utf8, in: a)
        case .clipboard(let id, let text):
            a.pointee.kind = BC_ACTION_CLIPBOARD.rawValue
            a.pointee.code = UInt32(id)
            hold(text, in: a)
        case .trace(let message):
            a.pointee.kind = BC_ACTION_TRACE.rawValue
            hold(message.utf8, in: a)
        case .askKeySpace:
            a.pointee.kind = BC_ACTION_KEY_SPACE.rawValue
        }
    }

    private func hold<C: Collection>(_ bytes: C, in a: UnsafeMutablePointer<bc_action>) where C.Element == UInt8 {
        let offset = scratch.append(bytes)
        a.pointee.data = UnsafePointer(bitPattern: offset &+ 1)  // resolved by nextActions
        a.pointee.len = bytes.count
    }

    private func fill(_ a: inout bc_action, with event: InputEvent) {
        switch event {
        case .key(let code, let down):
            a.kind = BC_ACTION_KEY.rawValue
            a.code = UInt32(code)
            a.down = down ? 1 : 0
        case .button(let button, let down):
            a.kind = BC_ACTION_BUTTON.rawValue
            a.code = UInt32(button.rawValue)
            a.down = down ? 1 : 0
        case .moveAbsolute(let x, let y):
            a.kind = BC_ACTION_MOVE_ABS.rawValue
            a.x = x
            a.y = y
        case .moveRelative(let dx, let dy):
            a.kind = BC_ACTION_MOVE_REL.rawValue
            a.x = dx
            a.y = dy
        case .sync:
            a.kind = BC_ACTION_SYNC.rawValue
        }
    }
}

/// The memory behind the `data` of the actions of one call: reused, each
/// action's bytes NUL-terminated so that text can be used as a C string.
private struct Scratch: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init() {
        capacity = 256
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deallocate()
    }

    /// Starts over for a new call; gives a large buffer back once a call
    /// needed little (a big clipboard should not stay held).
    mutating func removeAll() {
        if capacity > 1 << 20 && count <= 1 << 16 {
            base.deallocate()
            capacity = 256
            base = .allocate(capacity: capacity)
        }
        count = 0
    }

    /// Copies `bytes` and a NUL in; returns where they start.
    mutating func append<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
        let start = count
        let needed = start &+ bytes.count &+ 1
        if needed > capacity {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(needed, capacity &* 2))
            grown.update(from: base, count: start)
            base.deallocate()
            base = grown
            capacity = max(needed, capacity &* 2)
        }
        var i = start
        for b in bytes {
            base[i] = b
            i &+= 1
        }
        base[i] = 0
        count = i &+ 1
        return start
    }

    func pointer(at offset: Int) -> UnsafePointer<UInt8> {
        UnsafePointer(base + offset)
    }
}
