/// State of a grid cell in the results store.
public enum CellStatus: String, Codable, Sendable, CaseIterable {
    case done, failed, running, pending
}
