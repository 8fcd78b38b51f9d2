import Datasets
import Foundation
import Pipelines

/// The sampling jobs of the studio: at most `capacity` run at once (one per CPU
/// budget: a job already uses every kernel thread), a request beyond that is
/// refused with 429; each job runs on a thread of its own, sends every step's
/// x_t and x̂0 as PNG grids, and stops at the next step when its client goes away.
/// The last finished results stay in memory for download (grid PNG and `.npy`).
final class SamplingJobs: @unchecked Sendable {
    /// One finished draw, ready to download.
    struct Result: Sendable {
        let gridPNG: [UInt8]
        let npy: [UInt8]
    }

    /// What a job sends, in order: `start`, then `step` after every step, then `done` or `error`.
    enum Event: Sendable {
        case start([String: Any & Sendable])
        case step([String: Any & Sendable])
        case done([String: Any & Sendable])
        case failed(String)

        /// The event in server-sent-events framing.
        var serverSentEvent: String {
            let (name, object): (String, [String: Any]) =
                switch self {
                case .start(let fields): ("start", fields)
                case .step(let fields): ("step", fields)
                case .done(let fields): ("done", fields)
                case .failed(let message): ("error", ["error": message])
                }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            return "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
        }
    }

    /// A running job's stop flag.
    final class Job: @unchecked Sendable {
        let id: String
        private let lock = NSLock()
        private var stopped = false

        init(id: String) { self.id = id }

        func cancel() {
            lock.lock()
            stopped = true
            lock.unlock()
        }

        var isCancelled: Bool {
            lock.lock()
            defer { lock.unlock() }
            return stopped
        }
    }

    struct Cancelled: Error {}

    let capacity: Int
    /// How many finished results are kept.
    let keptResults = 16
    private let lock = NSLock()
    private var running = 0
    private var started = 0
    private var cancelledJobs = 0
    private var results: [(id: String, result: Result)] = []
    private var active: [String: Job] = [:]

    init(capacity: Int = 1) { self.capacity = capacity }

    /// Takes a slot, or refuses with 429 when every slot is busy.
    private func reserve() throws {
        lock.lock()
        defer { lock.unlock() }
        guard running < capacity else {
            throw StudioError(
                .tooManyRequests, "a sampling job is already running (\(capacity) at a time on this machine); try again when it ends")
        }
        running += 1
        started += 1
    }

    private func release(cancelled: Bool = false) {
        lock.lock()
        running -= 1
        if cancelled { cancelledJobs += 1 }
        lock.unlock()
    }

    /// Jobs running now, started so far and cancelled so far.
    var counts: (running: Int, started: Int, cancelled: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (running, started, cancelledJobs)
    }

    /// Cancels the running job `id`; false when no such job is running.
    func cancel(id: String) -> Bool {
        lock.lock()
        let job = active[id]
        lock.unlock()
        job?.cancel()
        return job != nil
    }

    private func register(_ job: Job) {
        lock.lock()
        active[job.id] = job
        lock.unlock()
    }

    private func finish(_ job: Job, cancelled: Bool) {
        lock.lock()
        active[job.id] = nil
        lock.unlock()
        release(cancelled: cancelled)
    }

    func result(id: String) -> Result? {
        lock.lock()
        defer { lock.unlock() }
        return results.first { $0.id == id }?.result
    }

    private func store(_ result: Result, id: String) {
        lock.lock()
        results.append((id, result))
        if results.count > keptResults { results.removeFirst(results.count - keptResults) }
        lock.unlock()
    }

