/// One entry of `data.buckets`: `name: [lo, hi]`, `lo` possibly −∞ and `hi` +∞; what the bounds mean
/// (inclusive values, or quantiles) is `data.bucket_by`'s and `data.quantile`'s.
struct BucketDefinition: Sendable {
    var name: String
    var lo: Double
    var hi: Double
    /// Where the name is written.
    var position: SpecPosition
    /// Where each bound is written (the name's position when unknown).
    var loPosition: SpecPosition
    var hiPosition: SpecPosition

    init(name: String, lo: Double, hi: Double, position: SpecPosition, loPosition: SpecPosition? = nil, hiPosition: SpecPosition? = nil) {
        self.name = name
        self.lo = lo
        self.hi = hi
        self.position = position
        self.loPosition = loPosition ?? position
        self.hiPosition = hiPosition ?? position
    }
}
