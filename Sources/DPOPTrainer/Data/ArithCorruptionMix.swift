import Foundation

/// Relative weights of the `arith` corruption modes, normalised to sum to 1.
///
/// Written `mode[:weight],...`, e.g. `step:0.5,resample:0.5`, `step:3,final:1` or just `step`
/// (a missing weight is 1). Weights are finite and ≥ 0, at least one is > 0, and each mode appears once.
public struct ArithCorruptionMix: Equatable, Sendable, Codable, CustomStringConvertible {
    /// Modes with their normalised weights, in the order given.
    public let weights: [(mode: ArithCorruption, weight: Double)]

    /// Creates a mix from unnormalised weights; throws on a repeated mode or bad weight.
    public init(_ weights: [(mode: ArithCorruption, weight: Double)]) throws {
        var seen: Set<ArithCorruption> = []
        for w in weights {
            guard seen.insert(w.mode).inserted else {
                throw DPOPError.invalidConfiguration("corruption mix: mode '\(w.mode.rawValue)' appears twice")
            }
            guard w.weight.isFinite && w.weight >= 0 else {
                throw DPOPError.invalidConfiguration("corruption mix: weight of '\(w.mode.rawValue)' must be a finite number >= 0, got \(w.weight)")
            }
        }
        let total = weights.reduce(0) { $0 + $1.weight }
        guard total > 0 else {
            throw DPOPError.invalidConfiguration("corruption mix: needs at least one mode with a weight above 0")
        }
        self.weights = weights.map { ($0.mode, $0.weight / total) }
    }

    /// Only one mode.
    public init(only mode: ArithCorruption) {
        weights = [(mode, 1)]
    }

    /// Parses `mode[:weight],...`; errors name the offending part and list the valid modes.
    public init(parsing text: String) throws {
        let valid = ArithCorruption.allCases.map(\.rawValue).joined(separator: ", ")
        var parsed: [(mode: ArithCorruption, weight: Double)] = []
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        for raw in parts {
            let part = raw.trimmingCharacters(in: .whitespaces)
            guard !part.isEmpty else {
                throw DPOPError.invalidConfiguration("corruption mix '\(text)': empty entry (expected mode[:weight],..., e.g. step:0.5,resample:0.5)")
            }
            let fields = part.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let name = fields[0].trimmingCharacters(in: .whitespaces)
            guard let mode = ArithCorruption(rawValue: name) else {
                throw DPOPError.invalidConfiguration("corruption mix '\(text)': unknown mode '\(name)'; valid modes: \(valid)")
            }
            var weight = 1.0
            if fields.count == 2 {
                let w = fields[1].trimmingCharacters(in: .whitespaces)
                guard let v = Double(w) else {
                    throw DPOPError.invalidConfiguration("corruption mix '\(text)': weight '\(w)' of '\(name)' is not a number")
                }
                weight = v
            }
            parsed.append((mode, weight))
        }
        do {
            try self.init(parsed)
        } catch DPOPError.invalidConfiguration(let m) {
            throw DPOPError.invalidConfiguration(m.replacingOccurrences(of: "corruption mix:", with: "corruption mix '\(text)':"))
        }
    }

    /// Normalised weight of `mode` (0 if absent).
    public func weight(of mode: ArithCorruption) -> Double {
        weights.first { $0.mode == mode }?.weight ?? 0
    }

    /// Exact per-mode counts for `total` pairs by largest remainder, so a 50/50 mix of 1000 gives 500 and 500.
    public func counts(total: Int) -> [(mode: ArithCorruption, count: Int)] {
        let exact = weights.map { $0.weight * Double(total) }
        var counts = exact.map { Int($0.rounded(.down)) }
        let left = total - counts.reduce(0, +)
        // Ties go to the mode listed first, so the result depends only on the mix and the total.
        let order = exact.indices.sorted {
            let a = exact[$0] - exact[$0].rounded(.down), b = exact[$1] - exact[$1].rounded(.down)
            return a != b ? a > b : $0 < $1
        }
        for i in order.prefix(left) { counts[i] += 1 }
        return zip(weights, counts).map { ($0.mode, $1) }
    }

    /// The mix in the syntax `init(parsing:)` reads, weights normalised.
    public var description: String {
        weights.map { "\($0.mode.rawValue):\(Self.format($0.weight))" }.joined(separator: ",")
    }

    private static func format(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.weights.count == b.weights.count && zip(a.weights, b.weights).allSatisfy { $0.mode == $1.mode && $0.weight == $1.weight }
    }

    /// Decodes from the `mode[:weight],...` string.
    public init(from decoder: Swift.Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes as the `mode[:weight],...` string.
    public func encode(to encoder: Swift.Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
