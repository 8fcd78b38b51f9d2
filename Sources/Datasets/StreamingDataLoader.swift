import Dispatch
#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Tensors

/// Serves batches of an image folder decoded as they are needed, for sets larger
/// than memory. Its batches are those of a `DataLoader` over the same folder read
/// whole (`ImageFolder` with the same size and channels), bit for bit: the seed,
/// epoch and index decide each batch, and `position` resumes it.
///
/// While the caller trains on one batch, a background thread decodes the next;
/// the images of the most recent batches stay in a small cache (`cachedImages`).
/// A file that fails to decode stops `nextBatch()` with an error naming it. `split`
/// takes the folder's train or test images as `ImageDataset.split` does.
public final class StreamingDataLoader {
    /// The folder and what it holds.
    public let root: String
    /// The folder's files, labels and skipped files.
    public let listing: ImageFolder.Listing
    /// The files served (those of `split`, in file order) and their labels.
    public let files: [String]
    /// One label per served file, when the folder has classes.
    public let labels: [Int]?
    /// Channels of every image served (grey files are repeated into RGB, colour files turned to luma).
    public let channels: Int
    /// The size every image is resized and centre-cropped to, or nil to take them as they are
    /// (then all must share the first image's size).
    public let imageSize: Int?
    /// The height of every image served.
    public let height: Int
    /// The width of every image served.
    public let width: Int
    /// Images per batch.
    public let batchSize: Int
    /// The seed of the order (and of the flips).
    public let seed: UInt64
    /// Whether each epoch is shuffled (else file order).
    public let shuffle: Bool
    /// Whether images are mirrored left–right at random.
    public let horizontalFlip: Bool
    /// Whether an epoch's last, incomplete batch is dropped.
    public let dropLast: Bool
    /// How many decoded images are kept for reuse.
    public let cachedImages: Int
    /// Where the next batch starts.
    public private(set) var position: DataPosition

    private let limits: PNG.Limits
    /// Everything below is touched only on `queue`.
    private let queue = DispatchQueue(label: "swift-ddpm.streaming-data-loader")
    private var orderEpoch = -1
    private var order: [Int] = []
    private var flips: [Bool] = []
    private var cache: [Int: [Float]] = [:]
    private var cacheOrder: [Int] = []
    /// The batch being decoded in the background, for the position it starts at.
    private var pending: PendingBatch?

