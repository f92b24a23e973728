import Foundation

/// One member of a weighted loss combination (TRL's `loss_type` list with `loss_weights`, e.g. MPO).
public struct PreferenceLossTerm: Codable, Hashable, Sendable {
    /// The member loss.
    public var kind: PreferenceLossKind
    /// Its weight in the sum.
    public var weight: Double

    /// Creates a member.
    public init(_ kind: PreferenceLossKind, weight: Double = 1) {
        self.kind = kind
        self.weight = weight
    }

    /// A member's weight: positive and at most 10⁶, like the other loss multipliers.
    public static let weightRange = SettingRange.aboveUpTo(0, 1e6)

    /// A combination's readable name: members joined by `+`, a weight other than 1 written before its loss
    /// with `·` (`0.8·dpo+0.2·bco_pair+sft`); one member of weight 1 is just its name.
    public static func label(_ terms: [PreferenceLossTerm]) -> String {
        terms.map { t in t.weight == 1 ? t.kind.rawValue : "\(formatWeight(t.weight))·\(t.kind.rawValue)" }
            .joined(separator: "+")
    }

    /// A weight as a label writes it: the shortest text that reads back as the same number (`0.8`, `2`).
    static func formatWeight(_ w: Double) -> String {
        w == w.rounded() && abs(w) < 1e15 ? String(Int(w)) : String(w)
    }

    /// Why a loss text is not a loss or a combination; `member` is the offending part as written.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var member: String
        public var problem: String
        public var description: String { problem }
    }

    /// The members named by `text`: a loss (`dpo`), or members joined by `+`, each optionally weighted as
    /// `0.8*dpo` or `0.8·dpo` (`dpo+sft`, `0.8*dpo+0.2*bco_pair+sft`). Aliases read as their loss.
    public static func parse(_ text: String) throws(ParseError) -> [PreferenceLossTerm] {
        let parts = text.split(separator: "+", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var terms: [PreferenceLossTerm] = []
        for part in parts {
            guard !part.isEmpty else {
                throw ParseError(member: text, problem: "'\(text)' has an empty member; join losses as dpo+sft")
            }
            var name = part
            var weight = 1.0
            if let star = part.firstIndex(where: { $0 == "*" || $0 == "·" }) {
                let w = part[..<star].trimmingCharacters(in: .whitespaces)
                name = part[part.index(after: star)...].trimmingCharacters(in: .whitespaces)
                guard let v = Double(w), v.isFinite, weightRange.contains(v) else {
                    throw ParseError(member: part, problem: "weight '\(w)' of '\(name)' must be a number \(weightRange.phrase(integer: false))")
                }
                weight = v
            }
            guard let kind = PreferenceLossKind.named(name) else {
                throw ParseError(member: name, problem: "unknown loss '\(name)'")
            }
            guard !terms.contains(where: { $0.kind == kind }) else {
                throw ParseError(member: name, problem: "'\(text)' lists \(kind.rawValue) twice; give it one weight")
            }
            terms.append(PreferenceLossTerm(kind, weight: weight))
        }
        return terms
    }
}
