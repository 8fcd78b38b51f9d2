/// The element types a safetensors header may name. `F32`, `F64`, `F16` and
/// `BF16` are converted to Float32 on read; the others are recognised (so a
/// file holding them still opens) but cannot be read as Float32 tensors.
public enum SafetensorsDType: String, CaseIterable, Sendable {
    /// Booleans, one byte each.
    case bool = "BOOL"
    /// Unsigned 8-bit integers.
    case u8 = "U8"
    /// Signed 8-bit integers.
    case i8 = "I8"
    /// 8-bit floats with 5 exponent and 2 mantissa bits.
    case f8e5m2 = "F8_E5M2"
    /// 8-bit floats with 4 exponent and 3 mantissa bits.
    case f8e4m3 = "F8_E4M3"
    /// 8-bit exponent-only floats (scales).
    case f8e8m0 = "F8_E8M0"
    /// Signed 16-bit integers.
    case i16 = "I16"
    /// Unsigned 16-bit integers.
    case u16 = "U16"
    /// IEEE half-precision floats (read as Float32).
    case f16 = "F16"
    /// bfloat16 (read as Float32).
    case bf16 = "BF16"
    /// Signed 32-bit integers.
    case i32 = "I32"
    /// Unsigned 32-bit integers.
    case u32 = "U32"
    /// IEEE single-precision floats.
    case f32 = "F32"
    /// IEEE double-precision floats (read as Float32).
    case f64 = "F64"
    /// Signed 64-bit integers.
    case i64 = "I64"
    /// Unsigned 64-bit integers.
    case u64 = "U64"
    /// Complex numbers of two 32-bit floats.
    case c64 = "C64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64, .c64: return 8
        }
    }

    /// Whether `SafetensorsFile` converts this type to Float32.
    public var isReadableAsFloat: Bool {
        switch self {
        case .f16, .bf16, .f32, .f64: return true
        default: return false
        }
    }
}

/// Bit-level conversions of the 16-bit float formats, written out by hand so
/// they behave the same on every platform (Swift's `Float16` is missing on
/// some).
public enum HalfPrecision {
    /// The Float32 value of an IEEE 754 binary16 bit pattern (sign, 5-bit
    /// exponent biased by 15, 10-bit mantissa), subnormals, infinities and
    /// NaNs included. Exact: every binary16 value is a Float32.
    public static func float(fromHalfBits bits: UInt16) -> Float {
        let negative = bits & 0x8000 != 0
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits) & 0x3FF
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return negative ? -magnitude : magnitude
        }
        let sign: UInt32 = negative ? 0x8000_0000 : 0
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// The Float32 value of a bfloat16 bit pattern: the top half of a Float32.
    public static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