    /// Takes a slot (429 when none is free), prepares the draw and starts it; the slot is
    /// released when the job ends, or here when preparing fails. Preparing (loading the
    /// folder) happens off the server's threads.
    func start(_ request: SampleRequest) async throws -> (job: Job, events: AsyncStream<Event>) {
        try reserve()
        let drawing: FolderSampling
        do {
            drawing = try await Self.onPreparationThread {
                UncheckedSendable(
                    try FolderSampling(
                        folder: request.folder, name: request.modelPath, sampler: request.sampler, classes: request.classes,
                        guidance: request.guidance, count: request.count, batchSize: SampleRequest.maximumCount,
                        seed: request.seed))
            }.value
            guard drawing.drawsPNGImages else {
                throw StudioError.badRequest(
                    "'\(request.modelPath)' draws \(drawing.exampleShape.map(String.init).joined(separator: "×")) arrays, "
                        + "not 1- or 3-channel images; sample it with 'ddpm sample --npy'")
            }
            guard drawing.plan.count <= SampleRequest.maximumCount else {
                throw StudioError.badRequest(
                    "\(drawing.plan.count) samples asked for (n per class × classes); the studio draws at most \(SampleRequest.maximumCount)"
                )
            }
        } catch let error as StudioError {
            release()
            throw error
        } catch {
            release()
            throw StudioError.badRequest("\(error)")
        }
        let job = Job(id: UUID().uuidString.lowercased())
        register(job)
        let (events, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(8))
        continuation.onTermination = { _ in job.cancel() }
        let work = UncheckedSendable(drawing)
        let thread = Thread { [self] in
            run(work.value, job: job, continuation: continuation)
        }
        thread.stackSize = 16 << 20
        thread.start()
        return (job, events)
    }

    private func run(_ drawing: FolderSampling, job: Job, continuation: AsyncStream<Event>.Continuation) {
        let plan = drawing.plan
        let total = drawing.pipeline.stepsPerBatch
        let began = Date()
        continuation.yield(
            .start([
                "job": job.id, "steps": total, "count": plan.count, "columns": plan.columns ?? 0,
                "shape": drawing.exampleShape, "labels": plan.labels ?? [],
            ]))
        do {
            let result = try drawing.pipeline.draw(
                count: plan.count, labels: plan.labels,
                onStep: { _, step in
                    if job.isCancelled { throw Cancelled() }
                    let xt = try PNG.encode(try ImageGrid.make(step.sample, columns: plan.columns, padding: 1))
                    let x0 = try PNG.encode(try ImageGrid.make(step.predictedX0, columns: plan.columns, padding: 1))
                    continuation.yield(
                        .step([
                            "step": step.step + 1, "total": step.totalSteps, "timestep": step.timestep,
                            "xt": "data:image/png;base64," + Data(xt).base64EncodedString(),
                            "x0": "data:image/png;base64," + Data(x0).base64EncodedString(),
                        ]))
                })
            let gridPNG = try PNG.encode(try ImageGrid.make(result.samples, columns: plan.columns))
            let npy = try NPY.encode(FolderSampling.npyArray(result.samples, isImage: true))
            store(Result(gridPNG: gridPNG, npy: npy), id: job.id)
            continuation.yield(
                .done([
                    "job": job.id, "seconds": Date().timeIntervalSince(began),
                    "grid": "/api/samples/\(job.id)/grid.png", "npy": "/api/samples/\(job.id)/samples.npy",
                ]))
            finish(job, cancelled: false)
        } catch is Cancelled {
            finish(job, cancelled: true)
        } catch {
            continuation.yield(.failed("\(error)"))
            finish(job, cancelled: false)
        }
        continuation.finish()
    }

    /// Runs `body` on one of two preparation threads (loading a folder, a forward preview), not
    /// on the few threads that serve requests; more requests wait their turn, so a burst of them
    /// cannot start a thread (and a model in memory) each.
    static func onPreparationThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            preparation.addOperation {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static let preparation: OperationQueue = {
        let queue = OperationQueue()
        queue.name = "ddpm-studio preparation"
        queue.maxConcurrentOperationCount = 2
        return queue
    }()
}

/// A value handed to another thread that only that thread then uses (a loaded model is not `Sendable`).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
