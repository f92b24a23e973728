/// One `exclude` entry: drops every cell in which each listed setting applies and has one of the listed values.
struct ExcludeRule: Sendable {
    var entries: [(key: SpecKey, values: [SpecValue])]
    var position: SpecPosition
}
