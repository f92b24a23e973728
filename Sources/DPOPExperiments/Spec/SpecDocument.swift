/// A spec after its keys and values have been read and checked one by one, before grid expansion.
struct SpecDocument: Sendable {
    var name: String?
    var description = ""
    /// Position of the top-level mapping, for problems that have no better place.
    var rootPosition = SpecPosition.start
    /// Settings written in the sections, by canonical path; absent keys take `SpecKey.defaultValue`.
    var settings: [String: LocatedValue] = [:]
    /// Position of the `data:` key when the spec has one.
    var dataPosition: SpecPosition?
    /// Whether the data section writes `task` or `path` (valid or not).
    var dataSourceWritten = false
    var buckets: [BucketDefinition] = []
    var bucketsPosition: SpecPosition?
    /// Grid axes, zip groups and seeds, in file order; the first is the outermost loop.
    var factors: [GridFactor] = []
    var excludes: [ExcludeRule] = []
    var gridPosition: SpecPosition?
    var excludePosition: SpecPosition?

    /// The value a cell gets for `key` when no axis sets it.
    func base(_ key: SpecKey) -> LocatedValue? {
        settings[key.path] ?? key.defaultLocated
    }
}
