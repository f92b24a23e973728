/// State of a grid cell in the results store. Its lifecycle is `running` → `completed` | `failed` |
/// `interrupted`; a `pending` cell has no result and no live process holding it. An `interrupted`
/// cell (SIGINT/SIGTERM) runs again on the next `dpop run`, a `failed` one only with `--retry-failed`.
///
/// Records written by earlier versions say `"done"` for a completed cell: decoding reads it as
/// `completed`; encoding always writes `"completed"`.
public enum CellStatus: String, Codable, Sendable, StoredStatus {
    case completed, failed, interrupted, running, pending

    public static var completedCase: CellStatus { .completed }

    public init(from decoder: Decoder) throws { self = try Self.decodeStored(from: decoder, what: "cell status") }
}
