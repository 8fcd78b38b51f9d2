/// The iteration plan of a broadcasting binary op: the output shape with
/// adjacent axes merged wherever both inputs broadcast the same way, so that
/// the inner loop runs over long contiguous (or constant) runs.
struct BroadcastPlan {
    let outputShape: [Int]
    /// Merged extents, and each input's stride along them (0 = broadcast).
    let extents: [Int]
    let stridesA: [Int]
    let stridesB: [Int]

    init(_ a: [Int], _ b: [Int], op: String) {
        let out = Shapes.broadcastOrFail(a, b, op: op)
        outputShape = out
        let sa = Shapes.broadcastStrides(a, to: out)
        let sb = Shapes.broadcastStrides(b, to: out)
        var extents: [Int] = []
        var stridesA: [Int] = []
        var stridesB: [Int] = []
        for axis in 0..<out.count where out[axis] != 1 {
            if let last = extents.indices.last,
                stridesA[last] == sa[axis] * out[axis], stridesB[last] == sb[axis] * out[axis]
            {
                extents[last] *= out[axis]
                stridesA[last] = sa[axis]
                stridesB[last] = sb[axis]
            } else {
                extents.append(out[axis])
                stridesA.append(sa[axis])
                stridesB.append(sb[axis])
            }
        }
        if extents.isEmpty {
            extents = [1]
            stridesA = [0]
            stridesB = [0]
        }
        self.extents = extents
        self.stridesA = stridesA
        self.stridesB = stridesB
    }

    /// The number of inner runs (the product of all merged extents but the last).
    var rowCount: Int { extents.dropLast().reduce(1, *) }
    /// The length of one inner run.
    var rowLength: Int { extents[extents.count - 1] }

    /// Calls `run(offsetA, offsetB, offsetOut, length, strideA, strideB)` for
    /// every inner run with its index in `rows`.
    @inline(__always)
    func forEachRun(rows: Range<Int>, _ run: (Int, Int, Int, Int, Int, Int) -> Void) {
        let rank = extents.count
        let inner = extents[rank - 1]
        let innerA = stridesA[rank - 1], innerB = stridesB[rank - 1]
        var index = [Int](repeating: 0, count: Swift.max(rank - 1, 0))
        var offA = 0, offB = 0
        var remainder = rows.lowerBound
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            index[axis] = remainder % extents[axis]
            remainder /= extents[axis]
            offA += index[axis] * stridesA[axis]
            offB += index[axis] * stridesB[axis]
        }
        for row in rows {
            run(offA, offB, row * inner, inner, innerA, innerB)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offA += stridesA[axis]
                offB += stridesB[axis]
                if index[axis] < extents[axis] { break }
                offA -= stridesA[axis] * extents[axis]
                offB -= stridesB[axis] * extents[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

extension Tensor {
    /// Applies `f` elementwise to two broadcast tensors, with no autodiff.
    static func broadcastMap<F: BinaryElementFunction>(_ a: Tensor, _ b: Tensor, op: String, _ f: F) -> (shape: [Int], scalars: [Float]) {
        if a.shape == b.shape {
            var out = [Float].unfilled(a.count)
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        let po = po
                        Parallel.forEachElementChunk(po.count) { range in
                            for i in range { po[i] = f(pa[i], pb[i]) }
                        }
                    }
                }
            }
            return (a.shape, out)
        }
        let plan = BroadcastPlan(a.shape, b.shape, op: op)
        var out = [Float].unfilled(plan.outputShape.elementCount)
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    let po = po
                    // Rows of the merged plan are independent: the bias add
                    // [N, C, H, W] + [1, C, 1, 1] runs over N·C rows of H·W with a constant.
                    Parallel.forEachRowChunk(plan.rowCount, rowLength: plan.rowLength) { rows in
                        plan.forEachRun(rows: rows) { oa, ob, oo, n, sa, sb in
                            if sa == 1 && sb == 1 {
                                for i in 0..<n { po[oo + i] = f(pa[oa + i], pb[ob + i]) }
                            } else if sa == 1 && sb == 0 {
                                let y = pb[ob]
                                for i in 0..<n { po[oo + i] = f(pa[oa + i], y) }
                            } else if sa == 0 && sb == 1 {
                                let x = pa[oa]
                                for i in 0..<n { po[oo + i] = f(x, pb[ob + i]) }
                            } else {
                                for i in 0..<n { po[oo + i] = f(pa[oa + i * sa], pb[ob + i * sb]) }
                            }
                        }
                    }
                }
            }
        }
        return (plan.outputShape, out)
    }

    /// This tensor broadcast to `shape` (a copy), with autodiff.
    public func broadcast(to shape: [Int]) -> Tensor {
        if self.shape == shape { return self }
        let target = Shapes.broadcastOrFail(self.shape, shape, op: "broadcast(to:)")
        precondition(target == shape, "broadcast(to:): shape \(self.shape) cannot be broadcast to \(shape)")
        let plan = BroadcastPlan(self.shape, shape, op: "broadcast(to:)")
        var values = [Float].unfilled(shape.elementCount)
        scalars.withUnsafeBufferPointer { pa in
            values.withUnsafeMutableBufferPointer { po in
                let po = po
                Parallel.forEachRowChunk(plan.rowCount, rowLength: plan.rowLength) { rows in
                    plan.forEachRun(rows: rows) { oa, _, oo, n, sa, _ in
                        if sa == 0 {
                            let x = pa[oa]
                            for i in 0..<n { po[oo + i] = x }
                        } else {
                            for i in 0..<n { po[oo + i] = pa[oa + i * sa] }
                        }
                    }
                }
            }
        }
        let inputShape = self.shape
        return .result(shape: shape, scalars: values, inputs: [self]) { g in [g.sum(toShape: inputShape)] }
    }

    /// Sums this tensor down to `shape`, the reverse of broadcasting (with autodiff).
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let check = Shapes.broadcastOrFail(target, shape, op: "sum(toShape:)")
        precondition(check == shape, "sum(toShape:): \(shape) is not a broadcast of \(target)")
        let lead = shape.count - target.count
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes, keepingDims: true).reshaped(target)
    }
}
