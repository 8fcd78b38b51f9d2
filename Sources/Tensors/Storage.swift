extension Array where Element == Float {
    /// `count` floats with unspecified values, for an op's output that it
    /// then writes in full: skips the zero-filling pass of
    /// `[Float](repeating: 0, count:)`, a whole memory pass per activation.
    static func unfilled(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
