/// The zero padding added around the input of a 2-D convolution, side by side.
///
/// Symmetric padding is the usual case; diffusers' `Downsample2D` with
/// `padding=0` pads only the right and bottom edge by one pixel, which is
/// `Conv2DPadding(top: 0, bottom: 1, left: 0, right: 1)`.
public struct Conv2DPadding: Equatable, Hashable, Sendable {
    /// Rows of zeros above the input.
    public var top: Int
    /// Rows of zeros below the input.
    public var bottom: Int
    /// Columns of zeros left of the input.
    public var left: Int
    /// Columns of zeros right of the input.
    public var right: Int

    /// Padding given side by side; every side must be non-negative.
    public init(top: Int = 0, bottom: Int = 0, left: Int = 0, right: Int = 0) {
        precondition(
            top >= 0 && bottom >= 0 && left >= 0 && right >= 0,
            "Conv2DPadding: padding must be non-negative, got top \(top), bottom \(bottom), left \(left), right \(right)")
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }

    /// The same padding on all four sides.
    public init(all padding: Int) {
        self.init(top: padding, bottom: padding, left: padding, right: padding)
    }

    /// No padding.
    public static let zero = Conv2DPadding()

    /// Whether no side is padded.
    public var isZero: Bool { top == 0 && bottom == 0 && left == 0 && right == 0 }
}
