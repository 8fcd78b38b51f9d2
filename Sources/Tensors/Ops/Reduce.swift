/// Reductions over axes: sum, mean and max, with or without kept dimensions.
extension Tensor {
    /// Splits `shape` around `axis` into (outer, extent, inner) element counts.
    static func split(_ shape: [Int], at axis: Int) -> (outer: Int, extent: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Sums over one axis keeping it as size 1, with no autodiff.
    ///
    /// Every output element adds its `extent` terms in index order on one
    /// thread, so the result does not depend on the thread count. The work is
    /// spread over the kept outer rows, or over the kept inner columns when
    /// there are too few rows (a bias gradient `[rows, C] → [C]`).
    private func rawSum(axis: Int) -> [Float] {
        let (outer, extent, inner) = Tensor.split(shape, at: axis)
        var out = [Float](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let dst = dst
                func sumRows(_ rows: Range<Int>, columns: Range<Int>) {
                    for o in rows {
                        let base = o * extent * inner
                        if inner == 1 {
                            var total: Float = 0
                            for k in 0..<extent { total += src[base + k] }
                            dst[o] = total
                        } else {
                            for k in 0..<extent {
                                let row = base + k * inner
                                for i in columns { dst[o * inner + i] += src[row + i] }
                            }
                        }
                    }
                }
                if outer >= 2 * Parallel.threadCount || inner == 1 {
                    Parallel.forEachRowChunk(outer, rowLength: extent * inner) { rows in
                        sumRows(rows, columns: 0..<inner)
                    }
                } else {
                    for o in 0..<outer {
                        Parallel.forEachChunk(inner, minimumChunk: Swift.max(16, Parallel.elementwiseChunk / Swift.max(extent, 1))) {
                            columns in
                            sumRows(o..<o + 1, columns: columns)
                        }
                    }
                }
            }
        }
        return out
    }

    /// The sum over `axes` (all axes when empty is not intended: pass them explicitly).
    public func sum(axes: [Int], keepingDims: Bool = false) -> Tensor {
        let normalized = Set(axes.map { Shapes.normalize(axis: $0, rank: rank, op: "sum") }).sorted()
        var keptShape = shape
        var values = scalars
        var current = shape
        for axis in normalized.reversed() {
            let reduced = Tensor(shape: current, scalars: values).rawSum(axis: axis)
            current[axis] = 1
            values = reduced
        }
        for axis in normalized { keptShape[axis] = 1 }
        let outShape = keepingDims ? keptShape : shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
        let inputShape = shape
        return .result(shape: outShape, scalars: values, inputs: [self]) { g in
            [g.reshaped(keptShape).broadcast(to: inputShape)]
        }
    }

    /// The sum over one axis.
    public func sum(axis: Int, keepingDims: Bool = false) -> Tensor { sum(axes: [axis], keepingDims: keepingDims) }

    /// The sum of all elements, as a scalar tensor.
    public func sum() -> Tensor { rank == 0 ? self : sum(axes: Array(0..<rank)) }

    /// The mean over `axes`.
    public func mean(axes: [Int], keepingDims: Bool = false) -> Tensor {
        let n = Set(axes.map { Shapes.normalize(axis: $0, rank: rank, op: "mean") }).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepingDims: keepingDims) * (1 / Float(n))
    }

    /// The mean over one axis.
    public func mean(axis: Int, keepingDims: Bool = false) -> Tensor { mean(axes: [axis], keepingDims: keepingDims) }

    /// The mean of all elements, as a scalar tensor.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// The maximum over one axis; the gradient flows to the first maximal element.
    public func max(axis: Int, keepingDims: Bool = false) -> Tensor {
        let a = Shapes.normalize(axis: axis, rank: rank, op: "max")
        let (outer, extent, inner) = Tensor.split(shape, at: a)
        precondition(extent > 0, "max: axis \(axis) of shape \(shape) is empty")
        var out = [Float](repeating: 0, count: outer * inner)
        var argmax = [Int](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { src in
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = src[o * extent * inner + i], bestK = 0
                    for k in 1..<Swift.max(extent, 1) {
                        let v = src[(o * extent + k) * inner + i]
                        if v > best || (best.isNaN == false && v.isNaN) { best = v; bestK = k }
                    }
                    out[o * inner + i] = best
                    argmax[o * inner + i] = bestK
                }
            }
        }
        var kept = shape
        kept[a] = 1
        let outShape = keepingDims ? kept : shape.enumerated().filter { $0.offset != a }.map(\.element)
        let inputShape = shape
        return .result(shape: outShape, scalars: out, inputs: [self]) { g in
            var grad = [Float](repeating: 0, count: inputShape.elementCount)
            for o in 0..<outer {
                for i in 0..<inner {
                    grad[(o * extent + argmax[o * inner + i]) * inner + i] = g.scalars[o * inner + i]
                }
            }
            return [Tensor(shape: inputShape, scalars: grad)]
        }
    }
}
