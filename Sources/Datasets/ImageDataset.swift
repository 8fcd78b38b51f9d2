import Tensors

/// A set of images scaled to the model's range [-1, 1], with optional class labels.
///
/// `images` has shape `[N, C, H, W]` (C is 1 for gray, 3 for RGB); `labels[i]`
/// is the class of image `i`, an index into `classNames` when names are known.
public struct ImageDataset {
    /// The images, `[N, C, H, W]`, values in [-1, 1].
    public let images: Tensor
    /// One class index per image, or nil for unlabelled data.
    public let labels: [Int]?
    /// The name of each class index, when known (e.g. "0"…"9", or sub-folder names).
    public let classNames: [String]?

    /// A dataset; throws if the shapes, labels and class names do not agree.
    public init(images: Tensor, labels: [Int]? = nil, classNames: [String]? = nil) throws {
        guard images.rank == 4 else {
            throw DatasetError(file: "ImageDataset", problem: "images must be [N, C, H, W], got shape \(images.shape)")
        }
        if let labels {
            guard labels.count == images.shape[0] else {
                throw DatasetError(
                    file: "ImageDataset", problem: "\(labels.count) labels for \(images.shape[0]) images")
            }
            let limit = classNames?.count ?? Int.max
            if let bad = labels.first(where: { $0 < 0 || $0 >= limit }) {
                throw DatasetError(
                    file: "ImageDataset",
                    problem: "label \(bad) is outside 0..<\(limit == Int.max ? "∞" : String(limit))")
            }
        }
        self.images = images
        self.labels = labels
        self.classNames = classNames
    }

    /// The number of images.
    public var count: Int { images.shape[0] }
    /// Channels per image, C.
    public var channels: Int { images.shape[1] }
    /// Image height, H.
    public var height: Int { images.shape[2] }
    /// Image width, W.
    public var width: Int { images.shape[3] }
    /// The number of classes: the class names, or one more than the largest label.
    public var classCount: Int? {
        classNames?.count ?? labels.map { ($0.max() ?? -1) + 1 }
    }

    /// The images at `indices`, in that order, with their labels.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func subset(_ indices: [Int]) throws -> ImageDataset {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw DatasetError(file: "ImageDataset", problem: "index \(bad) is outside 0..<\(count)")
        }
        let size = channels * height * width
        var scalars = [Float](repeating: 0, count: indices.count * size)
        images.scalars.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    for k in 0..<size { target[row * size + k] = source[index * size + k] }
                }
            }
        }
        return try ImageDataset(
            images: Tensor(shape: [indices.count, channels, height, width], scalars: scalars),
            labels: labels.map { all in indices.map { all[$0] } },
            classNames: classNames)
    }

    /// The images of one part of the fixed split (see `DataSplit`).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func split(_ split: DataSplit) throws -> ImageDataset {
        split == .all ? self : try subset((0..<count).filter { split.contains($0) })
    }
}

/// The fixed train / test split used everywhere, so numbers compare: image `i`
/// (0-based, in file order) is in the test split when `i % 10 == 9`, otherwise in train.
extension ImageDataset {
    /// The same images resized (antialiased) and centre-cropped to `size` × `size`
    /// when given and different, and turned to grey (ITU-R 601 luma) when `grey`.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public func converted(size: Int?, grey: Bool) throws -> ImageDataset {
        let resize = size.map { $0 != height || $0 != width } ?? false
        guard resize || (grey && channels == 3) else { return self }
        let target = size ?? height
        let plane = height * width, outPlane = target * target
        let outChannels = grey ? 1 : channels
        var scalars = [Float]()
        scalars.reserveCapacity(count * outChannels * outPlane)
        let values = images.scalars
        for n in 0..<count {
            var planes = Array(values[(n * channels * plane)..<((n + 1) * channels * plane)])
            if resize { planes = ImageResize.resizeAndCenterCrop(planes, channels: channels, height: height, width: width, size: target) }
            if grey && channels == 3 {
                scalars += (0..<outPlane).map { 0.299 * planes[$0] + 0.587 * planes[outPlane + $0] + 0.114 * planes[2 * outPlane + $0] }
            } else {
                scalars += planes
            }
        }
        return try ImageDataset(
            images: Tensor(shape: [count, outChannels, target, target], scalars: scalars),
            labels: labels, classNames: classNames)
    }
}

/// The fixed train/test split of a dataset: image `index` is a test image when `index % 10 == 9`.
public enum DataSplit: String, CaseIterable, Sendable {
    /// Nine images in ten: those whose index is not 9 modulo 10.
    case train
    /// One image in ten: those whose index is 9 modulo 10.
    case test
    /// Every image.
    case all

    /// Whether image `index` belongs to this split.
    public func contains(_ index: Int) -> Bool {
        switch self {
        case .train: return index % 10 != 9
        case .test: return index % 10 == 9
        case .all: return true
        }
    }
}
