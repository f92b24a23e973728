/// One varied setting: its name as written, the setting it varies, its values and an optional `when` condition.
struct GridAxis: Sendable {
    /// The name as the spec wrote it (`beta`, `train.lr`).
    var name: String
    var key: SpecKey
    var position: SpecPosition?
    var values: [LocatedValue]
    /// All must hold for the axis to vary in a cell; elsewhere the setting keeps its base value.
    var conditions: [AxisCondition] = []
}
