import Foundation
@testable import FileSupport
import XCTest

/// Atomic writes, and the clean-up of what a killed write leaves behind.
final class AtomicFileTests: XCTestCase {
    func testWriteReplacesTheFileAndLeavesNoTemporaryFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("AtomicFile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("a.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        try AtomicFile.write(Data([4, 5]), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data([4, 5]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["a.bin"])
    }

    func testRemoveLeftoversDeletesOnlyTemporaryFilesOfKilledWrites() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("AtomicFile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let leftover = ".state.safetensors.\(UUID().uuidString).tmp"
        let kept = ["state.safetensors", ".hidden", "notes.tmp", ".x.not-a-uuid.tmp", ".\(UUID().uuidString).tmp"]
        for name in kept + [leftover] {
            try Data([7]).write(to: folder.appendingPathComponent(name))
        }
        XCTAssertEqual(AtomicFile.removeLeftovers(in: folder), [leftover])
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)), Set(kept))
        XCTAssertEqual(AtomicFile.removeLeftovers(in: folder.appendingPathComponent("missing")), [])
    }
}
