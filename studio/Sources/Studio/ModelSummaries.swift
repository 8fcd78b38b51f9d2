import Foundation
import Pipelines

/// What each model folder is, read once per version of its files: choosing a model
/// on the Sample page loads its weights only the first time (and after they change).
final class ModelSummaries: @unchecked Sendable {
    private let lock = NSLock()
    private var known: [String: (signature: [Double], summary: ModelFolderSummary)] = [:]

    /// The summary of the model folder `folder` (resolved under the root).
    func summary(of folder: URL) async throws -> ModelFolderSummary {
        let signature = Self.signature(of: folder)
        if let cached = cached(folder), cached.signature == signature { return cached.summary }
        let summary = try await SamplingJobs.onPreparationThread { try ModelFolderSummary(folder: folder) }
        remember(summary, signature: signature, for: folder)
        return summary
    }

    private func cached(_ folder: URL) -> (signature: [Double], summary: ModelFolderSummary)? {
        lock.lock()
        defer { lock.unlock() }
        return known[folder.path]
    }

    private func remember(_ summary: ModelFolderSummary, signature: [Double], for folder: URL) {
        lock.lock()
        known[folder.path] = (signature, summary)
        lock.unlock()
    }

    /// Modification times and sizes of the files that make a model folder what it is.
    static func signature(of folder: URL) -> [Double] {
        let names = [
            "config.json", "diffusion_pytorch_model.safetensors", "scheduler_config.json", "class_conditioning.json",
            "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "scheduler/scheduler_config.json",
        ]
        return names.flatMap { name -> [Double] in
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            return [
                (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1,
                (attributes?[.size] as? NSNumber)?.doubleValue ?? -1,
            ]
        }
    }
}
