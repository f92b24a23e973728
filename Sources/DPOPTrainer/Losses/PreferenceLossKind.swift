/// The preference losses the trainer implements; raw values are the names used in specs and on the command line.
public enum PreferenceLossKind: String, CaseIterable, Codable, Sendable {
    case dpo
    case dpop
    case ipo
    case cdpo
    case robust
    case hinge
    case simpo
    case orpo
    case rpo
    case ktoPair = "kto_pair"
    case sft

    /// The `PreferenceLossConfig` fields this loss reads; the rest can be dropped from a grid or a report.
    public var usedParameters: Set<PreferenceLossParameter> {
        switch self {
        case .dpo, .ipo, .hinge, .ktoPair: return [.beta]
        case .dpop: return [.beta, .lambda, .placement]
        case .cdpo, .robust: return [.beta, .epsilon]
        case .simpo: return [.beta, .gamma]
        case .orpo: return [.alpha]
        case .rpo: return [.beta, .alpha]
        case .sft: return []
        }
    }

    /// Whether the loss reads the reference model's log-probs (`rc`, `rr`); if not, they need not be computed.
    public var usesReference: Bool {
        switch self {
        case .simpo, .orpo, .sft: return false
        default: return true
        }
    }
}
