import Foundation

/// A fresh empty folder under the temporary directory, named after `prefix`
/// (letters and digits only) and a UUID.
public func makeTemporaryFolder(_ prefix: String = #function) throws -> URL {
    let cleaned = prefix.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(cleaned)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
