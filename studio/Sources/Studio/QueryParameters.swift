import Hummingbird

/// A request's query parameters read with their accepted ranges: a value that is
/// missing (where required), not a number, or out of range is a 400 naming the
/// parameter, what it got and what it accepts.
struct QueryParameters {
    let values: [String: String]

    init(_ request: Request) {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { values[String(key)] = String(value) }
        self.values = values
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name], !value.isEmpty else { throw StudioError.badRequest("parameter '\(name)' is missing") }
        return value
    }

    func optionalString(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int? = nil) throws -> Int {
        guard let text = optionalString(name) else {
            if let fallback { return fallback }
            throw StudioError.badRequest("parameter '\(name)' is missing; give an integer in \(range.lowerBound)…\(range.upperBound)")
        }
        guard let value = Int(text), range.contains(value) else {
            throw StudioError.badRequest("\(name)=\(text) is not accepted; give an integer in \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    func optionalInteger(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        optionalString(name) == nil ? nil : try integer(name, in: range)
    }

    func seed(_ name: String) throws -> UInt64 {
        guard let text = optionalString(name) else { return 0 }
        guard let value = UInt64(text) else {
            throw StudioError.badRequest("\(name)=\(text) is not accepted; give an integer in 0…\(UInt64.max)")
        }
        return value
    }

    func optionalNumber(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = optionalString(name) else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw StudioError.badRequest("\(name)=\(text) is not accepted; give a number in \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    func choice(_ name: String, among accepted: [String], default fallback: String) throws -> String {
        let value = optionalString(name) ?? fallback
        guard accepted.contains(value) else {
            throw StudioError.badRequest("\(name)=\(value) is not accepted; give one of \(accepted.joined(separator: ", "))")
        }
        return value
    }
}
