import FileSupport
import Foundation
import Tensors
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes tensors as a safetensors file of F32 data: tensors sorted by name
/// and laid out back to back, the JSON header (with `__metadata__` first when
/// given) padded with spaces to a multiple of 8 bytes.
public enum SafetensorsWriter {
    /// The complete file contents.
    ///
    /// - Throws: ``SafetensorsError`` naming the file (when known) and what is wrong.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        let (header, names) = try makeHeader(tensors, metadata: metadata)
        var data = header
        for name in names {
            tensors[name]!.scalars.withUnsafeBufferPointer { appendLittleEndian($0, to: &data) }
        }
        return data
    }

    /// Writes the file atomically: into a temporary file beside `url`, then
    /// renamed over it, so a reader never sees a half-written file.
    ///
    /// - Throws: ``SafetensorsError`` naming the file (when known) and what is wrong.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let (header, names) = try makeHeader(tensors, metadata: metadata)
        do {
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: header)
                for name in names {
                    var chunk = Data()
                    tensors[name]!.scalars.withUnsafeBufferPointer { appendLittleEndian($0, to: &chunk) }
                    try handle.write(contentsOf: chunk)
                }
            }
        } catch let error as AtomicFileError {
            throw SafetensorsError(.io, error.reason, file: url.path)
        }
    }

    /// The padded header (length prefix included) and the names in data order.
    private static func makeHeader(_ tensors: [String: Tensor], metadata: [String: String]) throws -> (Data, [String]) {
        let names = tensors.keys.sorted()
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            guard !name.isEmpty, name != "__metadata__" else {
                throw SafetensorsError(.invalidName, "tensor name '\(name)' is reserved or empty")
            }
            let tensor = tensors[name]!
            let end = offset + 4 * tensor.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Data(("{" + fields.joined(separator: ",") + "}").utf8)
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        guard json.count <= SafetensorsFile.maximumHeaderLength else {
            throw SafetensorsError(
                .headerTooLarge, "header of \(json.count) bytes exceeds the \(SafetensorsFile.maximumHeaderLength)-byte limit")
        }
        var length = UInt64(json.count).littleEndian
        var data = Data(bytes: &length, count: 8)
        data.append(json)
        return (data, names)
    }

    private static func appendLittleEndian(_ values: UnsafeBufferPointer<Float>, to data: inout Data) {
        #if _endian(little)
            data.append(
                UnsafeBufferPointer(
                    start: UnsafeRawPointer(values.baseAddress)?.assumingMemoryBound(to: UInt8.self),
                    count: values.count * 4))
        #else
            for value in values {
                var bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
            }
        #endif
    }

    /// A JSON string literal with the required escapes.
    private static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
