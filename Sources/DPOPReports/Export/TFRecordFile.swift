/// TFRecord framing, the container of TensorBoard event files: per record, its length (uint64 LE),
/// the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
public enum TFRecordFile {
    /// One framed record.
    public static func frame(_ record: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(record.count + 16)
        let length = withUnsafeBytes(of: UInt64(record.count).littleEndian) { Array($0) }
        out += length
        withUnsafeBytes(of: CRC32C.masked(length).littleEndian) { out += $0 }
        out += record
        withUnsafeBytes(of: CRC32C.masked(record).littleEndian) { out += $0 }
        return out
    }

    /// Splits framed bytes back into records, checking both checksums of each.
    public static func records(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var at = 0
        func uint<T: FixedWidthInteger>(_ type: T.Type, _ offset: Int) -> T {
            var v: T = 0
            for i in 0..<MemoryLayout<T>.size { v |= T(bytes[offset + i]) << (8 * i) }
            return v
        }
        while at < bytes.count {
            guard at + 12 <= bytes.count else { throw ReportError.eventFile(message: "TFRecord truncated in a header at byte \(at)") }
            let length = Int(uint(UInt64.self, at))
            guard uint(UInt32.self, at + 8) == CRC32C.masked(bytes[at..<(at + 8)]) else {
                throw ReportError.eventFile(message: "TFRecord length checksum mismatch at byte \(at)")
            }
            let start = at + 12
            guard length >= 0, start + length + 4 <= bytes.count else {
                throw ReportError.eventFile(message: "TFRecord truncated in a record at byte \(at)")
            }
            let record = Array(bytes[start..<(start + length)])
            guard uint(UInt32.self, start + length) == CRC32C.masked(record) else {
                throw ReportError.eventFile(message: "TFRecord data checksum mismatch at byte \(at)")
            }
            records.append(record)
            at = start + length + 4
        }
        return records
    }
}
