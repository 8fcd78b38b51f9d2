import Datasets
import Foundation
import Pipelines

/// The Forward process page's previews: one image, one schedule and one noise seed
/// each, kept (the last 32) so that dragging t only computes x_t.
final class ForwardPreviews: @unchecked Sendable {
    /// The images offered: the bundled data sets.
    static let sources = BundledDataset.allCases.map(\.rawValue)

    let root: RootFolder
    private let lock = NSLock()
    private var kept: [(key: String, preview: ForwardProcessPreview)] = []

    init(root: RootFolder) { self.root = root }

    /// The preview a query names: `source` (mnist, digits) and `index`, then either
    /// `model` (a model folder under the root: its training schedule) or `schedule` and `T`, and `seed`.
    func preview(_ query: QueryParameters) throws -> ForwardProcessPreview {
        let source = try query.choice("source", among: Self.sources, default: "mnist")
        let index = try query.integer("index", in: 0...1_000_000, default: 0)
        let seed = try query.seed("seed")
        let scheduleKey: String
        let makeSchedule: () throws -> ForwardProcessPreview.ScheduleSource
        if let model = query.optionalString("model") {
            let folder = try root.resolve(model)
            guard FolderCatalog.isModelFolder(folder) else { throw StudioError.badRequest("'\(model)' is not a model folder") }
            scheduleKey = "model:" + folder.path
            makeSchedule = { .modelFolder(folder) }
        } else {
            let name = try query.choice("schedule", among: ForwardProcessPreview.scheduleNames, default: "linear")
            let timesteps = try query.integer(
                "T", in: ForwardProcessPreview.timestepRange, default: 1000)
            scheduleKey = "\(name):\(timesteps)"
            makeSchedule = { .named(name, timesteps: timesteps) }
        }
        let key = "\(source):\(index)|\(scheduleKey)|\(seed)"
        lock.lock()
        if let found = kept.first(where: { $0.key == key }) {
            lock.unlock()
            return found.preview
        }
        lock.unlock()
        let preview: ForwardProcessPreview
        do {
            guard let dataset = BundledDataset(rawValue: source) else { throw StudioError.badRequest("unknown source \(source)") }
            preview = try ForwardProcessPreview(schedule: makeSchedule(), image: .bundled(dataset, index: index), seed: seed)
        } catch let error as StudioError {
            throw error
        } catch {
            throw StudioError.badRequest("\(error)")
        }
        lock.lock()
        kept.append((key, preview))
        if kept.count > 32 { kept.removeFirst() }
        lock.unlock()
        return preview
    }
}
