/// One entry of `data.buckets`: `name: [lo, hi]`, bounds inclusive, `hi` possibly infinite.
struct BucketDefinition: Sendable {
    var name: String
    var lo: Double
    var hi: Double
    var position: SpecPosition
}
