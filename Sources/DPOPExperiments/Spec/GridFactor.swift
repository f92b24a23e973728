/// One factor of the cartesian product: a single axis, a zip group (axes stepping together) or the seeds.
struct GridFactor: Sendable {
    var axes: [GridAxis]
    var position: SpecPosition?

    /// Number of values (equal for every axis of a zip group).
    var count: Int { axes.first?.values.count ?? 0 }
}
