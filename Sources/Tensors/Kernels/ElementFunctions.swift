/// A function of one `Float` that the parallel elementwise loops apply to
/// every element. The loops take it as a generic parameter rather than a
/// closure, so each one is specialised with the function inlined (and
/// vectorised) even inside the chunks handed to other threads.
protocol UnaryElementFunction {
    func callAsFunction(_ x: Float) -> Float
}

/// A function of two `Float`s applied elementwise by the broadcasting loops;
/// generic for the same reason as `UnaryElementFunction`.
protocol BinaryElementFunction {
    func callAsFunction(_ x: Float, _ y: Float) -> Float
}

/// `x + y`.
struct ElementSum: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x + y }
}

/// `x − y`.
struct ElementDifference: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x - y }
}

/// `x · y`.
struct ElementProduct: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x * y }
}

/// `x / y`.
struct ElementQuotient: BinaryElementFunction {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x / y }
}

/// `x` itself (a parallel copy).
struct ElementIdentity: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x }
}

/// `−x`.
struct ElementNegation: UnaryElementFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { -x }
}

/// `x + shift`.
struct ElementShift: UnaryElementFunction {
    let shift: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x + shift }
}

/// `x · factor`.
struct ElementScale: UnaryElementFunction {
    let factor: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * factor }
}
