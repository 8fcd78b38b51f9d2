import Datasets
import Foundation
import Hummingbird
import Pipelines

extension Studio {
    /// The Forward process page's routes: the schedule's ᾱ_t and SNR, and x_t as a PNG.
    func addForwardRoutes(to router: Router<StudioRequestContext>) {
        router.get("/api/schedule") { request, _ in
            let preview = try await self.preview(request)
            return try Studio.json([
                "T": preview.timesteps, "alphaBar": preview.alphaBar,
                "logSNR": preview.signalToNoise.map { $0.isFinite && $0 > 0 ? log10($0) : ($0 > 0 ? 99 : -99) },
                "sources": ForwardPreviews.sources,
                "schedules": ForwardProcessPreview.scheduleNames,
            ])
        }
        router.get("/api/forward.png") { request, _ in
            let preview = try await self.preview(request)
            let t = try QueryParameters(request).integer("t", in: 0...(preview.timesteps - 1))
            let png = try PNG.encode(try preview.noisedPicture(at: t))
            var response = Studio.bytes(png, type: "image/png")
            response.headers[.init("X-Alpha-Bar")!] = String(preview.alphaBar[t])
            return response
        }
    }

    private func preview(_ request: Request) async throws -> ForwardProcessPreview {
        let query = QueryParameters(request)
        return try await SamplingJobs.onPreparationThread { UncheckedSendable(try self.previews.preview(query)) }.value
    }
}
