/// One cell of an experiment grid: a stable id, the resolved configuration and the axis values that label it.
public struct GridCell: Sendable {
    /// First 12 hex digits of the SHA-256 of `config.canonicalJSON()`, except that `data.path` is hashed as the
    /// spec wrote it (relative to the spec's folder) rather than absolute, so ids survive moving the checkout.
    public var id: String
    /// Everything the runner needs.
    public var config: CellConfig
    /// The axes that vary across the grid, in spec order, with this cell's value as written in the spec;
    /// `-` where the setting does not apply (λ of a dpo cell, the bucket of a bucket-less cell).
    public var values: [(axis: String, value: String)]

    /// The value a cell carries for an axis whose setting does not apply to it.
    public static let notApplicable = "-"

    /// Creates a cell.
    public init(id: String, config: CellConfig, values: [(axis: String, value: String)]) {
        self.id = id
        self.config = config
        self.values = values
    }

    /// This cell's value of `axis`, or nil if the axis does not vary in the grid.
    public func value(of axis: String) -> String? {
        values.first { $0.axis == axis }?.value
    }

    /// `loss=dpop beta=0.1 seed=0`: the cell's varying values in one line.
    public var label: String {
        values.map { "\($0.axis)=\($0.value)" }.joined(separator: " ")
    }
}
