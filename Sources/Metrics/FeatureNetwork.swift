import Tensors

/// A network whose features FID, KID and precision/recall are computed in.
/// Numbers from different networks are not comparable, so every report names
/// the network (`displayName`).
public protocol FeatureNetwork: AnyObject {
    /// The network and its weights, for the report.
    var displayName: String { get }
    /// The length of one feature vector.
    var featureDimension: Int { get }
    /// Images per batch when nothing else is asked.
    var preferredBatchSize: Int { get }
    /// Why images of `shape` `[N, C, H, W]` do not suit the network, or nil.
    func problem(withImagesOf shape: [Int]) -> String?
    /// The features `[N·featureDimension]` of images `[N, C, H, W]` in [−1, 1]
    /// (the project's image range), `batchSize` at a time; `progress` gets the
    /// number of images done.
    func features(of images: Tensor, batchSize: Int, progress: (Int) -> Void) throws -> [Float]
}

extension FeatureNetwork {
    /// The features of `images` in this network, checked against its input first.
    public func checkedFeatures(
        of images: Tensor, batchSize: Int? = nil, progress: (Int) -> Void = { _ in }
    ) throws
        -> [Float]
    {
        if let problem = problem(withImagesOf: images.shape) { throw MetricsError(problem) }
        return try features(of: images, batchSize: batchSize ?? preferredBatchSize, progress: progress)
    }

    /// The Fréchet distance between two image sets `[N, C, H, W]` in [−1, 1], in this network's features.
    public func frechetDistance(_ a: Tensor, _ b: Tensor) throws -> Double {
        let d = featureDimension
        return try FrechetDistance.between(
            try FeatureStatistics(features: try checkedFeatures(of: a), count: a.shape[0], dimension: d),
            try FeatureStatistics(features: try checkedFeatures(of: b), count: b.shape[0], dimension: d))
    }
}

extension MNISTFeatureNet: FeatureNetwork {
    public var displayName: String { Self.displayName }
    public var featureDimension: Int { Self.featureDimension }
    public var preferredBatchSize: Int { 256 }

    public func problem(withImagesOf shape: [Int]) -> String? {
        shape.count == 4 && shape[1] == 1 && shape[2] == 28 && shape[3] == 28
            ? nil : "the MNIST features take grey 28×28 images [N, 1, 28, 28]; got \(shape)"
    }

    public func features(of images: Tensor, batchSize: Int, progress: (Int) -> Void) throws -> [Float] {
        var result: [Float] = []
        let count = images.shape.first ?? 0
        for start in stride(from: 0, to: count, by: batchSize) {
            let end = Swift.min(start + batchSize, count)
            result += try features(of: images.slice(axis: 0, start..<end), batchSize: batchSize)
            progress(end)
        }
        return result
    }
}

extension InceptionV3FID: FeatureNetwork {
    public var displayName: String { Self.displayName }
    public var featureDimension: Int { Self.featureDimension }
    public var preferredBatchSize: Int { 50 }

    public func problem(withImagesOf shape: [Int]) -> String? {
        shape.count == 4 && (shape[1] == 1 || shape[1] == 3)
            ? nil : "the Inception features take grey or RGB images [N, 1 or 3, H, W]; got \(shape)"
    }

    public func features(of images: Tensor, batchSize: Int, progress: (Int) -> Void) throws -> [Float] {
        var result: [Float] = []
        let count = images.shape.first ?? 0
        for start in stride(from: 0, to: count, by: batchSize) {
            let end = Swift.min(start + batchSize, count)
            result += try features((images.slice(axis: 0, start..<end) + 1) * 0.5).scalars
            progress(end)
        }
        return result
    }
}
