import Foundation

extension SafetensorsFile {
    /// The `__metadata__` map of the file at `url`, reading only its header (the 8-byte
    /// length and the JSON), not the tensors: for a quick look at a large file.
    public static func metadata(ofFileAt url: URL) throws -> [String: String] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw SafetensorsError(.io, "cannot open for reading", file: url.path)
        }
        defer { try? handle.close() }
        let lengthBytes = (try? handle.read(upToCount: 8)) ?? Data()
        guard lengthBytes.count == 8 else {
            throw SafetensorsError(.truncated, "\(lengthBytes.count) bytes is too short for the 8-byte header length", file: url.path)
        }
        let declared = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(maximumHeaderLength) else {
            throw SafetensorsError(
                .headerTooLarge, "header length \(declared) exceeds the \(maximumHeaderLength)-byte limit", file: url.path)
        }
        let header = (try? handle.read(upToCount: Int(declared))) ?? Data()
        guard header.count == Int(declared) else {
            throw SafetensorsError(.truncated, "header length \(declared) runs past the end of the file", file: url.path)
        }
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw SafetensorsError(.badHeader, "header is not a JSON object", file: url.path)
        }
        guard let raw = object["__metadata__"] else { return [:] }
        guard let metadata = raw as? [String: String] else {
            throw SafetensorsError(.badHeader, "__metadata__ is not a map of strings to strings", file: url.path)
        }
        return metadata
    }
}
