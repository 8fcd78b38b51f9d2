// NN: a linear layer fitted by AdamW, its parameters named by path as PyTorch names them,
// and its weights written to and read back from a safetensors file.
import Foundation
import NN
import Tensors

// snippet.show
var generator = RandomGenerator(seed: 0)
let layer = Linear(2, 1, generator: &generator)
let optimizer = try AdamW(parameters: layer.namedParameters(), learningRate: 0.05, weightDecay: 0)
let x = Tensor(shape: [4, 2], scalars: [0, 0, 0, 1, 1, 0, 1, 1])
let y = Tensor(shape: [4, 1], scalars: [1, 3, 2, 4])  // y = x₁ + 2·x₂ + 1
for _ in 0..<300 {
    let loss = (layer(x) - y).square().mean()
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
}
print(layer.namedParameters().map { "\($0.path) \($0.tensor.scalars)" })

// The weights as a safetensors file, read back into a fresh layer.
let file = FileManager.default.temporaryDirectory.appendingPathComponent("linear-\(getpid()).safetensors")
try SafetensorsWriter.write(layer.stateDict(), to: file)
let copy = Linear(2, 1, generator: &generator)
try copy.load(stateDict: try SafetensorsFile(contentsOf: file).tensors())
// snippet.hide
try? FileManager.default.removeItem(at: file)
let weights = copy.weight.scalars, bias = copy.bias!.scalars[0]
print("read back: weight \(weights), bias \(bias)")
precondition(abs(weights[0] - 1) < 0.1 && abs(weights[1] - 2) < 0.1 && abs(bias - 1) < 0.1)
