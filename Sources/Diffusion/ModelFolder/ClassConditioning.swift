import Foundation

/// What the class labels of a class-conditional model mean, kept beside the
/// weights in `class_conditioning.json` (a file diffusers ignores, so the
/// folder still loads there as a `UNet2DModel` with `num_class_embeds`).
///
/// The network's class embedding has `classCount + 1` rows: the real classes
/// `0..<classCount`, then the "null" class `nullClass` (= `classCount`) that
/// label dropout trained as the unconditional branch of classifier-free guidance.
public struct ClassConditioning: Codable, Equatable, Sendable {
    /// The file in a model folder that holds it.
    public static let fileName = "class_conditioning.json"

    /// The number of real classes.
    public var classCount: Int
    /// The label of the unconditional class.
    public var nullClass: Int
    /// A name per real class (sub-folder names of an image folder, "0"…"9" for digits).
    public var classNames: [String]
    /// The probability with which training replaced a label by the null class.
    public var classDropout: Double

    enum CodingKeys: String, CodingKey {
        case classCount = "num_classes"
        case nullClass = "null_class_index"
        case classNames = "class_names"
        case classDropout = "class_dropout"
    }

    /// Conditioning on `classNames` with the null class last.
    public init(classNames: [String], classDropout: Double) {
        classCount = classNames.count
        nullClass = classNames.count
        self.classNames = classNames
        self.classDropout = classDropout
    }

    /// The number of rows the class embedding needs (real classes and the null class).
    public var embeddingCount: Int { max(classCount, nullClass + 1) }

    /// Checks the record against a network with `numClassEmbeds` embedding rows.
    public func validate(numClassEmbeds: Int?, source: String) throws {
        guard classCount >= 1, classNames.count == classCount else {
            throw ModelFolderError(
                "\(source): num_classes \(classCount) with \(classNames.count) class names; "
                    + "accepted: num_classes ≥ 1 and one name per class")
        }
        guard nullClass >= classCount else {
            throw ModelFolderError(
                "\(source): null_class_index \(nullClass) is a real class; accepted: an index ≥ num_classes (\(classCount))")
        }
        guard let numClassEmbeds, numClassEmbeds == embeddingCount else {
            throw ModelFolderError(
                "\(source): \(classCount) classes and null class \(nullClass) need num_class_embeds = "
                    + "\(embeddingCount) in config.json, which has \(numClassEmbeds.map(String.init) ?? "none")")
        }
    }

    /// Parses the file's contents.
    public static func parse(_ data: Data, source: String) throws -> ClassConditioning {
        do {
            return try JSONDecoder().decode(ClassConditioning.self, from: data)
        } catch {
            throw ModelFolderError(
                "\(source): not a readable class-conditioning record (needs num_classes, "
                    + "null_class_index, class_names, class_dropout): \(error)")
        }
    }

    /// The record as pretty, sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
