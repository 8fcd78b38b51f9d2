import Tensors

/// NumPy `.npy` files (format versions 1.0–3.0).
///
/// Writing: float32 (or float64), little-endian, C order, version 1.0, header padded
/// to 64 bytes. Reading: element types float32, float64 and uint8 (either byte order
/// for the floats), C or Fortran order, converted to `Float` (or `Double`); sizes are
/// checked against the file before anything is allocated.
public enum NPY {
    /// The six bytes every `.npy` file starts with.
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// The most elements a file may declare (2^31).
    public static let maximumElements = 1 << 31

    // MARK: Writing

    /// The `.npy` encoding of `values` with `shape` (float32, little-endian, C order).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func encode(shape: [Int], values: [Float]) throws -> [UInt8] {
        var out = try preamble(shape: shape, count: values.count, descr: "<f4")
        out.reserveCapacity(out.count + 4 * values.count)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    /// The `.npy` encoding of `values` with `shape` (float64, little-endian, C
    /// order), as NumPy writes the statistics of pytorch-fid.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func encode(shape: [Int], doubles values: [Double]) throws -> [UInt8] {
        var out = try preamble(shape: shape, count: values.count, descr: "<f8")
        out.reserveCapacity(out.count + 8 * values.count)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    /// The magic, version 1.0 and the header dictionary, padded to 64 bytes.
    static func preamble(shape: [Int], count: Int, descr: String) throws -> [UInt8] {
        guard shape.allSatisfy({ $0 >= 0 }), IDX.elementCount(shape) == count else {
            throw DatasetError(file: "NPY writer", problem: "\(count) values do not fill shape \(shape)")
        }
        let dims = shape.map(String.init)
        let tuple = shape.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        guard header.utf8.count <= Int(UInt16.max) else {
            throw DatasetError(file: "NPY writer", problem: "shape \(shape) makes a header too long for format 1.0")
        }
        let length = UInt16(header.utf8.count)
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
    }

    /// The `.npy` encoding of `tensor`.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func encode(_ tensor: Tensor) throws -> [UInt8] {
        try encode(shape: tensor.shape, values: tensor.scalars)
    }

    /// Writes `tensor` to `path` as float32 `.npy`, atomically.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func write(_ tensor: Tensor, toFile path: String) throws {
        try FileAccess.writeAtomically(encode(tensor), toPath: path)
    }

    // MARK: Reading

    /// Reads the `.npy` file at `path` into a tensor of the stored shape.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func read(contentsOfFile path: String) throws -> Tensor {
        try decode(FileAccess.readBytes(atPath: path), source: path)
    }

    /// Decodes `.npy` data held in memory; `source` names it in error messages.
    public static func decode(_ bytes: [UInt8], source: String = "NPY data") throws -> Tensor {
        let layout = try Layout(bytes, source: source)
        var values = [Float](repeating: 0, count: layout.count)
        bytes.withUnsafeBytes { raw in
            let data = UnsafeRawBufferPointer(rebasing: raw[layout.dataStart...])
            for i in 0..<layout.count { values[i] = layout.header.itemSize == 4 ? layout.float(data, i) : Float(layout.double(data, i)) }
        }
        return Tensor(shape: layout.header.shape, scalars: layout.inCOrder(values))
    }

    /// Decodes `.npy` data to Double values in C order with their shape, keeping
    /// float64 data exact (pytorch-fid's `mu` and `sigma`).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func decodeDoubles(_ bytes: [UInt8], source: String = "NPY data") throws -> (shape: [Int], values: [Double]) {
        let layout = try Layout(bytes, source: source)
        var values = [Double](repeating: 0, count: layout.count)
        bytes.withUnsafeBytes { raw in
            let data = UnsafeRawBufferPointer(rebasing: raw[layout.dataStart...])
            for i in 0..<layout.count { values[i] = layout.double(data, i) }
        }
        return (layout.header.shape, layout.inCOrder(values))
    }

    /// Where a file's elements are and how they are stored, checked against its size.
    struct Layout {
        let header: NPYHeader
        let dataStart: Int
        let count: Int

        init(_ bytes: [UInt8], source: String) throws {
            guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
                throw DatasetError(file: source, problem: "not a .npy file (it does not start with \\x93NUMPY)")
            }
            let major = bytes[6]
            let headerLength: Int
            let headerStart: Int
            switch major {
            case 1:
                headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
                headerStart = 10
            case 2, 3:
                guard bytes.count >= 12 else {
                    throw DatasetError(file: source, problem: "truncated: the file ends inside the .npy preamble")
                }
                headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
                headerStart = 12
            default:
                throw DatasetError(file: source, problem: ".npy format version \(major).\(bytes[7]) is not supported (1, 2 or 3)")
            }
            guard headerLength <= bytes.count - headerStart else {
                throw DatasetError(
                    file: source,
                    problem: "truncated: the header claims \(headerLength) bytes, the file has \(bytes.count - headerStart) left")
            }
            let text = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
            guard !text.unicodeScalars.contains("\u{FFFD}") else {
                throw DatasetError(file: source, problem: ".npy header is not valid UTF-8 text")
            }
            header = try NPYHeader(parsing: text, source: source)
            let dims = header.shape.map(String.init).joined(separator: " × ")
            guard let count = IDX.elementCount(header.shape), count <= maximumElements else {
                throw DatasetError(file: source, problem: "shape \(dims) exceeds the limit of 2^31 elements")
            }
            dataStart = headerStart + headerLength
            let available = bytes.count - dataStart
            guard count * header.itemSize == available else {
                throw DatasetError(
                    file: source,
                    problem: "shape \(dims) of \(header.descr) needs \(count * header.itemSize) bytes of data, the file holds \(available)")
            }
            self.count = count
        }

        /// Element `i` of float32 data.
        func float(_ data: UnsafeRawBufferPointer, _ i: Int) -> Float {
            let bits = data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
            return Float(bitPattern: header.littleEndian ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits))
        }

        /// Element `i` as a Double, whatever the stored type.
        func double(_ data: UnsafeRawBufferPointer, _ i: Int) -> Double {
            switch header.itemSize {
            case 1: return Double(data[i])
            case 4: return Double(float(data, i))
            default:
                let bits = data.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                return Double(bitPattern: header.littleEndian ? UInt64(littleEndian: bits) : UInt64(bigEndian: bits))
            }
        }

        /// `values` in C order: Fortran-ordered data (first index fastest) is transposed.
        func inCOrder<T>(_ values: [T]) -> [T] {
            let shape = header.shape
            guard header.fortranOrder, shape.count > 1, let first = values.first else { return values }
            var result = [T](repeating: first, count: values.count)
            var fortranStrides = [Int](repeating: 1, count: shape.count)
            for axis in 1..<shape.count { fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1] }
            var index = [Int](repeating: 0, count: shape.count)
            for c in 0..<values.count {
                var f = 0
                for axis in 0..<shape.count { f += index[axis] * fortranStrides[axis] }
                result[c] = values[f]
                var axis = shape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < shape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
            return result
        }
    }
}

