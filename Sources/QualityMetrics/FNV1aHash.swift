/// A 64-bit FNV-1a hash, printed in hexadecimal: what names a feature network's
/// weights and a data set's files in the statistics cache, so statistics made
/// from other weights or other files are never taken for current ones. Not a
/// cryptographic hash: it guards against accidents, not against forgery.
public struct FNV1aHash: Sendable {
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    /// A hash of nothing yet (the FNV offset basis).
    public init() {}

    /// Adds `bytes`, in order.
    public mutating func add<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    }

    /// Adds the little-endian bit patterns of `values`, in order.
    public mutating func add(_ values: [Float]) {
        for value in values {
            var bits = value.bitPattern
            for _ in 0..<4 {
                hash = (hash ^ UInt64(bits & 0xFF)) &* 0x0000_0100_0000_01B3
                bits >>= 8
            }
        }
    }

    /// Adds the UTF-8 bytes of `text` and a terminating zero (so "ab" + "c" ≠ "a" + "bc").
    public mutating func add(_ text: String) {
        add(bytes: text.utf8)
        add(bytes: [0])
    }

    /// The hash.
    public var value: UInt64 { hash }

    /// The hash as 16 hexadecimal digits.
    public var hexadecimal: String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
