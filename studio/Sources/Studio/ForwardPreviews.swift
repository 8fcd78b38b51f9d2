import Datasets
import Foundation
import Pipelines

/// The Forward process page's previews: one image, one schedule and one noise seed
/// each, kept (the last 32) so that dragging t only computes x_t.
final class ForwardPreviews: @unchecked Sendable {
    /// The images offered: the bundled data sets.
    static let sources = BundledDataset.allCases.map(\.rawValue)

    let root: RootFolder
    let runs: RunStatuses
    private let lock = NSLock()
    private var kept: [(key: String, preview: ForwardProcessPreview)] = []

    init(root: RootFolder, runs: RunStatuses) {
        self.root = root
        self.runs = runs
    }

    /// The preview a query names: `source` (mnist, digits, or `run:PATH`: the training data of
    /// the run in PATH, when it lies under the root) and `index`, then either
    /// `model` (a model folder under the root: its training schedule) or `schedule` and `T`, and `seed`.
    func preview(_ query: QueryParameters) throws -> ForwardProcessPreview {
        let source = query.optionalString("source") ?? "mnist"
        guard Self.sources.contains(source) || source.hasPrefix("run:") else {
            throw StudioError.badRequest(
                "source=\(source) is not accepted; give one of \(Self.sources.joined(separator: ", ")) or run:PATH (a run's training data)")
        }
        let index = try query.integer("index", in: 0...1_000_000, default: 0)
        let seed = try query.seed("seed")
        let schedule: ForwardProcessPreview.ScheduleSource
        let scheduleKey: String
        if let model = query.optionalString("model") {
            let folder = try root.resolve(model)
            guard ModelFolderSummary.isModelFolder(folder) else { throw StudioError.badRequest("'\(model)' is not a model folder") }
            schedule = .modelFolder(folder)
            scheduleKey = "model:" + folder.path
        } else {
            let name = try query.choice("schedule", among: ForwardProcessPreview.scheduleNames, default: "linear")
            let timesteps = try query.integer("T", in: ForwardProcessPreview.timestepRange, default: 1000)
            schedule = .named(name, timesteps: timesteps)
            scheduleKey = "\(name):\(timesteps)"
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
            let image: ForwardProcessPreview.ImageSource
            if let dataset = BundledDataset(rawValue: source) {
                image = .bundled(dataset, index: index)
            } else {
                image = .data(try trainingData(ofRun: String(source.dropFirst("run:".count))), index: index)
            }
            preview = try ForwardProcessPreview(schedule: schedule, image: image, seed: seed)
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

    /// The data source of the run in `path`, if it is bundled or lies under the root (the studio
    /// reads nothing outside it). A relative path is taken relative to the root.
    func trainingData(ofRun path: String) throws -> DataSource {
        guard let data = try runs.status(path).trainingData else {
            throw StudioError.badRequest("the run '\(path)' has no checkpoint yet, so its training data is not known")
        }
        if let dataset = BundledDataset(rawValue: data.lowercased()) { return .bundled(dataset) }
        if data.lowercased().hasPrefix("toy:") {
            throw StudioError.badRequest("the run '\(path)' trained on \(data): 2-D points, not images")
        }
        var prefix = ""
        var location = data
        if let colon = data.firstIndex(of: ":"), CIFAR(rawValue: data[..<colon].lowercased()) != nil {
            prefix = String(data[...colon])
            location = String(data[data.index(after: colon)...])
        }
        let absolute = location.hasPrefix("/") ? location : root.url.appendingPathComponent(location).path
        guard let real = RootFolder.realPath(absolute), root.contains(real) else {
            throw StudioError.badRequest(
                "the run '\(path)' trained on \(data), which is not under the studio's root; the studio reads only under its root")
        }
        return try DataSource(parsing: prefix + real)
    }
}
