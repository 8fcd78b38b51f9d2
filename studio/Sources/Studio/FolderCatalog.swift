import Foundation
import Pipelines

/// The model folders and training runs under the root, found by walking it a few
/// levels deep (hidden folders and build folders skipped), remembered for two
/// seconds so that many clients polling the run list cost one walk.
final class FolderCatalog: @unchecked Sendable {
    struct Listing: Sendable {
        /// Folders with `config.json` and weights (ours, or a diffusers `UNet2DModel`, bare or with `unet/`).
        var models: [String]
        /// Folders with `training/log.jsonl`.
        var runs: [String]
    }

    let root: RootFolder
    let maximumDepth: Int
    private let lock = NSLock()
    private var cached: (listing: Listing, time: Date)?

    init(root: RootFolder, maximumDepth: Int = 4) {
        self.root = root
        self.maximumDepth = maximumDepth
    }

    func listing() -> Listing {
        lock.lock()
        defer { lock.unlock() }
        if let cached, Date().timeIntervalSince(cached.time) < 2 { return cached.listing }
        let listing = walk()
        cached = (listing, Date())
        return listing
    }

    private func walk() -> Listing {
        var models: [String] = []
        var runs: [String] = []
        let fm = FileManager.default
        var queue: [(URL, Int)] = [(root.url, 0)]
        while !queue.isEmpty {
            let (folder, depth) = queue.removeFirst()
            let relative = root.relativePath(of: folder)
            if ModelFolderSummary.isModelFolder(folder) { models.append(relative) }
            if TrainingRunStatus.isRunFolder(folder) { runs.append(relative) }
            guard depth < maximumDepth, let names = try? fm.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names.sorted() where !name.hasPrefix(".") && !["node_modules", "unet", "training"].contains(name) {
                let child = folder.appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                let values = try? child.resourceValues(forKeys: [.isSymbolicLinkKey])
                guard values?.isSymbolicLink != true, fm.fileExists(atPath: child.path, isDirectory: &isDirectory),
                    isDirectory.boolValue
                else { continue }
                queue.append((child, depth + 1))
            }
        }
        return Listing(models: models, runs: runs)
    }
}
