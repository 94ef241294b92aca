// SPDX-License-Identifier: GPL-2.0-or-later
import BarrierCore

/// What a `bc_session *` points to: a small C-allocated block with a magic
/// number in front of the Swift object. NULL is refused, and so is a pointer
/// to readable memory without the magic (it is cleared on free), before any
/// Swift reference count is touched; that catches most misuse, but reading
/// through a freed or wild pointer is undefined, as anywhere in C.
struct SessionHandle {
    /// "bcsess01": changes when the handle layout changes.
    private static let liveMagic: UInt64 = 0x6263_7365_7373_3031
    private var magic: UInt64
    private var session: Unmanaged<ExportedSession>

    static func make(_ session: ExportedSession) -> OpaquePointer {
        let block = UnsafeMutablePointer<SessionHandle>.allocate(capacity: 1)
        block.initialize(to: SessionHandle(magic: liveMagic, session: .passRetained(session)))
        return OpaquePointer(block)
    }

    /// Runs `body` on the session without retaining it (the handle keeps it
    /// alive for the call): no reference counting on the per-action path.
    /// nil when `handle` is not a live session.
    static func with<R>(_ handle: OpaquePointer?, _ body: (ExportedSession) -> R) -> R? {
        guard let handle else { return nil }
        let block = UnsafeMutablePointer<SessionHandle>(handle)
        guard block.pointee.magic == liveMagic else { return nil }
        return block.pointee.session._withUnsafeGuaranteedRef(body)
    }

    static func destroy(_ handle: OpaquePointer?) {
        guard let handle else { return }
        let block = UnsafeMutablePointer<SessionHandle>(handle)
        guard block.pointee.magic == liveMagic else { return }
        block.pointee.magic = 0
        block.pointee.session.release()
        block.deinitialize(count: 1)
        block.deallocate()
    }
}
