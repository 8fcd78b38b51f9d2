import Datasets
import Foundation
import QualityMetrics
import Tensors

/// A set of images to measure, named as a user names it: training data as
/// `--data` takes it (`mnist`, a folder of PNG or JPEG images, an IDX file,
/// `cifar10:DIR`), a bundled split (`mnist:train`, `mnist:test`), a `.npy` of
/// images in [0, 1] (what `ddpm sample --npy` writes), or a `.npz` of statistics
/// (`mu`, `sigma`, as pytorch-fid's `--save-stats` writes).
public enum ImageSet: Equatable, Sendable {
    /// A data source's split: every image of a bundled set or folder, CIFAR's training batches.
    case data(DataSource, DataSplit)
    /// A `.npy` of images in [0, 1].
    case array(String)
    /// A `.npz` of feature statistics.
    case statistics(String)

    /// What `init` accepts, for messages.
    public static let acceptedForms =
        "a folder of images, a .npy of images in [0, 1], a .npz of statistics, mnist[:train|:test], "
        + "cifar10:DIR (its training batches) or an IDX image file"

    /// The set named by `argument`; a path must exist.
    ///
    /// - Throws: ``PipelineError`` for an argument that names no set (and the Datasets module's errors for a data source it cannot parse).
    public init(_ argument: String) throws {
        let parts = argument.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        if let bundled = BundledDataset(rawValue: parts.first ?? "") {
            guard let split = parts.count == 1 ? DataSplit.all : DataSplit(rawValue: parts[1]) else {
                throw PipelineError(problem: "\(argument): give \(bundled.rawValue), \(bundled.rawValue):train or \(bundled.rawValue):test")
            }
            self = .data(.bundled(bundled), split)
            return
        }
        let lowercased = argument.lowercased()
        let exists = FileManager.default.fileExists(atPath: argument)
        if lowercased.hasSuffix(".npz"), exists {
            self = .statistics(argument)
        } else if lowercased.hasSuffix(".npy"), exists {
            self = .array(argument)
        } else {
            guard exists || argument.contains(":") else {
                throw PipelineError(problem: "\(argument): no such file or folder; give \(Self.acceptedForms)")
            }
            let source = try DataSource(parsing: argument)
            if case .toy = source { throw PipelineError(problem: "\(argument) holds 2-D points, not images; give \(Self.acceptedForms)") }
            if case .cifar = source { self = .data(source, .train) } else { self = .data(source, .all) }
        }
    }

    /// The images a model was trained on (`--data` of its run): the train split.
    ///
    /// - Throws: ``PipelineError`` for data that is not a set of images (and the Datasets module's errors for a data source it cannot parse).
    public init(trainingData argument: String) throws {
        let source = try DataSource(parsing: argument)
        if case .toy = source { throw PipelineError(problem: "--data \(argument) holds 2-D points, not images") }
        self = .data(source, .train)
    }

    /// How the set is named in messages.
    public var name: String {
        switch self {
        case .data(let source, let split): return split == .all ? source.description : "\(source.description):\(split)"
        case .array(let path), .statistics(let path): return path
        }
    }

    /// Whether the set is only statistics (no images, so no KID or precision/recall).
    public var isStatistics: Bool {
        if case .statistics = self { return true }
        return false
    }

