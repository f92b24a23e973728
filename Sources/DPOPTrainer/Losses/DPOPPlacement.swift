/// Where DPOP's penalty λ·max(0, −Δw) sits: inside the log-sigmoid (the corrected paper form) or added outside it.
public enum DPOPPlacement: String, CaseIterable, Codable, Sendable {
    case inside
    case outside
}
