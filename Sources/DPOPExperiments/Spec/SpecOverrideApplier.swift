import Yams

/// Applies command-line overrides to a spec's composed YAML tree, before the tree is read and checked.
///
/// Nodes an override creates are composed on a line of their own past the file's last line (the
/// first override on line `fileLineCount + 1`, and so on), so whatever the reader later finds wrong
/// with them is reported against the argument, while the file's own nodes keep their positions.
struct SpecOverrideApplier {
    let overrides: [SpecOverride]
    let fileLineCount: Int
    private(set) var diagnostics: [SpecDiagnostic] = []

    init(overrides: [SpecOverride], fileLineCount: Int) {
        self.overrides = overrides
        self.fileLineCount = fileLineCount
    }

    /// The virtual line of override `i`.
    func line(of i: Int) -> Int { fileLineCount + 1 + i }

    /// The override a position past the file belongs to.
    func override(atLine line: Int) -> SpecOverride? {
        let i = line - fileLineCount - 1
        return overrides.indices.contains(i) ? overrides[i] : nil
    }

    /// Keys that are neither settings nor axes but may be set.
    private static let topLevelScalars = ["name", "description", "seeds"]

    /// The tree with every override applied (a missing tree becomes a mapping).
    mutating func apply(to root: Node?) -> Node? {
        var top: [(Node, Node)] = []
        var topStyle = Node.Mapping.Style.block
        var topMark: Mark?
        if let root {
            guard case .mapping(let m) = root else { return root }  // the reader reports a non-mapping
            top = m.map { ($0.key, $0.value) }
            topStyle = m.style
            topMark = m.mark
        }
        for (i, o) in overrides.enumerated() {
            apply(o, index: i, to: &top)
        }
        return .mapping(Node.Mapping(top, .implicit, topStyle, topMark))
    }

    private mutating func fail(_ o: SpecOverride, _ message: String, hint: String? = nil) {
        diagnostics.append(SpecOverride.diagnostic(argument: o.argument, position: o.position, message: message, hint: hint))
    }

    /// YAML text composed on override `index`'s virtual line.
    private mutating func compose(_ text: String, index: Int, for o: SpecOverride) -> Node? {
        let padding = String(repeating: "\n", count: line(of: index) - 1)
        do {
            guard let node = try Yams.compose(yaml: padding + text) else {
                return .scalar(Node.Scalar("", .implicit, .plain, keyNode("k", index: index).mark))
            }
            return node
        } catch {
            fail(o, "the value '\(text)' is not YAML: \(error)", hint: "quote text with special characters: key='a: b'")
            return nil
        }
    }

    /// A plain string key node on override `index`'s virtual line.
    private func keyNode(_ name: String, index: Int) -> Node {
        let padding = String(repeating: "\n", count: line(of: index) - 1)
        let quoted = "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
        let mark = (try? Yams.compose(yaml: padding + quoted))??.mark
        return .scalar(Node.Scalar(name, Tag(.str), .plain, mark))
    }

    private mutating func apply(_ o: SpecOverride, index: Int, to top: inout [(Node, Node)]) {
        var key = o.key
        var explicitAxis = false
        if key.hasPrefix("grid.") {
            key = String(key.dropFirst("grid.".count))
            explicitAxis = true
        }
        let setting = SpecKey.axis(named: key)
        if !explicitAxis, Self.topLevelScalars.contains(key) {
            switch o.action {
            case .set(let text):
                guard let value = compose(text, index: index, for: o) else { return }
                if key == "seeds" { removeAxis(path: "seed", from: &top) }
                setEntry(key, to: value, index: index, in: &top)
            case .sweep:
                fail(o, "'\(key)' is not an axis; set it with \(key)=VALUE",
                     hint: key == "seeds" ? "seeds=[0,1,2] lists seeds; seed=0,1,2 makes the seed a grid axis" : nil)
            case .remove:
                if !removeEntry(key, from: &top) { fail(o, "nothing to remove: the spec has no '\(key)'") }
            }
            return
        }
        if !explicitAxis, key.hasPrefix("data.buckets."), key.count > "data.buckets.".count {
            let bucket = String(key.dropFirst("data.buckets.".count))
            switch o.action {
            case .set(let text):
                guard let value = compose(text, index: index, for: o) else { return }
                editSection(["data", "buckets"], in: &top, index: index) { setEntry(bucket, to: value, index: index, in: &$0) }
            case .sweep:
                fail(o, "a bucket's bounds are one value, [lo, hi]", hint: "quote or bracket it: \(key)=[1,3]")
            case .remove:
                var removed = false
                editSection(["data", "buckets"], in: &top, index: index) { removed = removeEntry(bucket, from: &$0) }
                if !removed { fail(o, "nothing to remove: data.buckets has no '\(bucket)'") }
            }
            return
        }
        guard let setting else {
            let candidates = Self.topLevelScalars + SpecKey.axisNames + SpecKey.axisNames.map { "grid.\($0)" }
            fail(o, "unknown key '\(o.key)'",
                 hint: Suggestion.hint(for: o.key, among: candidates)
                    ?? "keys are a setting's dotted path (train.steps), an axis (loss, beta, lambda, bucket, seed, …), name, description, seeds, data.buckets.NAME or grid.AXIS")
            return
        }
        let axisName = setting.shortName ?? setting.path
        if zipGroupVaries(setting.path, in: top) {
            fail(o, "'\(key)' is varied by a zip group of the spec; change it there",
                 hint: "a command-line axis and a zip group over one setting would disagree")
            return
        }
        switch o.action {
        case .sweep(let texts):
            var values: [Node] = []
            for t in texts {
                guard let v = compose(t, index: index, for: o) else { return }
                values.append(v)
            }
            removeAxis(path: setting.path, from: &top)
            let list = Node.sequence(Node.Sequence(values, .implicit, .flow, keyNode(axisName, index: index).mark))
            editSection(["grid"], in: &top, index: index) { setEntry(axisName, to: list, index: index, in: &$0) }
        case .set(let text):
            guard let value = compose(text, index: index, for: o) else { return }
            removeAxis(path: setting.path, from: &top)
            if explicitAxis || setting.section == nil, setting.path != "seed" {
                // grid.beta=0.3, or bucket=low: an axis of one value (bucket has no setting outside the grid).
                let list = Node.sequence(Node.Sequence([value], .implicit, .flow, value.mark))
                editSection(["grid"], in: &top, index: index) { setEntry(axisName, to: list, index: index, in: &$0) }
            } else if setting.path == "seed" {
                let list = Node.sequence(Node.Sequence([value], .implicit, .flow, value.mark))
                setEntry("seeds", to: list, index: index, in: &top)
            } else {
                editSection([setting.section!], in: &top, index: index) { setEntry(setting.field, to: value, index: index, in: &$0) }
            }
        case .remove:
            if removeAxis(path: setting.path, from: &top) { return }
            guard !explicitAxis, let section = setting.section else {
                fail(o, "nothing to remove: the grid has no axis '\(key)'")
                return
            }
            var removed = false
            editSection([section], in: &top, index: index, create: false) { removed = removeEntry(setting.field, from: &$0) }
            if !removed { fail(o, "nothing to remove: '\(setting.path)' is neither a grid axis nor set in the spec") }
        }
    }

