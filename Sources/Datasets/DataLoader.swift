import Tensors

/// Where a `DataLoader` is in its stream of batches: the epoch, and the index in that
/// epoch's order at which the next batch starts. Saving it in a checkpoint and passing
/// it back to the loader resumes the exact same sequence of batches.
public struct DataPosition: Codable, Equatable, Sendable {
    /// The epoch, from 0.
    public var epoch: Int
    /// The position in the epoch's order where the next batch starts.
    public var index: Int

    /// A position.
    public init(epoch: Int, index: Int) {
        self.epoch = epoch
        self.index = index
    }

    /// The beginning of epoch 0.
    public static let start = DataPosition(epoch: 0, index: 0)
}

/// One batch: the samples, their labels if any, and their indices in the dataset.
public struct Batch {
    /// `[B, …]` — for images `[B, C, H, W]`.
    public let samples: Tensor
    /// The samples' labels, when the data has them.
    public let labels: [Int]?
    /// The samples' indices in the dataset.
    public let indices: [Int]
    /// Which samples were mirrored left–right.
    public let flipped: [Bool]
}

/// Serves batches forever, epoch after epoch, in an order fixed by the seed.
///
/// Epoch e visits the samples in the permutation drawn from
/// `RandomGenerator(seed: seed).substream(2e)` (or in file order when `shuffle` is off);
/// when `horizontalFlip` is on, the k-th sample of epoch e is mirrored when bit k of the
/// draws from `substream(2e + 1)` is set. So the batches depend only on
/// (seed, epoch, index), and `position` is all a checkpoint needs to resume them.
public struct DataLoader {
    /// Every sample, `[N, …]`.
    public let samples: Tensor
    /// One label per sample, when the data has them.
    public let labels: [Int]?
    /// Samples per batch.
    public let batchSize: Int
    /// The seed of the order (and of the flips).
    public let seed: UInt64
    /// Whether each epoch is shuffled (else file order).
    public let shuffle: Bool
    /// Whether samples are mirrored left–right at random.
    public let horizontalFlip: Bool
    /// Whether the last, incomplete batch of each epoch is dropped (so all batches have `batchSize`).
    public let dropLast: Bool
    /// Where the next batch starts.
    public private(set) var position: DataPosition

    private var cachedEpoch = -1
    private var order: [Int] = []
    private var flips: [Bool] = []

