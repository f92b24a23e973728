import Foundation

/// One tensor read from or written to a safetensors file, as float32 values.
public struct NamedTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// Reader and writer of the safetensors format: an 8-byte little-endian header length, a JSON header
/// of `{name: {dtype, shape, data_offsets}}`, then the raw little-endian tensor bytes.
public enum SafeTensors {
    /// Element types this reader converts to float32.
    public static let readableDTypes: Set<String> = ["F32", "F16", "BF16"]

    /// Encodes `tensors` as float32 safetensors bytes, in the given order, with optional metadata.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for t in tensors {
            let bytes = t.values.count * 4
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        for t in tensors {
            t.values.withUnsafeBufferPointer { buf in
                #if _endian(big)
                for v in buf { var b = v.bitPattern.littleEndian; withUnsafeBytes(of: &b) { out.append(contentsOf: $0) } }
                #else
                out.append(UnsafeBufferPointer(start: UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                               count: buf.count * 4))
                #endif
            }
        }
        return out
    }

    /// Decodes every tensor of a safetensors file, converting F16/BF16 to float32; `path` is for messages.
    public static func decode(_ data: Data, path: String) throws -> (tensors: [String: NamedTensor], metadata: [String: String]) {
        func fail(_ message: String, _ hint: String? = nil) -> DPOPError {
            .checkpoint(path: path, message: message, hint: hint)
        }
        guard data.count >= 8 else {
            throw fail("file is \(data.count) bytes, too short for a safetensors header",
                       "is this a safetensors file? PyTorch .bin checkpoints are not supported; re-save with safe_serialization=True")
        }
        let headerLength = data.prefix(8).withUnsafeBytes { raw -> UInt64 in
            var v: UInt64 = 0
            withUnsafeMutableBytes(of: &v) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<8])) }
            return UInt64(littleEndian: v)
        }
        guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
            throw fail("header length \(headerLength) exceeds the file size \(data.count)", "the file is truncated or not safetensors")
        }
        let dataStart = 8 + Int(headerLength)
        let headerData = data.subdata(in: 8..<dataStart)
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: NamedTensor] = [:]
        let payload = data.count - dataStart
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' has a malformed header entry (needs dtype, shape, data_offsets)")
            }
            guard readableDTypes.contains(dtype) else {
                throw fail("tensor '\(name)' has dtype \(dtype); dpop reads F32, F16 and BF16", "convert the checkpoint to float32")
            }
            let count = shape.reduce(1, *)
            let width = dtype == "F32" ? 4 : 2
            guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] <= payload else {
                throw fail("tensor '\(name)' has data offsets \(offsets) outside the \(payload)-byte payload", "the file is truncated")
            }
            guard offsets[1] - offsets[0] == count * width else {
                throw fail("tensor '\(name)' of shape \(shape) and dtype \(dtype) needs \(count * width) bytes, the header gives \(offsets[1] - offsets[0])")
            }
            var values = [Float](repeating: 0, count: count)
            data.withUnsafeBytes { raw in
                let base = raw.baseAddress! + dataStart + offsets[0]
                for i in 0..<count {
                    switch dtype {
                    case "F32":
                        values[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    case "F16":
                        let bits = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                        values[i] = Float(halfBits: bits)
                    default: // BF16: the top half of a float32
                        let bits = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                        values[i] = Float(bitPattern: UInt32(bits) << 16)
                    }
                }
            }
            tensors[name] = NamedTensor(name: name, shape: shape, values: values)
        }
        return (tensors, metadata)
    }
}

extension Float {
    /// IEEE 754 half precision to single, without relying on Float16 (absent on some x86 toolchains).
    init(halfBits h: UInt16) {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            self = sign != 0 ? -magnitude : magnitude
        } else if exponent == 31 {
            self = Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        } else {
            self = Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
        }
    }
}
