/// The processes one training run is spread over (data parallelism): each
/// computes the gradient of its share of the global batch, the gradients are
/// summed over all of them, and every process then takes the same optimiser
/// step. One process (`SingleProcess`) is the default; an MPI implementation is
/// in the `DistributedTraining` module (package trait MPI).
public protocol TrainingCommunicator: AnyObject {
    /// This process's index, 0..<size; rank 0 writes the checkpoints and the log.
    var rank: Int { get }
    /// How many processes take part.
    var size: Int { get }
    /// Sums `values` element-wise over every process, in place, the same result
    /// everywhere. `ordered` asks for the sum taken in rank order
    /// (((v₀ + v₁) + v₂) + …), which is what one process accumulating micro-batches
    /// computes: bit-identical to it at any size, at the cost of gathering every
    /// process's values; otherwise the implementation's own reduction (exact for
    /// two processes, as a + b = b + a; within rounding for more).
    func allReduceSum(_ values: inout [Float], ordered: Bool) throws
    /// Every process's `values` (the same count everywhere), concatenated in rank order.
    func allGather(_ values: [Float]) throws -> [Float]
}

/// Training in this process alone.
public final class SingleProcess: TrainingCommunicator {
    /// Training in this process only.
    public init() {}
    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }
    /// Leaves `values` as they are: the sum over one process.
    public func allReduceSum(_ values: inout [Float], ordered: Bool) throws {}
    /// `values` themselves.
    public func allGather(_ values: [Float]) throws -> [Float] { values }
}
