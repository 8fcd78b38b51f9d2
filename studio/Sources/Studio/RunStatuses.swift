import Foundation
import Pipelines

/// The training runs' statuses, each read on from the last read: a poll of an
/// unchanged run reads no log line again, a growing run only its new lines.
final class RunStatuses: @unchecked Sendable {
    let root: RootFolder
    private let lock = NSLock()
    private var known: [String: TrainingRunStatus] = [:]

    init(root: RootFolder) { self.root = root }

    /// The status of the run `path` (relative to the root).
    func status(_ path: String) throws -> TrainingRunStatus {
        let folder = try root.resolve(path)
        lock.lock()
        let previous = known[folder.path]
        lock.unlock()
        let status: TrainingRunStatus
        do {
            status = try TrainingRunStatus(folder: folder, after: previous)
        } catch {
            throw StudioError.badRequest("\(path): \(error)")
        }
        lock.lock()
        known[folder.path] = status
        lock.unlock()
        return status
    }
}
