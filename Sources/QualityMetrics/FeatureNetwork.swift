import Datasets
import Tensors

/// A network whose features FID, KID and precision/recall are computed in.
/// Numbers from different networks are not comparable, so every report names
/// the network (`displayName`).
public protocol FeatureNetwork: AnyObject {
    /// The network and its weights, for the report.
    var displayName: String { get }
    /// The length of one feature vector.
    var featureDimension: Int { get }
    /// A short name and a hash of the weights (`mnist-3f2a…`): statistics are
    /// cached under it, so a change of weights never reuses old statistics.
    var fingerprint: String { get }
    /// Images per batch when nothing else is asked.
    var preferredBatchSize: Int { get }
    /// How a folder of images is read for this network (resized and grey for
    /// a network of one input size, as they are for one of any size).
    var folderOptions: ImageFolder.Options { get }
    /// Why images of `shape` `[N, C, H, W]` do not suit the network, or nil.
    func problem(withImagesOf shape: [Int]) -> String?
    /// The features `[B·featureDimension]` of one batch `[B, C, H, W]` in [−1, 1]
    /// (the project's image range), without recording gradients.
    func features(ofBatch images: Tensor) throws -> [Float]
}

extension FeatureNetwork {
    /// The features `[N·featureDimension]` of `images` in this network, checked
    /// against its input first, `batchSize` at a time; `progress` gets the
    /// number of images done.
    public func checkedFeatures(
        of images: Tensor, batchSize: Int? = nil, progress: (Int) -> Void = { _ in }
    ) throws
        -> [Float]
    {
        if let problem = problem(withImagesOf: images.shape) { throw MetricsError(problem) }
        let size = batchSize ?? preferredBatchSize
        let count = images.shape.first ?? 0
        var result: [Float] = []
        result.reserveCapacity(count * featureDimension)
        for start in stride(from: 0, to: count, by: size) {
            let end = Swift.min(start + size, count)
            result += try GradMode.withoutGradient { try features(ofBatch: images.slice(axis: 0, start..<end)) }
            progress(end)
        }
        return result
    }

    /// The feature statistics of images `[N, C, H, W]` in [−1, 1] (N ≥ 2), extracted as
    /// `checkedFeatures` does; `progress` gets the number of images done.
    public func statistics(of images: Tensor, progress: (Int) -> Void = { _ in }) throws -> FeatureStatistics {
        let features = try checkedFeatures(of: images, progress: progress)
        return try FeatureStatistics(features: features, count: images.shape.first ?? 0, dimension: featureDimension)
    }
}

extension MNISTFeatureNet: FeatureNetwork {
    /// The network's name in reports.
    public var displayName: String { Self.displayName }
    /// `mnist-` and a hash of the weights.
    public var fingerprint: String {
        var hash = FNV1aHash()
        for (_, tensor) in namedParameters() { hash.add(tensor.scalars) }
        return "mnist-" + hash.hexadecimal
    }
    /// The length of a feature vector: 128.
    public var featureDimension: Int { Self.featureDimension }
    /// 256 images per batch.
    public var preferredBatchSize: Int { 256 }
    /// Folders are read as grey 28×28 images.
    public var folderOptions: ImageFolder.Options { ImageFolder.Options(imageSize: 28, channels: .gray) }

    /// Nil for `[N, 1, 28, 28]`, else what it takes.
    public func problem(withImagesOf shape: [Int]) -> String? {
        shape.count == 4 && shape[1] == 1 && shape[2] == 28 && shape[3] == 28
            ? nil : "the MNIST features take grey 28×28 images [N, 1, 28, 28]; got \(shape)"
    }

    /// The 128 features of each image of a batch in [−1, 1].
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public func features(ofBatch images: Tensor) throws -> [Float] { try features(images).scalars }
}

extension InceptionV3FID: FeatureNetwork {
    /// The network's name in reports.
    public var displayName: String { Self.displayName }
    /// `inception-` and a hash of the weights.
    public var fingerprint: String { "inception-" + weightsHash }
    /// 2048 (pool3).
    public var featureDimension: Int { Self.featureDimension }
    /// 50 images per batch, as pytorch-fid.
    public var preferredBatchSize: Int { 50 }
    /// Folders are read at their own size (the network resizes to 299×299).
    public var folderOptions: ImageFolder.Options { ImageFolder.Options() }

    /// Nil for grey or RGB batches `[N, 1 or 3, H, W]`, else what it takes.
    public func problem(withImagesOf shape: [Int]) -> String? {
        shape.count == 4 && (shape[1] == 1 || shape[1] == 3)
            ? nil : "the Inception features take grey or RGB images [N, 1 or 3, H, W]; got \(shape)"
    }

    /// pytorch-fid's input range is [0, 1].
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public func features(ofBatch images: Tensor) throws -> [Float] { try features((images + 1) * 0.5).scalars }
}
