import Diffusion
import Foundation
import Hummingbird
import HummingbirdTesting
import Tensors
import XCTest

@testable import Studio

/// Every route of the studio, in process (Hummingbird's router test client):
/// the pages, the lists, a streamed draw and its downloads, and the refusals.
final class StudioAPITests: XCTestCase {
    var root: StudioRoot!
    var studio: Studio!

    override func setUp() async throws {
        root = try StudioRoot()
        studio = try Studio(root: root.url.path)
    }

    override func tearDown() async throws {
        root.remove()
    }

    /// Runs `body` against the studio's router.
    func withClient(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = studio.application(port: 0)
        try await app.test(.router, body)
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    /// Asserts a refusal: its status and a JSON error containing `fragment`.
    static func assertRefused(
        _ client: some TestClientProtocol, _ uri: String, _ status: HTTPResponse.Status, _ fragment: String,
        method: HTTPRequest.Method = .get, body: ByteBuffer? = nil, file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        try await client.execute(uri: uri, method: method, body: body) { response in
            XCTAssertEqual(response.status, status, uri, file: file, line: line)
            let message = (try? object(response)["error"] as? String) ?? nil
            XCTAssertTrue(
                message?.contains(fragment) == true, "\(uri): \(message ?? String(buffer: response.body))", file: file, line: line)
        }
    }

    func testPagesScriptsAndStatus() async throws {
        try await withClient { client in
            for (uri, text) in [("/", "Draw"), ("/forward", "Forward process"), ("/runs", "Training runs")] {
                try await client.execute(uri: uri, method: .get) { response in
                    XCTAssertEqual(response.status, .ok)
                    XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                    XCTAssertTrue(String(buffer: response.body).contains(text), uri)
                }
            }
            for name in ["studio.css", "studio.js", "sample.js", "forward.js", "runs.js"] {
                try await client.execute(uri: "/static/" + name, method: .get) { XCTAssertEqual($0.status, .ok, name) }
            }
            try await Self.assertRefused(client, "/static/..%2fPackage.swift", .notFound, "no page or file")
            try await Self.assertRefused(client, "/static/missing.js", .notFound, "no page or file")
            try await client.execute(uri: "/api/status", method: .get) { response in
                let sampling = try XCTUnwrap(try Self.object(response)["sampling"] as? [String: Any])
                XCTAssertEqual(sampling["capacity"] as? Int, 1)
                XCTAssertEqual(sampling["running"] as? Int, 0)
            }
        }
    }

    func testListsAndModelSummary() async throws {
        try await withClient { client in
            try await client.execute(uri: "/api/models", method: .get) { response in
                XCTAssertEqual(
                    try Self.object(response)["models"] as? [String], ["models/conditional", "models/digits", "models/pipeline"])
            }
            try await client.execute(uri: "/api/model?path=models/conditional", method: .get) { response in
                let model = try Self.object(response)
                XCTAssertEqual(model["shape"] as? [Int], [1, 8, 8])
                XCTAssertEqual(model["classCount"] as? Int, 10)
                XCTAssertEqual(model["guidable"] as? Bool, true)
                XCTAssertEqual(model["T"] as? Int, 100)
                XCTAssertEqual((model["defaultSteps"] as? [String: Int])?["ddpm"], 100)
            }
            try await client.execute(uri: "/api/model?path=models/digits", method: .get) { response in
                XCTAssertTrue(try Self.object(response)["classCount"] is NSNull)
            }
            // A summary is remembered until the folder's files change: replaced by the conditional model, it is read anew.
            let digits = self.root.url.appendingPathComponent("models/digits")
            let conditional = self.root.url.appendingPathComponent("models/conditional")
            for name in ["config.json", "diffusion_pytorch_model.safetensors", "class_conditioning.json"] {
                try? FileManager.default.removeItem(at: digits.appendingPathComponent(name))
                try FileManager.default.copyItem(at: conditional.appendingPathComponent(name), to: digits.appendingPathComponent(name))
            }
            try await client.execute(uri: "/api/model?path=models/digits", method: .get) { response in
                XCTAssertEqual(try Self.object(response)["classCount"] as? Int, 10)
            }
            try await client.execute(uri: "/api/runs", method: .get) { response in
                var runs = try XCTUnwrap(try Self.object(response)["runs"] as? [[String: Any]])
                XCTAssertEqual(runs.map { $0["path"] as? String }, ["runs/elsewhere", "runs/first"])
                runs = Array(runs.dropFirst())
                XCTAssertEqual(runs.first?["path"] as? String, "runs/first")
                XCTAssertEqual(runs.first?["step"] as? Int, 40)
                XCTAssertEqual(runs.first?["totalSteps"] as? Int, 100)
                XCTAssertEqual(runs.first?["finished"] as? Bool, false)
                XCTAssertEqual(try XCTUnwrap(runs.first?["secondsRemaining"] as? Double), 6, accuracy: 1e-9)
            }
            try await client.execute(uri: "/api/run?path=runs/first&after=35", method: .get) { response in
                let run = try Self.object(response)
                let entries = try XCTUnwrap(run["entries"] as? [[String: Any]])
                XCTAssertEqual(entries.map { $0["step"] as? Int }, [36, 37, 38, 39, 40])
                XCTAssertEqual(entries.last?["fid"] as? Double, 55.5)
                XCTAssertTrue((entries.first?["quarters"] as? [Any])?[2] is NSNull)
                XCTAssertEqual(run["samples"] as? [String], ["step-00000040.png"])
            }
            try await client.execute(uri: "/api/run/sample.png?path=runs/first&name=step-00000040.png", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(Array(Data(buffer: response.body).prefix(4)), [0x89, 0x50, 0x4E, 0x47])
            }
        }
    }

    func testADrawStreamsEveryStepThenOffersItsDownloads() async throws {
        try await withClient { client in
            let body = try await client.execute(uri: "/api/sample?model=models/digits&sampler=ddim&steps=5&n=4&seed=7", method: .get) {
                response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/event-stream")
                return String(buffer: response.body)
            }
            let events = body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            XCTAssertEqual(events.first?.hasPrefix("event: start"), true)
            XCTAssertEqual(events.filter { $0.hasPrefix("event: step") }.count, 5)
            let done = try XCTUnwrap(events.last)
            XCTAssertTrue(done.hasPrefix("event: done"), done)
            // Each step's x_t differs from the one before: the picture moves.
            let frames = events.filter { $0.hasPrefix("event: step") }.compactMap { event -> String? in
                let data = event.components(separatedBy: "data: ").last ?? ""
                return (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])?["xt"] as? String
            }
            XCTAssertEqual(frames.count, 5)
            XCTAssertEqual(Set(frames).count, 5)
            let fields = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data((done.components(separatedBy: "data: ").last ?? "").utf8)) as? [String: Any])
            let grid = try XCTUnwrap(fields["grid"] as? String)
            let npy = try XCTUnwrap(fields["npy"] as? String)
            try await client.execute(uri: grid, method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "image/png")
                XCTAssertEqual(Array(Data(buffer: response.body).prefix(4)), [0x89, 0x50, 0x4E, 0x47])
            }
            try await client.execute(uri: npy, method: .get) { response in
                let bytes = Data(buffer: response.body)
                XCTAssertEqual(Array(bytes.prefix(6)), [0x93] + Array("NUMPY".utf8))
                XCTAssertTrue(String(decoding: bytes.prefix(128), as: UTF8.self).contains("'shape': (4, 8, 8)"))
            }
            // The same seed draws the same samples.
            let again = try await client.execute(uri: "/api/sample?model=models/digits&sampler=ddim&steps=5&n=4&seed=7", method: .get) {
                String(buffer: $0.body)
            }
            let lastFrame = { (text: String) in text.components(separatedBy: "event: step").last?.components(separatedBy: "\n\n").first }
            XCTAssertEqual(lastFrame(again), lastFrame(body))
        }
    }

    func testADiffusersPipelineFolderDraws() async throws {
        try await withClient { client in
            try await client.execute(uri: "/api/model?path=models/pipeline", method: .get) { response in
                XCTAssertEqual(try Self.object(response)["T"] as? Int, 100, "the scheduler/ folder's T")
            }
            let body = try await client.execute(uri: "/api/sample?model=models/pipeline&steps=3&n=2", method: .get) {
                String(buffer: $0.body)
            }
            XCTAssertTrue(body.contains("event: done"), body)
        }
    }

    func testAModelOfPointsIsRefusedWithWhereToSampleIt() async throws {
        var generator = RandomGenerator(seed: 2)
        let points = try MLPDenoiser(config: MLPDenoiserConfig(dataDimension: 2, hiddenWidth: 8, blocks: 1), generator: &generator)
        try DenoiserFolder.save(
            points, scheduler: SchedulerConfig(trainTimesteps: 10), to: root.url.appendingPathComponent("models/points"))
        try await withClient { client in
            try await Self.assertRefused(
                client, "/api/sample?model=models/points&steps=2", .badRequest, "sample it with 'ddpm sample --npy'")
            // The refused draw gave its slot back.
            try await client.execute(uri: "/api/sample?model=models/digits&steps=2&n=1", method: .get) { response in
                XCTAssertTrue(String(buffer: response.body).contains("event: done"))
            }
        }
    }

    func testAConditionalModelDrawsEveryClassGuided() async throws {
        try await withClient { client in
            let body = try await client.execute(
                uri: "/api/sample?model=models/conditional&steps=3&n=2&class=all&guidance=2.5", method: .get
            ) { String(buffer: $0.body) }
            XCTAssertTrue(body.contains(#""columns":2"#), body.prefix(300).description)
            XCTAssertTrue(body.contains(#""count":20"#))
            XCTAssertTrue(body.contains("event: done"))
        }
    }

    func testBadParametersAreRefusedWithWhatIsAccepted() async throws {
        try await withClient { client in
            let model = "/api/sample?model=models/digits"
            let cases: [(String, String)] = [
                (model + "&n=0", "n=0 is not accepted; give an integer in 1…64"),
                (model + "&n=65", "1…64"),
                (model + "&n=two", "n=two is not accepted"),
                (model + "&steps=0", "steps=0"),
                (model + "&steps=1001", "1…1000"),
                (model + "&steps=200", "exceed the model's 100 training timesteps"),
                (model + "&seed=-1", "seed=-1"),
                (model + "&sampler=plms", "sampler=plms is not accepted; give one of ddpm"),
                (model + "&sampler=dpm%2B%2B&eta=0.5", "η applies to the ddim sampler only"),
                (model + "&guidance=2", "guidance needs a class"),
                (model + "&class=3", "is not class-conditional"),
                ("/api/sample?model=models/conditional&class=3&guidance=-1", "guidance=-1"),
                ("/api/sample?model=models/conditional&class=3&guidance=25", "0.0…20.0"),
                ("/api/sample?model=models/conditional&class=12", "class 12 is out of range"),
                ("/api/sample?model=models/conditional&class=abc", "class=abc"),
                ("/api/sample?model=models/conditional&class=all&n=8", "at most 64"),
                ("/api/sample", "parameter 'model' is missing"),
                ("/api/sample?model=runs/first", "is not a model folder"),
                ("/api/schedule?schedule=quadratic", "schedule=quadratic"),
                ("/api/schedule?T=1", "T=1"),
                ("/api/schedule?source=cifar", "source=cifar is not accepted; give one of mnist, digits or run:PATH"),
                ("/api/schedule?source=digits&index=5000", "not in digits"),
                ("/api/forward.png?t=1000", "t=1000 is not accepted; give an integer in 0…999"),
                ("/api/forward.png", "parameter 't' is missing"),
                ("/api/run?path=models/digits", "is not a training run"),
                ("/api/run/sample.png?path=runs/first&name=..%2F..%2Fmodels%2Fdigits%2Fconfig.json", "step-….png"),
                ("/api/model?path=runs", "is not a model folder"),
            ]
            for (uri, fragment) in cases {
                try await Self.assertRefused(client, uri, .badRequest, fragment)
            }
            try await Self.assertRefused(client, "/api/model?path=models/none", .notFound, "does not exist")
            try await Self.assertRefused(client, "/api/samples/unknown/grid.png", .notFound, "no finished samples")
            try await Self.assertRefused(client, "/api/jobs/unknown/cancel", .notFound, "no sampling job", method: .post)
            try await Self.assertRefused(
                client, "/api/jobs/unknown/cancel", .contentTooLarge, "at most 16384", method: .post,
                body: ByteBuffer(repeating: 0x41, count: 20_000))
        }
    }

    func testPathsOutOfTheRootAreRefused() async throws {
        try await withClient { client in
            let escapes: [(String, String)] = [
                ("../outside", "contains '..'"),
                ("%2e%2e/outside", "contains '..'"),
                ("%2E%2E%2Foutside", "contains '..'"),
                ("models/../../outside", "contains '..'"),
                ("/etc", "is absolute"),
                ("%2Fetc", "is absolute"),
                ("escape", "leads out of the studio's root"),
                ("escape/secret.txt", "leads out of the studio's root"),
                ("models%00/digits", "NUL"),
            ]
            for (path, fragment) in escapes {
                for route in ["/api/model?path=", "/api/run?path=", "/api/sample?model=", "/api/schedule?model="] {
                    try await Self.assertRefused(client, route + path, .badRequest, fragment)
                }
            }
            try await Self.assertRefused(
                client, "/api/run/sample.png?path=escape&name=step-1.png", .badRequest, "leads out of the studio's root")
        }
    }

    func testTheForwardProcessServesOneNoisePath() async throws {
        try await withClient { client in
            try await client.execute(uri: "/api/schedule?schedule=cosine&T=50", method: .get) { response in
                let schedule = try Self.object(response)
                XCTAssertEqual(schedule["T"] as? Int, 50)
                let alphaBar = try XCTUnwrap(schedule["alphaBar"] as? [Double])
                XCTAssertEqual(alphaBar.count, 50)
                XCTAssertTrue(zip(alphaBar, alphaBar.dropFirst()).allSatisfy { $0 > $1 })
            }
            try await client.execute(uri: "/api/schedule?model=models/digits", method: .get) { response in
                XCTAssertEqual(try Self.object(response)["T"] as? Int, 100)
            }
            var pictures: [Data] = []
            for t in [0, 0, 999] {
                try await client.execute(uri: "/api/forward.png?source=digits&index=3&seed=1&t=\(t)", method: .get) { response in
                    XCTAssertEqual(response.status, .ok)
                    XCTAssertEqual(response.headers[.contentType], "image/png")
                    XCTAssertNotNil(response.headers[.init("X-Alpha-Bar")!])
                    pictures.append(Data(buffer: response.body))
                }
            }
            XCTAssertEqual(pictures[0], pictures[1])
            XCTAssertNotEqual(pictures[0], pictures[2])
            // A run's own training data, when it lies under the root.
            var fromRun: [Data] = []
            for index in [0, 1] {
                try await client.execute(uri: "/api/forward.png?source=run:runs/first&index=\(index)&t=0", method: .get) { response in
                    XCTAssertEqual(response.status, .ok, String(buffer: response.body))
                    fromRun.append(Data(buffer: response.body))
                }
            }
            XCTAssertNotEqual(fromRun[0], fromRun[1])
            try await Self.assertRefused(client, "/api/forward.png?source=run:runs/first&index=3&t=0", .badRequest, "give 0…2")
            try await Self.assertRefused(client, "/api/schedule?source=run:runs/elsewhere", .badRequest, "not under the studio's root")
            try await Self.assertRefused(client, "/api/schedule?source=run:../outside", .badRequest, "contains '..'")
            try await Self.assertRefused(client, "/api/schedule?source=run:models/digits", .badRequest, "is not a training run")
        }
    }
}
