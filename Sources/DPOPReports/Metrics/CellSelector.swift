import Foundation

/// A set of cells named by axis values, as in `--baseline loss=dpo` or `loss=dpop,lambda=50`.
public struct CellSelector: Equatable, Sendable, CustomStringConvertible {
    /// (axis, value) conditions, all of which must hold.
    public let conditions: [(axis: String, value: String)]

    public static func == (a: CellSelector, b: CellSelector) -> Bool { a.description == b.description }

    /// Parses `AXIS=VALUE[,AXIS=VALUE…]`.
    public init(parsing text: String, option: String = "selector") throws {
        var conditions: [(String, String)] = []
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                throw ReportError.badOption(option: option, value: text, expected: "AXIS=VALUE[,AXIS=VALUE…], e.g. loss=dpo")
            }
            conditions.append((kv[0], kv[1]))
        }
        guard !conditions.isEmpty else {
            throw ReportError.badOption(option: option, value: text, expected: "AXIS=VALUE[,AXIS=VALUE…], e.g. loss=dpo")
        }
        self.conditions = conditions
    }

    /// The axes the selector fixes.
    public var axes: [String] { conditions.map(\.axis) }

    /// True when every condition holds for `run` (grid value, else config value; numbers compare as numbers).
    public func matches(_ run: RunResult) -> Bool {
        conditions.allSatisfy { c in
            guard let v = run.value(of: c.axis) else { return false }
            if v == c.value { return true }
            if let a = Double(v), let b = Double(c.value) { return a == b }
            return false
        }
    }

    public var description: String { conditions.map { "\($0.axis)=\($0.value)" }.joined(separator: ",") }
}
