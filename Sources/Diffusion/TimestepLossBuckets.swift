/// Running means of a per-example loss in four buckets by timestep (the
/// quartiles of `0..<T`), for logging which noise levels are learnt.
public struct TimestepLossBuckets: Sendable {
    /// T: the buckets are the quartiles of `0..<T`.
    public let timesteps: Int
    /// The sum of the losses recorded in each bucket.
    public private(set) var sums = [Double](repeating: 0, count: 4)
    /// How many losses each bucket holds.
    public private(set) var counts = [Int](repeating: 0, count: 4)

    /// Four empty buckets over `0..<timesteps`.
    public init(timesteps: Int) {
        self.timesteps = timesteps
    }

    /// The bucket (0…3) of a timestep.
    public func bucket(of t: Int) -> Int { Swift.min(3, Swift.max(0, 4 * t / Swift.max(timesteps, 1))) }

    /// Adds one loss per example at its timestep.
    public mutating func record(losses: [Float], timesteps drawn: [Int]) {
        for (loss, t) in zip(losses, drawn) {
            let b = bucket(of: t)
            sums[b] += Double(loss)
            counts[b] += 1
        }
    }

    /// Adds every example of a training loss.
    public mutating func record(_ loss: TrainingLoss) {
        record(losses: loss.perExample, timesteps: loss.timesteps)
    }

    /// The mean loss per bucket, nil where nothing was recorded.
    public var means: [Double?] { (0..<4).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : nil } }

    /// Forgets everything recorded.
    public mutating func reset() {
        sums = [Double](repeating: 0, count: 4)
        counts = [Int](repeating: 0, count: 4)
    }
}