    // MARK: - Tree edits

    private static func name(_ node: Node) -> String? { node.scalar?.string }

    /// Sets `key` in `pairs` (replacing an existing entry in place, keeping the file's order).
    private func setEntry(_ key: String, to value: Node, index: Int, in pairs: inout [(Node, Node)]) {
        let k = keyNode(key, index: index)
        if let i = pairs.firstIndex(where: { Self.name($0.0) == key }) {
            pairs[i] = (k, value)
        } else {
            pairs.append((k, value))
        }
    }

    @discardableResult
    private func removeEntry(_ key: String, from pairs: inout [(Node, Node)]) -> Bool {
        guard let i = pairs.firstIndex(where: { Self.name($0.0) == key }) else { return false }
        pairs.remove(at: i)
        return true
    }

    /// Edits the mapping at `path` (created when missing, unless `create` is false). A value there that
    /// is not a mapping is replaced, so that the reader sees the override rather than the bad value.
    private func editSection(_ path: [String], in pairs: inout [(Node, Node)], index: Int, create: Bool = true,
                             _ edit: (inout [(Node, Node)]) -> Void) {
        guard let first = path.first else {
            edit(&pairs)
            return
        }
        let i = pairs.firstIndex(where: { Self.name($0.0) == first })
        var inner: [(Node, Node)] = []
        var style = Node.Mapping.Style.block
        var mark = keyNode(first, index: index).mark
        if let i, case .mapping(let m) = pairs[i].1 {
            inner = m.map { ($0.key, $0.value) }
            style = m.style
            mark = m.mark
        } else if !create {
            return
        }
        editSection(Array(path.dropFirst()), in: &inner, index: index, create: create, edit)
        let node = Node.mapping(Node.Mapping(inner, .implicit, style, mark))
        if let i { pairs[i].1 = node } else { pairs.append((keyNode(first, index: index), node)) }
    }

    /// Removes the grid axis over `path` (written as its short name or its path); true if there was one.
    @discardableResult
    private func removeAxis(path: String, from top: inout [(Node, Node)]) -> Bool {
        guard let g = top.firstIndex(where: { Self.name($0.0) == "grid" }), case .mapping(let grid) = top[g].1 else { return false }
        var pairs = grid.map { ($0.key, $0.value) }
        let before = pairs.count
        pairs.removeAll { pair in Self.name(pair.0).flatMap(SpecKey.axis(named:))?.path == path }
        guard pairs.count != before else { return false }
        top[g].1 = .mapping(Node.Mapping(pairs, .implicit, grid.style, grid.mark))
        return true
    }

    /// Whether a `zip:` group of the spec varies the setting at `path`.
    private func zipGroupVaries(_ path: String, in top: [(Node, Node)]) -> Bool {
        guard let z = top.first(where: { Self.name($0.0) == "zip" }), case .sequence(let groups) = z.1 else { return false }
        return groups.contains { group in
            guard case .mapping(let m) = group else { return false }
            return m.keys.contains { Self.name($0).flatMap(SpecKey.axis(named:))?.path == path }
        }
    }
}
