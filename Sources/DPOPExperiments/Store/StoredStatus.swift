/// A status enum read from `run.json`, where records of earlier versions say `"done"` for `completed`.
public protocol StoredStatus: RawRepresentable, CaseIterable, Decodable where RawValue == String {
    /// The case that earlier versions wrote as `"done"`.
    static var completedCase: Self { get }
}

extension StoredStatus {
    /// The raw value earlier versions wrote for `completed`.
    public static var legacyCompleted: String { "done" }

    /// The status a stored raw value names: `rawValue`, or the legacy `"done"` for `completed`.
    public init?(stored text: String) {
        self.init(rawValue: text == Self.legacyCompleted ? Self.completedCase.rawValue : text)
    }

    /// Decodes a stored status, naming the expected values when it is unknown.
    public static func decodeStored(from decoder: Decoder, what: String) throws -> Self {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let status = Self(stored: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown \(what) \"\(text)\" (expected one of \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return status
    }
}
