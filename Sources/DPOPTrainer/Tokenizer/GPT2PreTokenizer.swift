/// GPT-2's split pattern, written out by hand over Unicode scalars:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// `\p{L}` and `\p{N}` are the general categories L* and N* of each scalar (not `Character`'s
/// grapheme-level `isLetter`), `\s` is the White_Space property: what Oniguruma, the engine of
/// Hugging Face `tokenizers`, matches, with its Unicode version. Apostrophes are ASCII only and contractions case-sensitive,
/// as in the pattern.
enum GPT2PreTokenizer {
    /// What the pattern distinguishes about a scalar.
    enum ScalarClass: UInt8 {
        case letter, number, space, other
    }

    /// The Unicode version of the tables inside `tokenizers` (0.23's Oniguruma has 16.0; Swift 6.3
    /// knows 17.0): to it, scalars assigned later are unassigned, hence `other`.
    static let patternUnicodeVersion = (major: 16, minor: 0)

    private static let asciiClasses: [ScalarClass] = (0..<128).map { unicodeClass(Unicode.Scalar(UInt8($0))) }

    /// The class of one scalar.
    static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        scalar.value < 128 ? asciiClasses[Int(scalar.value)] : unicodeClass(scalar)
    }

    private static func unicodeClass(_ scalar: Unicode.Scalar) -> ScalarClass {
        let properties = scalar.properties
        if let age = properties.age, (age.major, age.minor) > patternUnicodeVersion { return .other }
        if properties.isWhitespace { return .space }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// Calls `emit` with the byte range of each piece of `bytes` (valid UTF-8), in order.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: (Range<Int>) -> Void) {
        // Decode once: the class and starting byte offset of every scalar.
        var classes: [ScalarClass] = []
        var offsets: [Int] = []
        classes.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            offsets.append(i)
            if lead < 0x80 {
                classes.append(asciiClasses[Int(lead)])
                i += 1
                continue
            }
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for k in 1..<length { value = value << 6 | (UInt32(bytes[i + k]) & 0x3F) }
            classes.append(classify(Unicode.Scalar(value) ?? "\u{FFFD}"))
            i += length
        }
        offsets.append(bytes.count)
        let n = classes.count

        func isByte(_ k: Int, _ b: UInt8) -> Bool { k < n && offsets[k + 1] - offsets[k] == 1 && bytes[offsets[k]] == b }
        func run(from k: Int, of c: ScalarClass) -> Int {
            var j = k
            while j < n && classes[j] == c { j += 1 }
            return j
        }

        var start = 0
        while start < n {
            var end: Int
            if let contraction = contractionLength(at: start, isByte: isByte) {
                end = start + contraction
            } else {
                let leadingSpace = isByte(start, 0x20) && start + 1 < n && classes[start + 1] != .space
                let c = leadingSpace ? classes[start + 1] : classes[start]
                if c != .space {
                    // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
                    end = run(from: leadingSpace ? start + 1 : start, of: c)
                } else {
                    // `\s+(?!\S)` leaves the run's last space to the next piece when a non-space follows;
                    // a single space before a non-space falls through to `\s+`.
                    let spaces = run(from: start, of: .space)
                    end = spaces == n || spaces - start == 1 ? spaces : spaces - 1
                }
            }
            emit(offsets[start]..<offsets[end])
            start = end
        }
    }

    /// Scalar length of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll` or `'d` at `k`, if one starts there.
    private static func contractionLength(at k: Int, isByte: (Int, UInt8) -> Bool) -> Int? {
        guard isByte(k, UInt8(ascii: "'")) else { return nil }
        for c in "stmd".utf8 where isByte(k + 1, c) { return 2 }
        for (a, b) in [("r", "e"), ("v", "e"), ("l", "l")] as [(Unicode.Scalar, Unicode.Scalar)]
        where isByte(k + 1, UInt8(ascii: a)) && isByte(k + 2, UInt8(ascii: b)) {
            return 3
        }
        return nil
    }
}
