/// Ops that move elements without changing them: reshape, permute, concat,
/// split and slicing.
extension Tensor {
    /// The same elements in a new shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) into \(newShape)")
            resolved[hole] = count / known
        }
        precondition(
            resolved.allSatisfy { $0 >= 0 } && resolved.elementCount == count,
            "reshape: cannot reshape \(shape) (\(count) elements) into \(newShape)")
        if resolved == shape { return self }
        let inputShape = shape
        return .result(shape: resolved, scalars: scalars, inputs: [self]) { g in [g.reshaped(inputShape)] }
    }

    /// The axes reordered: output axis `i` is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(
            order.count == rank && Set(order) == Set(0..<rank),
            "permute: \(order) is not a permutation of the axes of shape \(shape)")
        if order == Array(0..<rank) { return self }
        let outShape = order.map { shape[$0] }
        let inStrides = strides
        let srcStrides = order.map { inStrides[$0] }
        var out = [Float].unfilled(count)
        let inner = outShape.last ?? 1
        let innerStride = srcStrides.last ?? 1
        let outerShape = Array(outShape.dropLast())
        let outerStrides = Array(srcStrides.dropLast())
        let rows = outerShape.elementCount
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let dst = dst
                Parallel.forEachRowChunk(rows, rowLength: inner) { chunk in
                    // The source offset of the chunk's first row, from its multi-index.
                    var index = [Int](repeating: 0, count: outerShape.count)
                    var offset = 0
                    var remainder = chunk.lowerBound
                    for axis in stride(from: outerShape.count - 1, through: 0, by: -1) {
                        index[axis] = remainder % outerShape[axis]
                        remainder /= outerShape[axis]
                        offset += index[axis] * outerStrides[axis]
                    }
                    for row in chunk {
                        let base = row * inner
                        for i in 0..<inner { dst[base + i] = src[offset + i * innerStride] }
                        var axis = outerShape.count - 1
                        while axis >= 0 {
                            index[axis] += 1
                            offset += outerStrides[axis]
                            if index[axis] < outerShape[axis] { break }
                            offset -= outerStrides[axis] * outerShape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return .result(shape: outShape, scalars: out, inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two axes.
    public func transposed(_ axis0: Int, _ axis1: Int) -> Tensor {
        let a = Shapes.normalize(axis: axis0, rank: rank, op: "transpose")
        let b = Shapes.normalize(axis: axis1, rank: rank, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return permuted(order)
    }

    /// The transpose of a matrix (swaps the last two axes).
    public var T: Tensor { transposed(-2, -1) }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors given")
        let first = tensors[0]
        let a = Shapes.normalize(axis: axis, rank: first.rank, op: "concat")
        for t in tensors {
            precondition(
                t.rank == first.rank && (0..<first.rank).allSatisfy { $0 == a || t.shape[$0] == first.shape[$0] },
                "concat: shapes \(first.shape) and \(t.shape) differ outside axis \(axis)")
        }
        let extents = tensors.map { $0.shape[a] }
        var outShape = first.shape
        outShape[a] = extents.reduce(0, +)
        let outer = first.shape[..<a].reduce(1, *)
        let inner = first.shape[(a + 1)...].reduce(1, *)
        let total = outShape[a]
        var out = [Float].unfilled(outShape.elementCount)
        var starts: [Int] = []
        var position = 0
        for e in extents {
            starts.append(position)
            position += e
        }
        // One parallel loop over the outer rows, each copying its run of every tensor.
        let sources = tensors.map(\.scalars)
        withBaseAddresses(sources) { bases in
            out.withUnsafeMutableBufferPointer { dst in
                guard let dst = dst.baseAddress else { return }
                Parallel.forEachRowChunk(outer, rowLength: total * inner) { rows in
                    for o in rows {
                        for (index, source) in bases.enumerated() {
                            guard let source else { continue }
                            let run = extents[index] * inner
                            (dst + (o * total + starts[index]) * inner).update(from: source + o * run, count: run)
                        }
                    }
                }
            }
        }
        return .result(shape: outShape, scalars: out, inputs: tensors) { g in
            g.split(extents, axis: a)
        }
    }

    /// Cuts this tensor along `axis` into pieces of the given sizes.
    public func split(_ sizes: [Int], axis: Int) -> [Tensor] {
        let a = Shapes.normalize(axis: axis, rank: rank, op: "split")
        precondition(
            sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
            "split: sizes \(sizes) do not add up to \(shape[a]), axis \(axis) of shape \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: a, start..<start + size)
        }
    }

    /// The elements with index in `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = Shapes.normalize(axis: axis, rank: rank, op: "slice")
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[a],
            "slice: range \(range) out of bounds for axis \(axis) of shape \(shape)")
        if range.count == shape[a] { return self }
        let (outer, extent, inner) = Tensor.split(shape, at: a)
        var outShape = shape
        outShape[a] = range.count
        var out = [Float].unfilled(outShape.elementCount)
        let run = range.count * inner
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let dst = dst
                Parallel.forEachRowChunk(outer, rowLength: run) { rows in
                    for o in rows where run > 0 {
                        let from = (o * extent + range.lowerBound) * inner
                        (dst.baseAddress! + o * run).update(from: src.baseAddress! + from, count: run)
                    }
                }
            }
        }
        let inputShape = shape
        return .result(shape: outShape, scalars: out, inputs: [self]) { g in
            // Each row of the gradient: zeros, the slice's gradient, zeros.
            var grad = [Float].unfilled(inputShape.elementCount)
            let before = range.lowerBound * inner, after = (extent - range.upperBound) * inner
            g.scalars.withUnsafeBufferPointer { src in
                grad.withUnsafeMutableBufferPointer { dst in
                    let dst = dst
                    Parallel.forEachRowChunk(outer, rowLength: extent * inner) { rows in
                        for o in rows where extent * inner > 0 {
                            let row = dst.baseAddress! + o * extent * inner
                            row.update(repeating: 0, count: before)
                            if run > 0 { (row + before).update(from: src.baseAddress! + o * run, count: run) }
                            (row + before + run).update(repeating: 0, count: after)
                        }
                    }
                }
            }
            return [Tensor(shape: inputShape, scalars: grad)]
        }
    }

    /// Inserts a dimension of size 1 at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "unsqueeze: axis \(axis) out of range for rank \(rank)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// Removes a dimension of size 1 at `axis`.
    public func squeezed(_ axis: Int) -> Tensor {
        let a = Shapes.normalize(axis: axis, rank: rank, op: "squeeze")
        precondition(shape[a] == 1, "squeeze: axis \(axis) of shape \(shape) is not 1")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    /// Stacks same-shaped tensors along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        concat(tensors.map { $0.unsqueezed(axis) }, axis: axis)
    }
}
