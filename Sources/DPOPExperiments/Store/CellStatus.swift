/// State of a grid cell in the results store. Its lifecycle is `running` → `completed` | `failed` |
/// `interrupted`; a `pending` cell has no result and no live process holding it. An `interrupted`
/// cell (SIGINT/SIGTERM) runs again on the next `dpop run`, a `failed` one only with `--retry-failed`.
///
/// Records written by earlier versions say `"done"` for a completed cell: decoding reads it as
/// `completed`; encoding always writes `"completed"`.
public enum CellStatus: String, Codable, Sendable, CaseIterable {
    case completed, failed, interrupted, running, pending

    /// The raw value earlier versions wrote for `completed`.
    public static let legacyCompleted = "done"

    /// The status a stored raw value names: `rawValue`, or the legacy `"done"` for `completed`.
    public init?(stored text: String) {
        self.init(rawValue: text == Self.legacyCompleted ? Self.completed.rawValue : text)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let status = CellStatus(stored: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown cell status \"\(text)\" (expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = status
    }
}
