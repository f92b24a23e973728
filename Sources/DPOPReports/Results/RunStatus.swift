/// What the results folder says about a cell: finished, failed, or claimed by a live lock.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case done, failed, running
}