    /// The images `[N, C, H, W]` in [−1, 1], read as `network` takes them (a folder
    /// with the network's `folderOptions`), checked against its input; at least 2.
    ///
    /// - Throws: ``PipelineError`` for images the network cannot take; the Datasets module's errors for files it cannot read.
    public func images(for network: any FeatureNetwork) throws -> Tensor {
        let images: Tensor
        switch self {
        case .data(let source, let split):
            images = try source.loadImages(split: split, folderOptions: network.folderOptions).dataset.images
        case .statistics(let path):
            throw PipelineError(problem: "\(path) holds statistics, not images; KID and precision/recall need images")
        case .array(let path):
            let array = try NPY.read(contentsOfFile: path)
            var shape = array.shape
            if shape.count == 3 { shape.insert(1, at: 1) }
            if let problem = network.problem(withImagesOf: shape) {
                throw PipelineError(problem: "\(path) holds an array of shape \(array.shape); \(problem) (or [N, H, W]) in [0, 1]")
            }
            if let bad = array.scalars.first(where: { !($0 >= 0 && $0 <= 1) }) {
                throw PipelineError(
                    problem: "\(path) has the value \(bad); images in a .npy must be in [0, 1] (as 'ddpm sample --npy' writes)")
            }
            images = (array * 2 - 1).reshaped(shape)
        }
        if let problem = network.problem(withImagesOf: images.shape) { throw PipelineError(problem: "\(name): \(problem)") }
        guard images.shape[0] >= 2 else {
            throw PipelineError(problem: "\(name) holds \(images.shape[0]) image; statistics need at least 2")
        }
        return images
    }

    /// The set's feature statistics in `network`: read from a statistics file
    /// (which must have the network's dimension), else taken from `cache` when
    /// it holds them for these files and weights, else computed (and cached).
    /// `progress` gets (images done, images in all) while features are extracted.
    public func statistics(
        in network: any FeatureNetwork, cache: FeatureStatisticsCache?, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> FeatureStatistics {
        if case .statistics(let path) = self {
            let statistics = try FeatureStatistics(npzFile: path)
            guard statistics.dimension == network.featureDimension else {
                throw PipelineError(
                    problem: "\(path) holds \(statistics.dimension)-d statistics; \(network.displayName) gives "
                        + "\(network.featureDimension)-d features (statistics from another feature network?)")
            }
            return statistics
        }
        func compute() throws -> FeatureStatistics {
            let images = try images(for: network)
            return try network.statistics(of: images) { progress($0, images.shape[0]) }
        }
        guard let cache, let key = try cacheKey(for: network) else { return try compute() }
        return try cache.statistics(key: key, compute: compute)
    }

    /// What names the set's current contents for `network` in the cache, or nil
    /// for a set not worth caching (arrays of samples change with every draw).
    /// Files are named by their paths, sizes and modification times.
    func cacheKey(for network: any FeatureNetwork) throws -> FeatureStatisticsCache.Key? {
        guard case .data(let source, let split) = self else { return nil }
        var hash = FNV1aHash()
        hash.add("\(split)|\(network.folderOptions.imageSize.map(String.init) ?? "any")|\(network.folderOptions.channels)")
        let label: String
        switch source {
        case .bundled(let data):
            label = "\(data.rawValue)-\(split)"
            hash.add(label)
        case .toy:
            return nil
        case .imageFolder(let path), .idx(let path, _), .cifar(_, let path):
            let url = URL(fileURLWithPath: path).standardizedFileURL
            label = "\(url.lastPathComponent)-\(split)"
            hash.add(source.description)
            for (file, size, modified) in try Self.files(under: url) { hash.add("\(file)|\(size)|\(modified)") }
        }
        return FeatureStatisticsCache.Key(network: network.fingerprint, set: label, contents: hash.hexadecimal)
    }

    /// The regular files at or under `url` (relative path, size, modification time), sorted by path.
    static func files(under url: URL) throws -> [(String, Int64, Double)] {
        func entry(_ file: URL, _ relative: String) throws -> (String, Int64, Double) {
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            return (
                relative, (attributes[.size] as? NSNumber)?.int64Value ?? -1,
                (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            )
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [try entry(url, url.lastPathComponent)]
        }
        var result: [(String, Int64, Double)] = []
        guard let enumerator = FileManager.default.enumerator(atPath: url.path) else { return [] }
        while let relative = enumerator.nextObject() as? String {
            let file = url.appendingPathComponent(relative)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue {
                result.append(try entry(file, relative))
            }
        }
        return result.sorted { $0.0 < $1.0 }
    }
}
