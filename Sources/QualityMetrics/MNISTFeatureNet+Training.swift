import Datasets
import NN
import Tensors

extension MNISTFeatureNet {
    /// The recipe that made the shipped weights: AdamW (lr 2e-3, weight decay 1e-4),
    /// batches of 64 from the bundled MNIST training split in a seeded order,
    /// cross-entropy, `steps` steps. Returns the network and its accuracy on the
    /// bundled test split.
    public static func train(
        steps: Int = 3000, seed: UInt64 = 0,
        progress: (Int, Float) -> Void = { _, _ in }
    ) throws -> (network: MNISTFeatureNet, testAccuracy: Double) {
        let train = try BundledDataset.mnist.load(split: .train)
        let test = try BundledDataset.mnist.load(split: .test)
        var generator = RandomGenerator(seed: seed)
        let network = MNISTFeatureNet(generator: &generator)
        var loader = try DataLoader(dataset: train, batchSize: 64, seed: seed &+ 1)
        let optimizer = try AdamW(parameters: network.namedParameters(), learningRate: 2e-3, weightDecay: 1e-4)
        for step in 1...steps {
            let batch = loader.nextBatch()
            guard let labels = batch.labels else { throw MetricsError("the bundled MNIST training split has no labels") }
            optimizer.zeroGrad()
            let loss = crossEntropy(try network.logits(batch.samples), labels: labels)
            loss.backward()
            optimizer.step()
            progress(step, loss.item)
        }
        return (network, try accuracy(of: network, on: test))
    }

    /// The fraction of `dataset` classified as its label.
    ///
    /// - Throws: ``MetricsError`` saying what input was wrong and what is accepted.
    public static func accuracy(of network: MNISTFeatureNet, on dataset: ImageDataset) throws -> Double {
        guard let labels = dataset.labels else { throw MetricsError("accuracy needs a labelled data set") }
        let scores = try GradMode.withoutGradient { try network.logits(dataset.images) }.scalars
        let correct = labels.indices.filter { n in
            let row = scores[(n * 10)..<(n * 10 + 10)]
            return row.indices.max { row[$0] < row[$1] }! - n * 10 == labels[n]
        }.count
        return Double(correct) / Double(labels.count)
    }

    /// Mean cross-entropy of `logits` `[B, 10]` against `labels`.
    static func crossEntropy(_ logits: Tensor, labels: [Int]) -> Tensor {
        let classes = logits.shape[1]
        var oneHot = [Float](repeating: 0, count: labels.count * classes)
        for (n, label) in labels.enumerated() { oneHot[n * classes + label] = 1 }
        let picked = logits.logSoftmax(axis: 1) * Tensor(shape: logits.shape, scalars: oneHot)
        return picked.sum() * (-1 / Float(labels.count))
    }
}