    /// A loader over `samples` (`[N, …]`; `[N, C, H, W]` when flipping).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public init(
        samples: Tensor, labels: [Int]? = nil, batchSize: Int, seed: UInt64, shuffle: Bool = true,
        horizontalFlip: Bool = false, dropLast: Bool = true, position: DataPosition = .start
    ) throws {
        guard samples.rank >= 1, samples.shape[0] > 0 else {
            throw DatasetError(file: "data loader", problem: "no samples to load (shape \(samples.shape))")
        }
        let count = samples.shape[0]
        if let labels, labels.count != count {
            throw DatasetError(file: "data loader", problem: "\(labels.count) labels for \(count) samples")
        }
        try Self.validate(batchSize: batchSize, count: count, dropLast: dropLast, of: "samples")
        if horizontalFlip && samples.rank != 4 {
            throw DatasetError(
                file: "data loader", problem: "horizontal flip needs images [N, C, H, W], got shape \(samples.shape)")
        }
        self.samples = samples
        self.labels = labels
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.horizontalFlip = horizontalFlip
        self.dropLast = dropLast
        self.position = .start
        try seek(to: position)
    }

    /// A loader over an image dataset's images and labels.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public init(
        dataset: ImageDataset, batchSize: Int, seed: UInt64, shuffle: Bool = true,
        horizontalFlip: Bool = false, dropLast: Bool = true, position: DataPosition = .start
    ) throws {
        try self.init(
            samples: dataset.images, labels: dataset.labels, batchSize: batchSize, seed: seed,
            shuffle: shuffle, horizontalFlip: horizontalFlip, dropLast: dropLast, position: position)
    }

    /// The number of samples.
    public var count: Int { samples.shape[0] }

    /// Batches served per epoch.
    public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    /// Moves to `position` (as saved from `position` earlier).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public mutating func seek(to position: DataPosition) throws {
        guard (0..<(1 << 48)).contains(position.epoch), position.index >= 0, position.index <= count else {
            throw DatasetError(
                file: "data loader",
                problem: "position epoch \(position.epoch), index \(position.index) is outside this dataset of \(count) samples")
        }
        self.position = position
        normalizePosition()
    }

    /// The order in which epoch `epoch` visits the samples.
    public func order(epoch: Int) -> [Int] { Self.order(count: count, seed: seed, shuffle: shuffle, epoch: epoch) }

    /// Whether the k-th sample of epoch `epoch` is mirrored, for each k.
    public func flips(epoch: Int) -> [Bool] { Self.flips(count: count, seed: seed, enabled: horizontalFlip, epoch: epoch) }

    /// The order of epoch `epoch` over `count` samples: `substream(2e)`'s permutation, or file order.
    static func order(count: Int, seed: UInt64, shuffle: Bool, epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<count) }
        var generator = RandomGenerator(seed: seed).substream(UInt64(truncatingIfNeeded: epoch) &* 2)
        return generator.permutation(count)
    }

    /// The mirror draws of epoch `epoch`: bit k of `substream(2e + 1)`'s draws, or none.
    static func flips(count: Int, seed: UInt64, enabled: Bool, epoch: Int) -> [Bool] {
        guard enabled else { return [Bool](repeating: false, count: count) }
        var generator = RandomGenerator(seed: seed).substream(UInt64(truncatingIfNeeded: epoch) &* 2 &+ 1)
        return (0..<count).map { _ in generator.nextUInt32() & 1 == 1 }
    }

    /// Throws unless `batchSize` ≥ 1 and, when incomplete batches are dropped, at most `count`.
    static func validate(batchSize: Int, count: Int, dropLast: Bool, of things: String) throws {
        guard batchSize >= 1 else {
            throw DatasetError(file: "data loader", problem: "batch size \(batchSize) must be at least 1")
        }
        if dropLast && batchSize > count {
            throw DatasetError(
                file: "data loader",
                problem: "batch size \(batchSize) is larger than the \(count) \(things); use a batch size of at most \(count)")
        }
    }

    /// `position`, rolled to the next epoch when its epoch cannot serve another batch.
    static func normalized(_ position: DataPosition, count: Int, batchSize: Int, dropLast: Bool) -> DataPosition {
        let remaining = count - position.index
        if remaining == 0 || (dropLast && remaining < batchSize) {
            return DataPosition(epoch: position.epoch + 1, index: 0)
        }
        return position
    }

    /// Copies one example of `count` values, its rows of `width` reversed when `mirrored`.
    static func copy(
        _ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int, width: Int,
        mirrored: Bool
    ) {
        if mirrored {
            for lineStart in stride(from: 0, to: count, by: width) {
                for x in 0..<width { target[lineStart + x] = source[lineStart + width - 1 - x] }
            }
        } else {
            target.update(from: source, count: count)
        }
    }

    /// The next batch; advances `position`, rolling over to the next epoch as needed.
    public mutating func nextBatch() -> Batch {
        if cachedEpoch != position.epoch {
            order = order(epoch: position.epoch)
            flips = flips(epoch: position.epoch)
            cachedEpoch = position.epoch
        }
        let end = min(position.index + batchSize, count)
        let range = position.index..<end
        let indices = Array(order[range])
        let mirrored = Array(flips[range])
        position.index = end
        normalizePosition()
        return Batch(
            samples: gather(indices, mirrored: mirrored),
            labels: labels.map { all in indices.map { all[$0] } },
            indices: indices, flipped: mirrored)
    }

    /// Rolls to the next epoch when the current one cannot serve another batch.
    private mutating func normalizePosition() {
        position = Self.normalized(position, count: count, batchSize: batchSize, dropLast: dropLast)
    }

    private func gather(_ indices: [Int], mirrored: [Bool]) -> Tensor {
        let size = samples.count / count
        let width = samples.rank == 4 ? samples.shape[3] : size
        var out = [Float](repeating: 0, count: indices.count * size)
        samples.scalars.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    Self.copy(
                        source.baseAddress! + index * size, to: target.baseAddress! + row * size, count: size,
                        width: width, mirrored: mirrored[row])
                }
            }
        }
        return Tensor(shape: [indices.count] + Array(samples.shape.dropFirst()), scalars: out)
    }
}