/// The Python-literal dictionary at the start of a `.npy` file:
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct NPYHeader {
    let descr: String
    let itemSize: Int
    let littleEndian: Bool
    let fortranOrder: Bool
    let shape: [Int]

    /// The element types read, with their size and byte order.
    static let types: [String: (size: Int, littleEndian: Bool)] = [
        "<f4": (4, true), ">f4": (4, false), "<f8": (8, true), ">f8": (8, false),
        "|u1": (1, true), "u1": (1, true), "<u1": (1, true), ">u1": (1, true),
    ]

    init(parsing text: String, source: String) throws {
        var scanner = LiteralScanner(Array(text.unicodeScalars), source: source)
        var fields: [String: LiteralScanner.Value] = [:]
        try scanner.expect("{")
        while true {
            scanner.skipSpaces()
            if scanner.take("}") { break }
            guard case .string(let key) = try scanner.value() else {
                throw DatasetError(file: source, problem: ".npy header keys must be strings")
            }
            try scanner.expect(":")
            fields[key] = try scanner.value()
            scanner.skipSpaces()
            if !scanner.take(",") {
                try scanner.expect("}")
                break
            }
        }
        guard case .string(let descr)? = fields["descr"], case .bool(let fortran)? = fields["fortran_order"],
            case .tuple(let shape)? = fields["shape"]
        else {
            throw DatasetError(file: source, problem: ".npy header lacks descr, fortran_order or shape: \(text)")
        }
        guard let type = Self.types[descr] else {
            throw DatasetError(
                file: source, problem: ".npy element type '\(descr)' is not supported (float32, float64 or uint8)")
        }
        guard shape.count <= 32 else {
            throw DatasetError(file: source, problem: ".npy shape has \(shape.count) dimensions (at most 32)")
        }
        self.descr = descr
        itemSize = type.size
        littleEndian = type.littleEndian
        fortranOrder = fortran
        self.shape = shape
    }
}

/// A scanner for the few Python literals a `.npy` header uses: strings, True/False, tuples of ints.
private struct LiteralScanner {
    enum Value {
        case string(String), bool(Bool), tuple([Int])
    }

    let characters: [Unicode.Scalar]
    let source: String
    var offset = 0

    init(_ characters: [Unicode.Scalar], source: String) {
        self.characters = characters
        self.source = source
    }

    mutating func skipSpaces() {
        while offset < characters.count, characters[offset].properties.isWhitespace { offset += 1 }
    }

    mutating func take(_ symbol: Unicode.Scalar) -> Bool {
        skipSpaces()
        if offset < characters.count, characters[offset] == symbol {
            offset += 1
            return true
        }
        return false
    }

    mutating func expect(_ symbol: Unicode.Scalar) throws {
        guard take(symbol) else { throw error("expected '\(symbol)'") }
    }

    func error(_ what: String) -> DatasetError {
        DatasetError(file: source, problem: "malformed .npy header at character \(offset): \(what)")
    }

    mutating func value() throws -> Value {
        skipSpaces()
        guard offset < characters.count else { throw error("unexpected end") }
        let first = characters[offset]
        if first == "'" || first == "\"" {
            offset += 1
            var text = ""
            while offset < characters.count, characters[offset] != first {
                text.unicodeScalars.append(characters[offset])
                offset += 1
            }
            guard offset < characters.count else { throw error("unterminated string") }
            offset += 1
            return .string(text)
        }
        if first == "(" {
            offset += 1
            var items: [Int] = []
            while true {
                skipSpaces()
                if take(")") { break }
                var digits = ""
                while offset < characters.count, ("0"..."9").contains(characters[offset]), digits.count < 19 {
                    digits.unicodeScalars.append(characters[offset])
                    offset += 1
                }
                if offset < characters.count, characters[offset] == "L" { offset += 1 }
                guard let number = Int(digits) else { throw error("expected a non-negative integer in the shape") }
                items.append(number)
                if !take(",") {
                    try expect(")")
                    break
                }
            }
            return .tuple(items)
        }
        for (word, flag) in [("True", true), ("False", false)] where characters[offset...].starts(with: word.unicodeScalars) {
            offset += word.unicodeScalars.count
            return .bool(flag)
        }
        throw error("unexpected '\(first)'")
    }
}
