/// State of a grid cell in the results store. `done` is the lifecycle's "completed"; an
/// `interrupted` cell (SIGINT/SIGTERM) runs again on the next `dpop run`, a `failed` one only with
/// `--retry-failed`.
public enum CellStatus: String, Codable, Sendable, CaseIterable {
    case done, failed, interrupted, running, pending
}
