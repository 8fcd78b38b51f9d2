/// Why a safetensors file could not be read or written.
public struct SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The category of the problem, for callers that branch on it.
    public enum Kind: Equatable, Sendable {
        /// Fewer than 8 bytes, or the header length points past the end.
        case truncated
        /// The declared header length exceeds the 100 MB cap.
        case headerTooLarge
        /// The header is not the expected JSON object.
        case badHeader
        /// A dtype outside the safetensors list.
        case unknownDType
        /// A known dtype this reader does not convert to Float32.
        case unsupportedDType
        /// A negative dimension, or a shape whose size overflows.
        case badShape
        /// `data_offsets` that are reversed, out of range, overlapping, leave
        /// gaps, or disagree with the shape and dtype.
        case badOffsets
        /// No tensor of that name in the file.
        case missingTensor
        /// A tensor name or metadata that cannot be written.
        case invalidName
        /// The file system refused a read or write.
        case io
    }

    /// What kind of problem.
    public var kind: Kind
    /// What was wrong, where, and what is accepted.
    public var message: String
    /// The file concerned, when known.
    public var file: String?

    /// An error of `kind` with its message and, when known, its file.
    public init(_ kind: Kind, _ message: String, file: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
    }

    /// The file (when known) and the message.
    public var description: String {
        (file.map { "safetensors file \($0): " } ?? "safetensors: ") + message
    }
}
