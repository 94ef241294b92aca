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

    /// Fills `out` with the next action: 1, or 0 when there is none.
    func nextAction(into out: UnsafeMutablePointer<bc_action>) -> Int32 {
        var a = bc_action()
        guard let action = supervisor.nextAction() else {
            out.pointee = a
            return 0
        }
        switch action {
        case .send(let range):
            a.kind = BC_ACTION_SEND.rawValue
            (a.data, a.len) = scratch.hold(supervisor.queue.bytes(range))
        case .input(let event):
            fill(&a, with: event)
        case .armTimer(let at):
            a.kind = BC_ACTION_ARM_TIMER.rawValue
            a.at_ms = at
        case .connect:
            a.kind = BC_ACTION_CONNECT.rawValue
        case .disconnect(let reason):
            a.kind = BC_ACTION_DISCONNECT.rawValue
            a.code = UInt32(reason.kind.rawValue)
            (a.data, a.len) = scratch.hold(reason.message.utf8)
        case .state(let state):
            a.kind = BC_ACTION_STATE.rawValue
            a.code = UInt32(state.rawValue)
        case .report(let message):
            a.kind = BC_ACTION_REPORT.rawValue
            (a.data, a.len) = scratch.hold(message.utf8)
        case .clipboard(let id, let text):
            a.kind = BC_ACTION_CLIPBOARD.rawValue
            a.code = UInt32(id)
            (a.data, a.len) = scratch.hold(text)
        case .trace(let message):
            a.kind = BC_ACTION_TRACE.rawValue
            (a.data, a.len) = scratch.hold(message.utf8)
        }
        out.pointee = a
        return 1
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

/// The memory behind the `data` of the last action handed out: reused, and
/// NUL-terminated so that text can be used as a C string.
private struct Scratch: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    init() {
        capacity = 256
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deallocate()
    }

    mutating func hold<C: Collection>(_ bytes: C) -> (UnsafePointer<UInt8>?, Int) where C.Element == UInt8 {
        let count = bytes.count
        let needed = count &+ 1
        // Grow as needed; give a large buffer back once small ones return.
        if needed > capacity || (capacity > 1 << 20 && needed <= 1 << 16) {
            base.deallocate()
            capacity = max(needed, 256)
            base = .allocate(capacity: capacity)
        }
        var i = 0
        for b in bytes {
            base[i] = b
            i &+= 1
        }
        base[count] = 0
        return (UnsafePointer(base), count)
    }
}