    /// A loader over the images of the folder at `path` (listed as `ImageFolder` lists them).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public init(
        path: String, channels: Int, imageSize: Int?, split: DataSplit = .all, batchSize: Int, seed: UInt64,
        shuffle: Bool = true,
        horizontalFlip: Bool = false, dropLast: Bool = true, nonImageFiles: ImageFolder.NonImagePolicy = .skip,
        limits: PNG.Limits = PNG.Limits(), cachedImages: Int? = nil, position: DataPosition = .start
    ) throws {
        guard channels == 1 || channels == 3 else {
            throw DatasetError(file: path, problem: "\(channels) channels asked for; images are read as 1 (grey) or 3 (RGB)")
        }
        let listing = try ImageFolder.Listing(path: path, options: ImageFolder.Options(imageSize: imageSize, nonImageFiles: nonImageFiles))
        let selected = listing.files.indices.filter { split.contains($0) }
        self.listing = listing
        files = selected.map { listing.files[$0] }
        labels = listing.labels.map { all in selected.map { all[$0] } }
        let count = files.count
        guard count > 0 else {
            throw DatasetError(file: path, problem: "no images in the \(split.rawValue) split (image i is a test image when i % 10 = 9)")
        }
        try DataLoader.validate(batchSize: batchSize, count: count, dropLast: dropLast, of: "images")
        root = path
        self.channels = channels
        self.imageSize = imageSize
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.horizontalFlip = horizontalFlip
        self.dropLast = dropLast
        self.limits = limits
        self.cachedImages = max(0, cachedImages ?? 2 * batchSize)
        if let imageSize {
            (height, width) = (imageSize, imageSize)
        } else {
            let first = try ImageFolder.decodePlanes(path + "/" + files[0], imageSize: nil, limits: limits)
            (height, width) = (first.height, first.width)
        }
        self.position = .start
        try seek(to: position)
    }

    /// The number of images.
    public var count: Int { files.count }
    /// The shape of one batch's images.
    public var imageShape: [Int] { [channels, height, width] }

    /// Moves to `position` (as saved from `position` earlier).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func seek(to position: DataPosition) throws {
        guard (0..<(1 << 48)).contains(position.epoch), position.index >= 0, position.index <= count else {
            throw DatasetError(
                file: "data loader",
                problem: "position epoch \(position.epoch), index \(position.index) is outside this folder of \(count) images")
        }
        self.position = DataLoader.normalized(position, count: count, batchSize: batchSize, dropLast: dropLast)
    }

    /// The next batch; advances `position`, rolling over to the next epoch as needed, and starts
    /// decoding the batch after it in the background.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func nextBatch() throws -> Batch {
        let start = position
        let batch: Batch
        if let pending, pending.start == start {
            batch = try pending.wait()
        } else {
            batch = try queue.sync { try makeBatch(at: start) }
        }
        position = DataLoader.normalized(
            DataPosition(epoch: start.epoch, index: min(start.index + batchSize, count)),
            count: count, batchSize: batchSize, dropLast: dropLast)
        let next = PendingBatch(start: position)
        pending = next
        queue.async {
            Self.lowerThreadPriority()
            next.finish(Result { try self.makeBatch(at: next.start) })
        }
        return batch
    }

    /// Lets the training threads go first: decoding ahead runs at a lower priority (nice 10 on
    /// Linux, where it is per thread), so it takes the cores' idle moments rather than slowing a step.
    private static func lowerThreadPriority() {
        #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)  // who 0: on Linux, the calling thread only
        #endif
    }

    /// Decodes the batch starting at `start` (on `queue`).
    private func makeBatch(at start: DataPosition) throws -> Batch {
        if orderEpoch != start.epoch {
            order = DataLoader.order(count: count, seed: seed, shuffle: shuffle, epoch: start.epoch)
            flips = DataLoader.flips(count: count, seed: seed, enabled: horizontalFlip, epoch: start.epoch)
            orderEpoch = start.epoch
        }
        let range = start.index..<min(start.index + batchSize, count)
        let indices = Array(order[range])
        let mirrored = Array(flips[range])
        let size = channels * height * width
        var out = [Float](repeating: 0, count: indices.count * size)
        for (row, index) in indices.enumerated() {
            let planes = try image(index)
            out.withUnsafeMutableBufferPointer { target in
                planes.withUnsafeBufferPointer { source in
                    DataLoader.copy(
                        source.baseAddress!, to: target.baseAddress! + row * size, count: size, width: width,
                        mirrored: mirrored[row])
                }
            }
        }
        return Batch(
            samples: Tensor(shape: [indices.count, channels, height, width], scalars: out),
            labels: labels.map { all in indices.map { all[$0] } }, indices: indices, flipped: mirrored)
    }

    /// Image `index` as `channels` planes, from the cache or its file.
    private func image(_ index: Int) throws -> [Float] {
        if let cached = cache[index] { return cached }
        let file = root + "/" + files[index]
        let decoded = try ImageFolder.decodePlanes(file, imageSize: imageSize, limits: limits)
        guard decoded.height == height, decoded.width == width else {
            throw DatasetError(
                file: file,
                problem: "is \(decoded.width)×\(decoded.height) but \(files[0]) is "
                    + "\(width)×\(height); images of mixed sizes need an image size to resize and centre-crop to")
        }
        let planes = ImageFolder.converted(decoded.planes, from: decoded.channels, to: channels, plane: height * width)
        if cachedImages > 0 {
            if cacheOrder.count >= cachedImages { cache[cacheOrder.removeFirst()] = nil }
            cache[index] = planes
            cacheOrder.append(index)
        }
        return planes
    }
}

/// A batch decoded on another thread: its start position, and its result once there.
private final class PendingBatch: @unchecked Sendable {
    let start: DataPosition
    private let ready = DispatchSemaphore(value: 0)
    private var result: Result<Batch, Error>?

    init(start: DataPosition) { self.start = start }

    func finish(_ result: Result<Batch, Error>) {
        self.result = result
        ready.signal()
    }

    func wait() throws -> Batch {
        ready.wait()
        ready.signal()
        return try result!.get()
    }
}
