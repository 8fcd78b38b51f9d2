import Tensors

/// Where a trainer gets its batches: an endless, seeded stream whose position
/// can be saved in a checkpoint and restored, so a resumed run sees exactly the
/// batches an uninterrupted run would have seen.
///
/// The data layer's loader conforms in the `ddpm` tool (this module sits below
/// the data layer and does not import it).
public protocol TrainingBatchSource {
    /// The next batch `[B, …]` and, when the data has them, one class label per example.
    mutating func nextTrainingBatch() throws -> (samples: Tensor, labels: [Int]?)
    /// The position of the next batch, as integers (for the checkpoint).
    var checkpointPosition: [Int] { get }
    /// Moves to a position saved from `checkpointPosition`.
    mutating func restore(checkpointPosition: [Int]) throws
}
