/// A protocol-buffers message written field by field in the wire format: enough of protobuf for
/// TensorBoard's Event, Summary and HParams messages, without generated code.
public struct ProtobufMessage: Sendable {
    /// The encoded bytes so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    private enum WireType: UInt64 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    private mutating func key(_ field: Int, _ type: WireType) {
        appendVarint(UInt64(field) << 3 | type.rawValue)
    }

    private mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// An int32/int64/uint64/enum field (negative numbers as 10-byte two's complement, as protobuf does).
    public mutating func int(_ field: Int, _ value: Int64) {
        key(field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A bool field.
    public mutating func bool(_ field: Int, _ value: Bool) { int(field, value ? 1 : 0) }

    /// A double field (little-endian fixed64).
    public mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A float field (little-endian fixed32).
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A bytes field.
    public mutating func data(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string field (UTF-8).
    public mutating func string(_ field: Int, _ value: String) { data(field, Array(value.utf8)) }

    /// An embedded message field.
    public mutating func message(_ field: Int, _ value: ProtobufMessage) { data(field, value.bytes) }

    /// A message built by `build`, as an embedded field.
    public mutating func message(_ field: Int, _ build: (inout ProtobufMessage) -> Void) {
        var m = ProtobufMessage()
        build(&m)
        message(field, m)
    }
}
