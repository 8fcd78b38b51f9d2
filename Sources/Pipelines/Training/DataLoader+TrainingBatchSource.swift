import Datasets
import Diffusion
import Tensors

/// The data layer's loader as the trainer's batch source; its position is
/// saved as `[epoch, index]`.
extension DataLoader: TrainingBatchSource {
    /// The next batch's samples and labels.
    public mutating func nextTrainingBatch() -> (samples: Tensor, labels: [Int]?) {
        let batch = nextBatch()
        return (batch.samples, batch.labels)
    }

    /// `[epoch, index]`.
    public var checkpointPosition: [Int] { [position.epoch, position.index] }

    /// Moves to a saved `[epoch, index]`.
    ///
    /// - Throws: `DatasetError` for a position that is not two integers within the data.
    public mutating func restore(checkpointPosition: [Int]) throws {
        guard checkpointPosition.count == 2 else {
            throw DatasetError(file: "data loader", problem: "a saved position has 2 integers (epoch, index), got \(checkpointPosition)")
        }
        try seek(to: DataPosition(epoch: checkpointPosition[0], index: checkpointPosition[1]))
    }
}

/// The streamed folder loader as the trainer's batch source; a file that fails
/// to decode ends the step with its error. Its position is saved as `[epoch, index]`.
extension StreamingDataLoader: TrainingBatchSource {
    /// The next batch's images and labels, decoded now.
    ///
    /// - Throws: `DatasetError` when a file of the batch fails to decode.
    public func nextTrainingBatch() throws -> (samples: Tensor, labels: [Int]?) {
        let batch = try nextBatch()
        return (batch.samples, batch.labels)
    }

    /// `[epoch, index]`.
    public var checkpointPosition: [Int] { [position.epoch, position.index] }

    /// Moves to a saved `[epoch, index]`.
    ///
    /// - Throws: `DatasetError` for a position that is not two integers within the data.
    public func restore(checkpointPosition: [Int]) throws {
        guard checkpointPosition.count == 2 else {
            throw DatasetError(file: "data loader", problem: "a saved position has 2 integers (epoch, index), got \(checkpointPosition)")
        }
        try seek(to: DataPosition(epoch: checkpointPosition[0], index: checkpointPosition[1]))
    }
}
