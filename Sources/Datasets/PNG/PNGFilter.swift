/// The five PNG scanline filters (PNG spec §9): each byte is stored as the
/// difference from a prediction made from its left (a), upper (b) and upper-left (c) neighbours.
public enum PNGFilter: UInt8, Sendable, CaseIterable {
    /// The bytes as they are.
    case none = 0
    /// Each byte minus the one a pixel to its left.
    case sub = 1
    /// Each byte minus the one above it.
    case up = 2
    /// Each byte minus the mean of the left and upper ones.
    case average = 3
    /// Each byte minus the Paeth predictor of its left, upper and upper-left neighbours.
    case paeth = 4

    /// The Paeth predictor: whichever of a, b, c is closest to a + b − c.
    @inline(__always)
    static func paethPredictor(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    /// Undoes this filter on `line` in place, given the already reconstructed previous line.
    static func reconstruct(
        _ type: UInt8, line: UnsafeMutableBufferPointer<UInt8>,
        previous: UnsafeBufferPointer<UInt8>?, stride: Int
    ) -> Bool {
        let count = line.count
        switch type {
        case 0:
            break
        case 1:
            if count > stride { for i in stride..<count { line[i] = line[i] &+ line[i - stride] } }
        case 2:
            if let previous { for i in 0..<count { line[i] = line[i] &+ previous[i] } }
        case 3:
            for i in 0..<count {
                let a = i >= stride ? Int(line[i - stride]) : 0
                let b = previous.map { Int($0[i]) } ?? 0
                line[i] = line[i] &+ UInt8((a + b) >> 1)
            }
        case 4:
            for i in 0..<count {
                let a = i >= stride ? line[i - stride] : 0
                let b = previous?[i] ?? 0
                let c = i >= stride ? (previous?[i - stride] ?? 0) : 0
                line[i] = line[i] &+ paethPredictor(a, b, c)
            }
        default:
            return false
        }
        return true
    }

    /// Applies this filter to `line` (with `previous` the unfiltered line above, or nil), writing into `output`.
    func apply(line: ArraySlice<UInt8>, previous: ArraySlice<UInt8>?, stride: Int, into output: inout [UInt8]) {
        let l = line.startIndex, p = previous?.startIndex ?? 0
        for i in 0..<line.count {
            let x = line[l + i]
            let a = i >= stride ? line[l + i - stride] : 0
            let b = previous.map { $0[p + i] } ?? 0
            let c = i >= stride ? (previous.map { $0[p + i - stride] } ?? 0) : 0
            switch self {
            case .none: output.append(x)
            case .sub: output.append(x &- a)
            case .up: output.append(x &- b)
            case .average: output.append(x &- UInt8((Int(a) + Int(b)) >> 1))
            case .paeth: output.append(x &- Self.paethPredictor(a, b, c))
            }
        }
    }
}
