import Foundation
import Hummingbird
import Pipelines

extension Studio {
    /// The Sample page's routes: the model folders, one folder's summary, the
    /// sampling stream (server-sent events), cancelling, and the finished downloads.
    func addSampleRoutes(to router: Router<StudioRequestContext>) {
        router.get("/api/models") { _, _ in
            try Studio.json(["models": self.catalog.listing().models])
        }
        router.get("/api/model") { request, _ in
            let query = QueryParameters(request)
            let path = try query.string("path")
            let folder = try self.root.resolve(path)
            guard ModelFolderSummary.isModelFolder(folder) else { throw StudioError.badRequest("'\(path)' is not a model folder") }
            let summary: ModelFolderSummary
            do {
                summary = try await self.models.summary(of: folder)
            } catch {
                throw StudioError.badRequest("\(path): \(error)")
            }
            return try Studio.json([
                "path": path, "shape": summary.exampleShape, "classCount": summary.classCount as Any? ?? NSNull(),
                "classNames": summary.classNames, "guidable": summary.guidable, "T": summary.trainingTimesteps,
                "betaSchedule": summary.betaSchedule, "prediction": summary.prediction, "drawsImages": summary.drawsPNGImages,
                "warnings": summary.warnings, "samplers": SamplerChoice.names,
                "defaultSteps": Dictionary(
                    uniqueKeysWithValues: SamplerChoice.names.map {
                        ($0, (try? SamplerChoice(name: $0).defaultSteps(trainingSteps: summary.trainingTimesteps)) ?? 20)
                    }),
                "limits": [
                    "n": SampleRequest.maximumCount, "steps": SampleRequest.maximumSteps, "guidance": SampleRequest.maximumGuidance,
                ],
            ])
        }
        router.get("/api/sample") { request, _ in
            let sampleRequest = try SampleRequest(QueryParameters(request), root: self.root)
            let (job, events) = try await self.jobs.start(sampleRequest)
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Job")!: job.id],
                body: ResponseBody { writer in
                    try await withTaskCancellationHandler {
                        do {
                            for await event in events {
                                try await writer.write(ByteBuffer(string: event.serverSentEvent))
                            }
                        } catch {
                            job.cancel()  // the client went away: stop at the next step
                            throw error
                        }
                        try await writer.finish(nil)
                    } onCancel: {
                        job.cancel()
                    }
                })
        }
        router.post("/api/jobs/:id/cancel") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard self.jobs.cancel(id: id) else { throw StudioError.notFound("no sampling job '\(id)' is running") }
            return Response(status: .noContent)
        }
        router.get("/api/samples/:id/grid.png") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let result = self.jobs.result(id: id) else {
                throw StudioError.notFound("no finished samples '\(id)' (the last 16 are kept)")
            }
            return Studio.bytes(result.gridPNG, type: "image/png", download: "samples.png")
        }
        router.get("/api/samples/:id/samples.npy") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let result = self.jobs.result(id: id) else {
                throw StudioError.notFound("no finished samples '\(id)' (the last 16 are kept)")
            }
            return Studio.bytes(result.npy, type: "application/octet-stream", download: "samples.npy")
        }
    }
}
