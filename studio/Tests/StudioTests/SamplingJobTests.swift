import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import Studio

/// Sampling jobs on a live server over real sockets: one at a time (the next is told
/// 429), cancelled by its id, and cancelled when its client hangs up mid-stream.
final class SamplingJobTests: XCTestCase {
    var root: StudioRoot!
    var studio: Studio!

    /// A draw of 100 ancestral steps: long enough that it is still running when the test acts.
    let longDraw = "GET /api/sample?model=models/digits&sampler=ddpm&n=64 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    override func setUp() async throws {
        root = try StudioRoot()
        studio = try Studio(root: root.url.path)
    }

    override func tearDown() async throws {
        root.remove()
    }

    static func sampling(_ client: some TestClientProtocol) async throws -> [String: Any] {
        try await client.execute(uri: "/api/status", method: .get) { response in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            return try XCTUnwrap(object["sampling"] as? [String: Any])
        }
    }

    /// Waits (up to two minutes) until no job runs.
    static func waitUntilIdle(_ client: some TestClientProtocol) async throws -> [String: Any] {
        for _ in 0..<1200 {
            let sampling = try await sampling(client)
            if sampling["running"] as? Int == 0 { return sampling }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTFail("the job never ended")
        return [:]
    }

    func testASecondDrawIsRefusedAndAJobCanBeCancelledByItsId() async throws {
        try await studio.application(port: 0).test(.live) { client in
            let connection = try RawConnection(port: try XCTUnwrap(client.port))
            defer { connection.hangUp() }
            connection.send(self.longDraw)
            XCTAssertTrue(connection.read(until: "event: step"))
            try await client.execute(uri: "/api/sample?model=models/digits&steps=2", method: .get) { response in
                XCTAssertEqual(response.status, .tooManyRequests)
                XCTAssertTrue(String(buffer: response.body).contains("already running"))
            }
            let status = try await Self.sampling(client)
            let id = try XCTUnwrap((status["jobs"] as? [String])?.first)
            try await client.execute(uri: "/api/jobs/\(id)/cancel", method: .post) { XCTAssertEqual($0.status, .noContent) }
            connection.readToEnd()
            XCTAssertFalse(connection.received.contains("event: done"))
            let sampling = try await Self.waitUntilIdle(client)
            XCTAssertEqual(sampling["cancelled"] as? Int, 1)
            // The slot is free again.
            try await client.execute(uri: "/api/sample?model=models/digits&steps=2&n=1", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertTrue(String(buffer: response.body).contains("event: done"))
            }
        }
    }

    func testAClientThatHangsUpCancelsItsJob() async throws {
        try await studio.application(port: 0).test(.live) { client in
            let connection = try RawConnection(port: try XCTUnwrap(client.port))
            connection.send(self.longDraw)
            XCTAssertTrue(connection.read(until: "event: step"))
            let status = try await Self.sampling(client)
            XCTAssertEqual(status["running"] as? Int, 1)
            connection.hangUp()
            let sampling = try await Self.waitUntilIdle(client)
            XCTAssertEqual(sampling["cancelled"] as? Int, 1)
            XCTAssertEqual(sampling["started"] as? Int, 1)
        }
    }
}
