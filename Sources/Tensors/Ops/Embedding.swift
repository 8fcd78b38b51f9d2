/// Embedding lookup, as PyTorch's `F.embedding`: row `indices[i]` of a
/// `[V, D]` table becomes row `i` of the `[indices.count, D]` output. The
/// backward adds each output row's gradient into the table row it came from
/// (repeated indices accumulate).
extension Tensor {
    /// The rows of `table` (`[V, D]`) at `indices`, each in `0..<V`.
    public static func embedding(_ table: Tensor, indices: [Int]) -> Tensor {
        precondition(table.rank == 2, "embedding: table must be [V, D] (rank 2), got shape \(table.shape)")
        let rows = table.shape[0], width = table.shape[1]
        for (position, index) in indices.enumerated() {
            precondition(
                index >= 0 && index < rows,
                "embedding: index \(index) at position \(position) is out of range 0..<\(rows) for table \(table.shape)")
        }
        var output = [Float](repeating: 0, count: indices.count * width)
        table.scalars.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                for (position, index) in indices.enumerated() {
                    for j in 0..<width { destination[position * width + j] = source[index * width + j] }
                }
            }
        }
        let tableShape = table.shape
        return .result(shape: [indices.count, width], scalars: output, inputs: [table]) { g in
            var gradient = [Float](repeating: 0, count: tableShape.elementCount)
            g.scalars.withUnsafeBufferPointer { dy in
                gradient.withUnsafeMutableBufferPointer { dTable in
                    for (position, index) in indices.enumerated() {
                        for j in 0..<width { dTable[index * width + j] += dy[position * width + j] }
                    }
                }
            }
            return [Tensor(shape: tableShape, scalars: gradient)]
        }
    }
}
