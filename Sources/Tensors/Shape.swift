/// Shape arithmetic shared by the ops: element counts, strides, broadcasting.
extension Array where Element == Int {
    /// The number of elements of a tensor with this shape (1 for a scalar).
    public var elementCount: Int { reduce(1, *) }

    /// Row-major strides of a contiguous tensor with this shape.
    public var contiguousStrides: [Int] {
        var strides = [Int](repeating: 1, count: count)
        var running = 1
        for axis in stride(from: count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= self[axis]
        }
        return strides
    }

    /// The flat offset of a multi-index into a contiguous tensor of this shape.
    func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == count, "index \(indices) has rank \(indices.count), tensor has shape \(self)")
        var offset = 0
        for (axis, index) in indices.enumerated() {
            precondition(index >= 0 && index < self[axis], "index \(indices) out of range for shape \(self)")
            offset = offset * self[axis] + index
        }
        return offset
    }
}

/// Shape helpers used by the op implementations.
enum Shapes {
    /// The NumPy broadcast of two shapes, or `nil` when they are incompatible.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 {
                result[i] = da
            } else if da == 1 {
                result[i] = db
            } else {
                return nil
            }
        }
        return result
    }

    /// The broadcast of two shapes, stopping with a message that names the op and both shapes.
    static func broadcastOrFail(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        guard let shape = broadcast(a, b) else {
            preconditionFailure("\(op): shapes \(a) and \(b) cannot be broadcast together")
        }
        return shape
    }

    /// An axis in `-rank..<rank` made non-negative, or a failure naming the op.
    static func normalize(axis: Int, rank: Int, op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < Swift.max(rank, 1), "\(op): axis \(axis) out of range for rank \(rank)")
        return a
    }

    /// Strides of `shape` seen as broadcast into `target` (0 on broadcast axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let offset = target.count - shape.count
        let own = shape.contiguousStrides
        return (0..<target.count).map { i in
            i < offset || shape[i - offset] == 1 ? 0 : own[i - offset]
        }
    }
}
