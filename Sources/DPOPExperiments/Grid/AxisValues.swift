/// One axis whose value differs between a grid's cells, with every value it takes, both in spec order.
///
/// Values are the labels cells carry (`GridCell.values`): the axis's values as the spec writes them,
/// then any other label a cell carries (the base value where a `when` condition fails, `-` where the
/// setting does not apply), in cell order.
public struct AxisValues: Codable, Equatable, Sendable {
    /// The axis as the spec names it (`loss`, `train.lr`, `seed`).
    public var name: String
    public var values: [String]

    /// Creates an axis with its values in order.
    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }
}
