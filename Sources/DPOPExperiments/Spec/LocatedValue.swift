/// A setting's value with the text shown for it and where it was written (nil for a built-in default).
struct LocatedValue: Sendable {
    var value: SpecValue
    /// The value as the spec wrote it (canonical for corruption mixes), for cell labels.
    var text: String
    var position: SpecPosition?

    init(_ value: SpecValue, text: String? = nil, at position: SpecPosition?) {
        self.value = value
        self.text = text ?? value.description
        self.position = position
    }
}
