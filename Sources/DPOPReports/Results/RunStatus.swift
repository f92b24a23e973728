import DPOPExperiments

/// What the results folder says about a cell: completed, failed, interrupted (runs again on the next
/// `dpop run`), or claimed by a live lock (running).
///
/// Folders written by earlier versions say `"done"` for a completed cell: decoding reads it as `completed`.
public enum RunStatus: String, Codable, Sendable, StoredStatus {
    case completed, failed, interrupted, running

    public static var completedCase: RunStatus { .completed }

    public init(from decoder: Decoder) throws { self = try Self.decodeStored(from: decoder, what: "run status") }
}
