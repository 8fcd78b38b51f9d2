import Foundation
import Hummingbird
import Pipelines

extension Studio {
    /// The Training runs page's routes: every run under the root, one run's log from a
    /// step on (the page polls it as the log grows), and its preview grids.
    func addRunRoutes(to router: Router<StudioRequestContext>) {
        router.get("/api/runs") { _, _ in
            var runs: [[String: Any]] = []
            for path in self.catalog.listing().runs {
                guard let status = try? self.runs.status(path) else { continue }
                runs.append(Self.summary(status, path: path))
            }
            return try Studio.json(["runs": runs])
        }
        router.get("/api/run") { request, _ in
            let query = QueryParameters(request)
            let path = try query.string("path")
            let after = try query.integer("after", in: 0...Int.max, default: 0)
            let status = try self.runs.status(path)
            var object = Self.summary(status, path: path)
            object["entries"] = status.entries.filter { $0.step > after }.map { entry -> [String: Any] in
                var line: [String: Any] = [
                    "step": entry.step, "loss": entry.loss, "lr": entry.learningRate, "seconds": entry.seconds,
                    "quarters": entry.lossQuartiles.map { $0 as Any? ?? NSNull() },
                ]
                if let fid = entry.fid { line["fid"] = fid }
                return line
            }
            object["samples"] = status.sampleGrids
            return try Studio.json(object)
        }
        router.get("/api/run/sample.png") { request, _ in
            let query = QueryParameters(request)
            let path = try query.string("path")
            let name = try query.string("name")
            guard name.hasPrefix("step-"), name.hasSuffix(".png"), !name.contains("/") else {
                throw StudioError.badRequest("name=\(name) is not accepted; give a preview grid's name (step-….png)")
            }
            guard TrainingRunStatus.isRunFolder(try self.root.resolve(path)) else {
                throw StudioError.badRequest("'\(path)' is not a training run (no training/log.jsonl)")
            }
            let file = try self.root.resolve(path + "/samples/" + name)
            guard let data = FileManager.default.contents(atPath: file.path) else { throw StudioError.notFound("\(name) is not readable") }
            return Studio.bytes([UInt8](data), type: "image/png")
        }
    }

    static func summary(_ status: TrainingRunStatus, path: String) -> [String: Any] {
        let last = status.entries.last
        return [
            "path": path, "step": status.lastStep, "totalSteps": status.totalSteps as Any? ?? NSNull(),
            "finished": status.isFinished, "hasModel": status.hasModel,
            "loss": last?.loss as Any? ?? NSNull(), "lr": last?.learningRate as Any? ?? NSNull(),
            "stepsPerSecond": status.stepsPerSecond() as Any? ?? NSNull(),
            "secondsRemaining": status.secondsRemaining as Any? ?? NSNull(),
            "latestSample": status.sampleGrids.last as Any? ?? NSNull(),
        ]
    }
}
