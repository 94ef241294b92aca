/// Barrier's marshalled clipboard (protocol reference §2.7.3):
/// u32 format count, then per format u32 id, u32 length, the bytes.
public enum MarshalledClipboard {
    /// Format 0: UTF-8 text with LF line endings.
    static let textFormat: UInt32 = 0

    /// The text format's bytes, or nil if there is none (or it is malformed).
    public static func text(in data: [UInt8]) -> [UInt8]? {
        data.withUnsafeBytes { raw -> [UInt8]? in
            var r = WireReader(raw)
            guard let count = r.u32() else { return nil }
            var remaining = count
            while remaining > 0 {
                remaining &-= 1
                guard let format = r.u32(), let length = r.u32(),
                      let bytes = r.bytes(Int(truncatingIfNeeded: length)), length <= UInt32(Int32.max)
                else { return nil }
                if format == textFormat { return [UInt8](bytes) }
            }
            return nil
        }
    }

    /// A clipboard holding only `text`.
    public static func marshal(text: [UInt8]) -> [UInt8] {
        var w = WireWriter()
        w.u32(1)
        w.u32(textFormat)
        w.string(text)
        return w.bytes
    }
}
