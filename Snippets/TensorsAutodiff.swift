// Tensors: a seeded random tensor, a matrix product, and its gradient by reverse-mode
// automatic differentiation.
import Tensors

// snippet.show
var generator = RandomGenerator(seed: 0)
let w = Tensor.randn([3, 2], generator: &generator)
w.requiresGrad = true
let x = Tensor(shape: [4, 3], scalars: (0..<12).map(Float.init))

let loss = x.matmul(w).square().mean()  // mean((x·w)²)
loss.backward()  // fills w.grad with ∂loss/∂w = 2·xᵀ(x·w)/8
print("loss \(loss.item), ∂loss/∂w \(w.grad!.shape): \(w.grad!.scalars)")

// Outside training, record nothing.
let y = GradMode.withoutGradient { x.matmul(w) }
print("y \(y.shape), on the tape: \(!y.isLeaf)")
// snippet.hide
let expected = x.transposed(0, 1).matmul(x.matmul(w)) * (2 / 8)
precondition(zip(expected.scalars, w.grad!.scalars).allSatisfy { abs($0 - $1) < 1e-3 * max(1, abs($0)) })
precondition(y.isLeaf)
