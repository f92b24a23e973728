/// What the results folder says about a cell: completed, failed, interrupted (runs again on the next
/// `dpop run`), or claimed by a live lock (running).
///
/// Folders written by earlier versions say `"done"` for a completed cell: decoding reads it as `completed`.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case completed, failed, interrupted, running

    /// The raw value earlier versions wrote for `completed`.
    public static let legacyCompleted = "done"

    /// The status a stored raw value names: `rawValue`, or the legacy `"done"` for `completed`.
    public init?(stored text: String) {
        self.init(rawValue: text == Self.legacyCompleted ? Self.completed.rawValue : text)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let status = RunStatus(stored: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown run status \"\(text)\" (expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = status
    }
}
