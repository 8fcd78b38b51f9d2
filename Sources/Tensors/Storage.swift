extension Array where Element == Float {
    /// `count` floats with unspecified values, for an op's output that it
    /// then writes in full: skips the zero-filling pass of
    /// `[Float](repeating: 0, count:)`, a whole memory pass per activation.
    static func unfilled(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Adds `other` (the same count) element by element into this array's
    /// storage, spread over the threads (each element's sum is the same bits
    /// at any thread count).
    mutating func add(_ other: [Float]) {
        let n = count
        precondition(other.count == n, "add: \(other.count) floats into \(n)")
        guard n > 0 else { return }
        other.withUnsafeBufferPointer { source in
            withUnsafeMutableBufferPointer { target in
                Self.add(source.baseAddress!, into: target.baseAddress!, count: n)
            }
        }
    }

    /// `target[i] += source[i]` for `i < count`, spread over the threads.
    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachElementChunk(count) { range in
            for i in range { target[i] += source[i] }
        }
    }
}

/// Runs `body` with the base addresses of the arrays' storage (nil for empty ones).
func withBaseAddresses<R>(_ arrays: [[Float]], _ body: ([UnsafePointer<Float>?]) -> R) -> R {
    func step(_ index: Int, _ collected: [UnsafePointer<Float>?]) -> R {
        guard index < arrays.count else { return body(collected) }
        return arrays[index].withUnsafeBufferPointer { step(index + 1, collected + [$0.baseAddress]) }
    }
    return step(0, [])
}
