/// One entry of an axis's `when`: the cell's value of `key` must be one of `values`.
struct AxisCondition: Sendable {
    var key: SpecKey
    var values: [SpecValue]
}
