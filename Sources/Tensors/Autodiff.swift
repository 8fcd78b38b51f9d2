/// One recorded op of the autodiff tape: the inputs it read and how to turn
/// the gradient of its output into gradients of those inputs.
final class GradNode {
    let inputs: [Tensor]
    /// Maps the output's gradient to one gradient per input (`nil` = none).
    let backward: (Tensor) -> [Tensor?]

    init(inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Wraps an op's result, recording `backward` when gradients are on and an
    /// input requires them. Every op builds its output through this.
    static func result(
        shape: [Int], scalars: [Float], inputs: [Tensor],
        backward: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        let output = Tensor(shape: shape, scalars: scalars)
        if GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) {
            output.requiresGrad = true
            output.gradNode = GradNode(inputs: inputs, backward: backward)
        }
        return output
    }

    /// Back-propagates from this tensor: leaves that require gradients get
    /// their `grad` accumulated (added to any gradient already there).
    ///
    /// Without `gradient`, the tensor must hold one element (a loss). The
    /// graph is released afterwards, freeing every intermediate.
    public func backward(_ gradient: Tensor? = nil) {
        let seed: Tensor
        if let gradient {
            precondition(gradient.shape == shape, "backward: gradient shape \(gradient.shape) differs from tensor shape \(shape)")
            seed = gradient
        } else {
            precondition(count == 1, "backward: called without a gradient on a tensor of shape \(shape); expected a scalar loss")
            seed = Tensor.ones(shape)
        }
        guard requiresGrad else { return }

        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        GradMode.withoutGradient {
            for tensor in order.reversed() {
                guard let gradOut = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                guard let node = tensor.gradNode else {
                    if tensor.requiresGrad {
                        if let existing = tensor.grad {
                            existing.accumulate(gradOut)
                        } else {
                            tensor.grad = gradOut.isolatedCopy()
                        }
                    }
                    continue
                }
                let gradients = node.backward(gradOut)
                precondition(
                    gradients.count == node.inputs.count,
                    "backward: op returned \(gradients.count) gradients for \(node.inputs.count) inputs")
                for (input, gradient) in zip(node.inputs, gradients) {
                    guard input.requiresGrad, let gradient else { continue }
                    precondition(gradient.shape == input.shape, "backward: gradient \(gradient.shape) for input \(input.shape)")
                    let key = ObjectIdentifier(input)
                    // Pending gradients may be shared between inputs (an add hands the same
                    // tensor to both): one is added to in place only when nothing else holds
                    // it (its array still copies itself if its storage is shared), else the
                    // sum is a new tensor. In place saves a fresh activation-sized array.
                    if var existing = pending.removeValue(forKey: key) {
                        if isKnownUniquelyReferenced(&existing) {
                            existing.accumulate(gradient)
                            pending[key] = existing
                        } else {
                            pending[key] = existing.summed(with: gradient)
                        }
                    } else {
                        pending[key] = gradient
                    }
                }
            }
        }
        for tensor in order { tensor.gradNode = nil }
    }

    /// Every tensor this one depends on through recorded ops, inputs first.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.gradNode?.inputs ?? [] where input.requiresGrad {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }

    /// A tensor with its own storage, for a leaf's `grad`: gradients handed
    /// back by ops may be shared between inputs, and `grad` is accumulated and
    /// clipped in place.
    func isolatedCopy() -> Tensor {
        Tensor(shape: shape, scalars: Tensor.mapElements(scalars, ElementIdentity()))
    }

    /// The elementwise sum with `other` (same shape) as a new tensor, off the tape.
    func summed(with other: Tensor) -> Tensor {
        precondition(other.shape == shape, "summed(with:): \(other.shape) and \(shape)")
        let sum = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let buffer = buffer
            scalars.withUnsafeBufferPointer { a in
                other.scalars.withUnsafeBufferPointer { b in
                    Parallel.forEachElementChunk(a.count) { range in
                        for i in range { buffer[i] = a[i] + b[i] }
                    }
                }
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: sum)
    }

    /// Adds `other` (same shape) into this tensor's storage.
    func accumulate(_ other: Tensor) {
        precondition(other.shape == shape, "accumulate: \(other.shape) into \(shape)")
        scalars.add(other.scalars)
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}
