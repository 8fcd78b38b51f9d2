import Foundation
import QualityMetrics

/// Feature statistics of reference sets kept on disk, one `.npz` (pytorch-fid's
/// layout) per feature network and set contents, so a set's statistics are
/// computed once: the 4,500 training digits in Inception features take minutes.
/// A key names the network's weights and a hash of the set's files (names,
/// sizes, modification times), so changed weights or files are computed anew.
public struct FeatureStatisticsCache: Sendable {
    /// What names one entry.
    public struct Key: Equatable, Sendable {
        /// The network's `fingerprint`.
        public let network: String
        /// A readable name of the set (`mnist-train`, a folder's name).
        public let set: String
        /// A hash of the set's contents.
        public let contents: String

        /// The entry's file name.
        var fileName: String {
            let readable = String(set.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(40))
            return "\(network)-\(readable)-\(contents).npz"
        }
    }

    /// Where the statistics files are kept.
    public let folder: URL

    /// A cache in `folder` (created when first written).
    public init(folder: URL) { self.folder = folder }

    /// `$DDPM_CACHE_DIR`, else `$XDG_CACHE_HOME/swift-ddpm`, else `~/.cache/swift-ddpm`, each with `/statistics`.
    public static var standard: FeatureStatisticsCache {
        let environment = ProcessInfo.processInfo.environment
        let root: URL
        if let directory = environment["DDPM_CACHE_DIR"], !directory.isEmpty {
            root = URL(fileURLWithPath: directory)
        } else if let directory = environment["XDG_CACHE_HOME"], !directory.isEmpty {
            root = URL(fileURLWithPath: directory).appendingPathComponent("swift-ddpm")
        } else {
            root = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swift-ddpm")
        }
        return FeatureStatisticsCache(folder: root.appendingPathComponent("statistics"))
    }

    /// The file of `key`.
    public func url(for key: Key) -> URL { folder.appendingPathComponent(key.fileName) }

    /// The cached statistics of `key`, else `compute()`'s, which are then stored.
    /// An unreadable entry is computed anew; a cache that cannot be written costs
    /// only the time (the statistics are still returned).
    public func statistics(key: Key, compute: () throws -> FeatureStatistics) throws -> FeatureStatistics {
        let file = url(for: key)
        if let cached = try? FeatureStatistics(npzFile: file.path) { return cached }
        let statistics = try compute()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? statistics.writeNPZ(toFile: file.path)
        return statistics
    }
}
