import DPOPTrainer
import Foundation
import Yams

/// Reads the composed YAML tree of a spec into a `SpecDocument`, checking every key and every value on its own.
///
/// Problems go to the log and reading goes on, so one pass reports all of them. A bad value is dropped
/// (its setting keeps the default, its axis disappears) so that it does not cause follow-on errors.
struct SpecReader {
    let log: DiagnosticLog
    /// Absolute folder of the spec file; `data.path` is relative to it.
    let specDirectory: String

    static let topLevelKeys = ["name", "description", "seeds", "model", "data", "sft", "train", "loss", "grid", "zip", "exclude"]

    /// A `when` or `exclude` waiting until every axis is known.
    private struct Pending {
        var whens: [(axisName: String, axisPath: String, node: Node)] = []
        var exclude: Node?
        /// Settings named as axes, including ones dropped for bad values (so references to them stay quiet).
        var namedAxisPaths: Set<String> = []
        /// The names those axes were written under, in order, for did-you-mean hints.
        var namedAxisNames: [String] = []
    }

    func read(_ root: Node?) -> SpecDocument {
        var doc = SpecDocument()
        guard let root else {
            log.error("the spec is empty", at: .start, hint: "a spec needs at least a 'name:'")
            return doc
        }
        doc.rootPosition = SpecPosition(root)
        guard case .mapping(let top) = root else {
            log.error("a spec is a mapping of keys (name:, model:, grid:, …), not \(describe(root))", at: SpecPosition(root))
            return doc
        }
        var pending = Pending()
        var seeds: GridFactor?
        for (k, v) in top {
            guard let key = keyName(k) else { continue }
            let at = SpecPosition(k)
            switch key {
            case "name":
                doc.name = readName(v, keyPosition: at)
            case "description":
                if let s = scalarText(v, what: "description", expectation: "a line of text", keyPosition: at) {
                    doc.description = s
                }
            case "seeds":
                seeds = readSeeds(v, keyPosition: at)
            case "model", "sft", "train", "loss":
                readSection(key, v, into: &doc)
            case "data":
                doc.dataPosition = at
                readSection(key, v, into: &doc)
            case "grid":
                doc.gridPosition = at
                readGrid(v, into: &doc, pending: &pending)
            case "zip":
                readZip(v, into: &doc, pending: &pending)
            case "exclude":
                doc.excludePosition = at
                pending.exclude = v
            default:
                log.error("unknown key '\(key)' at the top level of the spec", at: at,
                          hint: Suggestion.hintOrList(for: key, among: Self.topLevelKeys, what: "valid keys"))
            }
        }
        if doc.name == nil, !top.keys.contains(where: { $0.string == "name" }) {
            log.error("missing required key 'name'", at: doc.rootPosition,
                      hint: "add e.g. 'name: my-experiment' (letters, digits, - and _); it names the results folder")
        }
        // A `seed` axis in the grid or a zip replaces the `seeds` list.
        if !doc.factors.contains(where: { $0.axes.contains { $0.key.path == SpecKey.seed.path } }) {
            doc.factors.append(seeds ?? GridFactor(
                axes: [GridAxis(name: "seed", key: .seed, position: nil, values: [LocatedValue(.uint(0), at: nil)])],
                position: nil))
        }
        checkBucketNames(doc)
        checkJoinedAxes(doc)
        resolveWhens(pending, into: &doc)
        if let node = pending.exclude {
            doc.excludes = readExcludes(node, doc: doc, pending: pending)
        }
        // File order is loop order; the default seed (written nowhere) goes last.
        doc.factors = doc.factors.enumerated().sorted {
            switch ($0.element.position, $1.element.position) {
            case let (a?, b?): return a != b ? a < b : $0.offset < $1.offset
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return $0.offset < $1.offset
            }
        }.map(\.element)
        return doc
    }

    // MARK: - Top-level keys

    private func readName(_ node: Node, keyPosition: SpecPosition) -> String? {
        guard let s = scalarText(node, what: "name", expectation: "a name like my-experiment", keyPosition: keyPosition) else {
            return nil
        }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        guard !s.isEmpty, s.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            log.error("name '\(s)' may use only letters, digits, '-' and '_'", at: SpecPosition(node),
                      hint: "it becomes the results folder name")
            return nil
        }
        // Folder and file names (results/<name>/, spec-<sha>.yaml, …) must stay under NAME_MAX (255 bytes).
        guard s.utf8.count <= Self.maxNameLength else {
            log.error("name is \(s.utf8.count) characters long; it names the results folder, so at most \(Self.maxNameLength)",
                      at: SpecPosition(node), hint: "use a shorter name; put the details in 'description:'")
            return nil
        }
        return s
    }

    /// Longest experiment name, in bytes.
    static let maxNameLength = 200

    private func readSeeds(_ node: Node, keyPosition: SpecPosition) -> GridFactor? {
        guard case .sequence = node else {
            log.error("seeds must be a list like [0, 1, 2], got \(describe(node))", at: SpecPosition(node))
            return nil
        }
        guard let values = readValues(node, as: .seed, what: "seeds") else { return nil }
        return GridFactor(axes: [GridAxis(name: "seed", key: .seed, position: keyPosition, values: values)],
                          position: keyPosition)
    }

    private func readSection(_ section: String, _ node: Node, into doc: inout SpecDocument) {
        if isNull(node) { return }
        guard case .mapping(let m) = node else {
            log.error("'\(section)' must be a mapping of settings, got \(describe(node))", at: SpecPosition(node))
            return
        }
        // `loss.weights` belongs to a `loss.type` list: both are read together.
        let weights = section == "loss" ? m.first(where: { $0.key.string == "weights" }) : nil
        for (k, v) in m {
            guard let field = keyName(k) else { continue }
            if section == "loss" && field == "weights" {
                if case .sequence = m.first(where: { $0.key.string == "type" })?.value {} else {
                    log.error("loss.weights needs loss.type to be a list of losses to weigh", at: SpecPosition(k),
                              hint: "write loss: {type: [dpo, sft], weights: [1.0, 0.5]}")
                }
                continue
            }
            if section == "loss" && field == "type", case .sequence(let members) = v {
                if let value = lossCombination(Array(members), weights: weights?.value, at: SpecPosition(v), what: "loss.type") {
                    doc.settings["loss.type"] = value
                }
                continue
            }
            if section == "data" && field == "buckets" {
                doc.bucketsPosition = SpecPosition(k)
                doc.buckets = readBuckets(v)
                continue
            }
            if section == "data" && (field == "task" || field == "path") {
                // Even when its value is bad, the source was given: no "needs task or path" on top.
                doc.dataSourceWritten = true
            }
            guard let key = SpecKey.key(section: section, field: field) else {
                log.error("unknown key '\(field)' in \(section)", at: SpecPosition(k),
                          hint: Suggestion.hintOrList(for: field, among: SpecKey.fields(of: section), what: "valid keys"))
                continue
            }
            if let value = value(v, as: key, what: key.path, keyPosition: SpecPosition(k)) {
                doc.settings[key.path] = value
            }
        }
    }

    private func readBuckets(_ node: Node) -> [BucketDefinition] {
        if isNull(node) { return [] }
        guard case .mapping(let m) = node else {
            log.error("data.buckets must be a mapping like {low: [0, 3], high: [4, .inf]}, got \(describe(node))",
                      at: SpecPosition(node))
            return []
        }
        var out: [BucketDefinition] = []
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-."))
        for (k, v) in m {
            guard let name = keyName(k) else { continue }
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
                log.error("bucket name '\(name)' may use only letters, digits, '_', '-' and '.'", at: SpecPosition(k))
                continue
            }
            guard case .sequence(let s) = v, s.count == 2 else {
                log.error("bucket '\(name)' must be a range [lo, hi] (inclusive; hi may be .inf; quantiles with data.quantile: true), got \(describe(v))",
                          at: SpecPosition(v))
                continue
            }
            let items = Array(s)
            var bounds: [Double] = []
            var positions: [SpecPosition] = []
            for (i, item) in items.enumerated() {
                let which = i == 0 ? "lower" : "upper"
                guard case .scalar(let sc) = item, let x = SpecValue.number(sc.string), !x.isNaN else {
                    log.error("\(which) bound of bucket '\(name)' must be a number, got \(describe(item))", at: SpecPosition(item))
                    continue
                }
                // Signs are the statistic's to check (CHES may be negative; edit distances may not), in `CellBuilder`.
                guard x != (i == 0 ? Double.infinity : -Double.infinity) else {
                    log.error("\(which) bound of bucket '\(name)' cannot be \(sc.string)", at: SpecPosition(item))
                    continue
                }
                bounds.append(x)
                positions.append(SpecPosition(item))
            }
            guard bounds.count == 2 else { continue }
            out.append(BucketDefinition(name: name, lo: bounds[0], hi: bounds[1], position: SpecPosition(k),
                                        loPosition: positions[0], hiPosition: positions[1]))
        }
        return out
    }

    // MARK: - Grid, zip, exclude

    private func readGrid(_ node: Node, into doc: inout SpecDocument, pending: inout Pending) {
        if isNull(node) { return }
        guard case .mapping(let m) = node else {
            log.error("grid must be a mapping of axis: [values], got \(describe(node))", at: SpecPosition(node))
            return
        }
        var seen: [String: (name: String, at: SpecPosition)] = [:]
        for (k, v) in m {
            guard let name = keyName(k) else { continue }
            let at = SpecPosition(k)
            guard let key = axisKey(name, at: at, in: "grid") else { continue }
            pending.namedAxisPaths.insert(key.path)
            if !pending.namedAxisNames.contains(name) { pending.namedAxisNames.append(name) }
            if let first = seen[key.path] {
                log.error("axis '\(name)' varies the same setting as '\(first.name)' (line \(first.at.line))", at: at,
                          hint: "list all its values under one of the names")
                continue
            }
            seen[key.path] = (name, at)
            var valuesNode: Node? = v
            var whenNode: Node?
            if case .mapping(let spec) = v {
                valuesNode = nil
                for (sk, sv) in spec {
                    switch keyName(sk) {
                    case "values"?: valuesNode = sv
                    case "when"?: whenNode = sv
                    case let other?:
                        log.error("unknown key '\(other)' in grid axis '\(name)'", at: SpecPosition(sk),
                                  hint: Suggestion.hintOrList(for: other, among: ["values", "when"], what: "valid keys"))
                    case nil: break
                    }
                }
                if valuesNode == nil {
                    log.error("grid axis '\(name)' has no 'values'", at: at,
                              hint: "write \(name): {values: [...], when: {...}} or just \(name): [...]")
                    continue
                }
            }
            guard let listNode = valuesNode else { continue }
            guard case .sequence = listNode else {
                log.error("grid axis '\(name)' must be a list of values, got \(describe(listNode))", at: SpecPosition(listNode),
                          hint: "write \(name): [\(listNode.string ?? "...")]")
                continue
            }
            guard let values = readValues(listNode, as: key, what: "grid axis '\(name)'") else { continue }
            doc.factors.append(GridFactor(axes: [GridAxis(name: name, key: key, position: at, values: values)], position: at))
            if let whenNode {
                pending.whens.append((name, key.path, whenNode))
            }
        }
    }

    private func readZip(_ node: Node, into doc: inout SpecDocument, pending: inout Pending) {
        if isNull(node) { return }
        guard case .sequence(let groups) = node else {
            log.error("zip must be a list of groups like - {train.lr: [1e-4, 5e-5], beta: [0.1, 0.3]}, got \(describe(node))",
                      at: SpecPosition(node))
            return
        }
        for group in groups {
            guard case .mapping(let m) = group, !m.isEmpty else {
                log.error("a zip group must be a mapping of axis: [values], got \(describe(group))", at: SpecPosition(group))
                continue
            }
            var axes: [GridAxis] = []
            var lists: [Node] = []
            var ok = true
            var seen: [String: String] = [:]
            for (k, v) in m {
                guard let name = keyName(k) else { ok = false; continue }
                let at = SpecPosition(k)
                guard let key = axisKey(name, at: at, in: "zip") else { ok = false; continue }
                pending.namedAxisPaths.insert(key.path)
                if !pending.namedAxisNames.contains(name) { pending.namedAxisNames.append(name) }
                if let first = seen[key.path] {
                    log.error("zip axis '\(name)' varies the same setting as '\(first)' in this group", at: at)
                    ok = false
                    continue
                }
                seen[key.path] = name
                guard case .sequence = v else {
                    log.error("zip axis '\(name)' must be a list of values, got \(describe(v))", at: SpecPosition(v))
                    ok = false
                    continue
                }
                guard let values = readValues(v, as: key, what: "zip axis '\(name)'") else { ok = false; continue }
                axes.append(GridAxis(name: name, key: key, position: at, values: values))
                lists.append(v)
            }
            guard ok, let first = axes.first else { continue }
            for (axis, list) in zip(axes, lists).dropFirst() where axis.values.count != first.values.count {
                log.error("zip lists must have equal lengths: '\(first.name)' has \(first.values.count) values, '\(axis.name)' has \(axis.values.count)",
                          at: SpecPosition(list), hint: "a zip group steps its lists together, one value of each per cell")
                ok = false
            }
            if ok {
                doc.factors.append(GridFactor(axes: axes, position: SpecPosition(group)))
            }
        }
    }

    private func readExcludes(_ node: Node, doc: SpecDocument, pending: Pending) -> [ExcludeRule] {
        if isNull(node) { return [] }
        guard case .sequence(let entries) = node else {
            log.error("exclude must be a list of entries like - {loss: ipo, beta: 0.3}, got \(describe(node))", at: SpecPosition(node))
            return []
        }
        var rules: [ExcludeRule] = []
        for entry in entries {
            guard case .mapping(let m) = entry, !m.isEmpty else {
                log.error("an exclude entry must be a mapping like {loss: ipo, beta: 0.3}, got \(describe(entry))",
                          at: SpecPosition(entry))
                continue
            }
            var matches: [(key: SpecKey, values: [SpecValue])] = []
            var ok = true
            for (k, v) in m {
                guard let name = keyName(k),
                      let (key, axes) = referencedAxis(name, at: SpecPosition(k), doc: doc, pending: pending,
                                                        problem: { "exclude key '\($0)' is not an axis of this grid" }),
                      let values = matchValues(v, key: key, axes: axes, name: name, what: "exclude value for '\(name)'")
                else { ok = false; continue }
                matches.append((key, values))
            }
            if ok { rules.append(ExcludeRule(entries: matches, position: SpecPosition(entry))) }
        }
        return rules
    }

    private func resolveWhens(_ pending: Pending, into doc: inout SpecDocument) {
        for (axisName, axisPath, node) in pending.whens {
            guard case .mapping(let m) = node, !m.isEmpty else {
                log.error("'when' of axis '\(axisName)' must be a mapping like {loss: dpop}, got \(describe(node))", at: SpecPosition(node))
                continue
            }
            if doc.factors.filter({ $0.axes.contains { $0.key.path == axisPath } }).count > 1 {
                log.error("axis '\(axisName)' has a 'when' but its setting is also varied in another place", at: SpecPosition(node),
                          hint: "vary a conditional setting in one place only")
                continue
            }
            var conditions: [AxisCondition] = []
            var ok = true
            for (k, v) in m {
                guard let name = keyName(k),
                      let (key, axes) = referencedAxis(name, at: SpecPosition(k), doc: doc, pending: pending, problem: {
                          "'when' of axis '\(axisName)' refers to '\($0)', which is not an axis of this grid"
                      })
                else { ok = false; continue }
                if key.path == axisPath {
                    log.error("'when' of axis '\(axisName)' refers to the axis itself", at: SpecPosition(k))
                    ok = false
                    continue
                }
                guard let values = matchValues(v, key: key, axes: axes, name: name, what: "'when' value for '\(name)'") else {
                    ok = false
                    continue
                }
                conditions.append(AxisCondition(key: key, values: values))
            }
            guard ok else {
                // Varying it everywhere would report errors about cells the author never meant to have.
                doc.factors.removeAll { $0.axes.contains { $0.key.path == axisPath } }
                continue
            }
            for f in doc.factors.indices {
                for a in doc.factors[f].axes.indices where doc.factors[f].axes[a].key.path == axisPath {
                    doc.factors[f].axes[a].conditions = conditions
                }
            }
        }
    }

    /// The axis a `when` or `exclude` key names, with every axis varying that setting; reports names that are no axis.
    private func referencedAxis(_ name: String, at: SpecPosition, doc: SpecDocument, pending: Pending,
                                problem: (String) -> String) -> (SpecKey, [GridAxis])? {
        let axes = doc.factors.flatMap(\.axes)
        if let key = SpecKey.axis(named: name) {
            let matching = axes.filter { $0.key.path == key.path }
            if !matching.isEmpty { return (key, matching) }
            // The axis was written but dropped for a bad value, which has its own error already.
            if pending.namedAxisPaths.contains(key.path) { return nil }
        }
        // axes dropped for a bad value still count as candidates: a typo of their name deserves its hint
        var names: [String] = []
        for n in axes.map(\.name) + pending.namedAxisNames where !names.contains(n) { names.append(n) }
        log.error(problem(name), at: at,
                  hint: Suggestion.hintOrList(for: name, among: names, what: "axes"))
        return nil
    }

    /// Values of a `when` or `exclude` entry (one or a list), each required to occur on the axis.
    private func matchValues(_ node: Node, key: SpecKey, axes: [GridAxis], name: String, what: String) -> [SpecValue]? {
        let items: [Node]
        if case .sequence(let s) = node {
            guard !s.isEmpty else {
                log.error("\(what) is an empty list", at: SpecPosition(node))
                return nil
            }
            items = Array(s)
        } else {
            items = [node]
        }
        var out: [SpecValue] = []
        var ok = true
        let occurring = axes.flatMap(\.values)
        for item in items {
            guard let v = value(item, as: key, what: what) else { ok = false; continue }
            guard occurring.contains(where: { $0.value == v.value }) else {
                var listed: [String] = []
                for o in occurring where !listed.contains(o.text) { listed.append(o.text) }
                log.error("\(what) \(v.text) never occurs: '\(name)' takes \(listed.joined(separator: ", "))", at: SpecPosition(item))
                ok = false
                continue
            }
            out.append(v.value)
        }
        return ok ? out : nil
    }

    private func checkBucketNames(_ doc: SpecDocument) {
        let defined = doc.buckets.map(\.name)
        for axis in doc.factors.flatMap(\.axes) where axis.key.path == SpecKey.bucket.path {
            for v in axis.values {
                guard let name = v.value.stringValue, !defined.contains(name), name != PreferenceRunConfig.allPairsBucket else { continue }
                let hint = defined.isEmpty
                    ? "define buckets under data, e.g. buckets: {low: [0, 3], high: [4, .inf]}"
                    : Suggestion.hintOrList(for: name, among: defined, what: "data.buckets defines") + " (or `all` for every pair)"
                log.error("bucket '\(name)' is not defined in data.buckets", at: v.position ?? doc.rootPosition, hint: hint)
            }
        }
    }

    /// A setting varied in two places keeps only the combinations where both agree, so every value must occur in both.
    private func checkJoinedAxes(_ doc: SpecDocument) {
        let axes = doc.factors.flatMap(\.axes)
        for (i, a) in axes.enumerated() {
            for b in axes[...].dropFirst(i + 1) where b.key.path == a.key.path {
                for (x, y) in [(a, b), (b, a)] {
                    let occurring = Set(y.values.map(\.value))
                    for v in x.values where !occurring.contains(v.value) {
                        let line = y.position.map { " (line \($0.line))" } ?? ""
                        log.error("value \(v.text) of '\(x.name)' never occurs on '\(y.name)'\(line), so no cell would have it",
                                  at: v.position ?? doc.rootPosition,
                                  hint: "a setting varied in both grid and zip keeps only the combinations where both give the same value")
                    }
                }
            }
        }
    }

    private func axisKey(_ name: String, at: SpecPosition, in place: String) -> SpecKey? {
        if let key = SpecKey.axis(named: name) { return key }
        let hint = Suggestion.hint(for: name, among: SpecKey.axisNames)
            ?? "axes are loss, beta, lambda, placement, epsilon, gamma, alpha, bucket, seed or a setting's dotted path like train.lr"
        log.error("unknown key '\(name)' in \(place)", at: at, hint: hint)
        return nil
    }

    // MARK: - Values

    /// A non-empty list of values, each checked; nil if any is bad (already reported) or one repeats.
    private func readValues(_ node: Node, as key: SpecKey, what: String) -> [LocatedValue]? {
        guard case .sequence(let s) = node else { return nil }
        guard !s.isEmpty else {
            log.error("\(what) has no values", at: SpecPosition(node))
            return nil
        }
        var out: [LocatedValue] = []
        // A hash set, not a scan of `out`: an axis of 200,000 values is refused in milliseconds, not minutes.
        var seen: Set<SpecValue> = []
        var ok = true
        for item in s {
            guard let v = value(item, as: key, what: what) else { ok = false; continue }
            if !seen.insert(v.value).inserted {
                log.error("\(what) lists \(v.text) twice", at: SpecPosition(item))
                ok = false
                continue
            }
            out.append(v)
        }
        return ok ? out : nil
    }

    /// One value checked against the key's type and range; nil (after reporting) if it is bad.
    func value(_ node: Node, as key: SpecKey, what: String, keyPosition: SpecPosition? = nil) -> LocatedValue? {
        let at = SpecPosition(node)
        if case .corruption = key.kind, case .mapping(let m) = node {
            return corruption(m, at: at, what: what)
        }
        if case .lossKind = key.kind {
            // A combination as a value: [dpo, sft] or {type: [dpo, sft], weights: [1, 0.5]}.
            if case .sequence(let members) = node { return lossCombination(Array(members), weights: nil, at: at, what: what) }
            if case .mapping(let m) = node { return lossCombination(m, at: at, what: what) }
        }
        guard case .scalar(let scalar) = node else {
            log.error("\(what) must be \(expectation(key.kind)), got \(describe(node))", at: at)
            return nil
        }
        if isNull(node) {
            log.error("\(what) has no value", at: keyPosition ?? at, hint: "write \(expectation(key.kind))")
            return nil
        }
        let text = scalar.string
        switch key.kind {
        case .integer(let setting):
            guard let v = SpecValue.integer(text) else {
                log.error("\(what) must be a whole number, got '\(text)'", at: at)
                return nil
            }
            do { try setting.check(v) } catch {
                log.error(error.message(naming: what), at: at, hint: error.hint)
                return nil
            }
            return LocatedValue(.int(v), text: text, at: at)
        case .seed:
            guard let v = UInt64(text) ?? SpecValue.integer(text).flatMap({ $0 >= 0 ? UInt64($0) : nil }) else {
                log.error("\(what) must be a whole number >= 0, got '\(text)'", at: at)
                return nil
            }
            return LocatedValue(.uint(v), text: text, at: at)
        case .real(let setting):
            guard let v = SpecValue.number(text) else {
                log.error("\(what) must be a number, got '\(text)'", at: at)
                return nil
            }
            do { try setting.check(v, text: text) } catch {
                log.error(error.message(naming: what), at: at, hint: error.hint)
                return nil
            }
            return LocatedValue(.double(v), text: text, at: at)
        case .float(let setting):
            guard let v = SpecValue.number(text) else {
                log.error("\(what) must be a number, got '\(text)'", at: at)
                return nil
            }
            do { try setting.check(v, text: text) } catch {
                log.error(error.message(naming: what), at: at, hint: error.hint)
                return nil
            }
            return LocatedValue(.double(v), text: text, at: at)
        case .choice(let options):
            guard options.contains(text) else {
                log.error("\(what) must be \(options.map { "'\($0)'" }.joined(separator: " or ")), got '\(text)'", at: at,
                          hint: Suggestion.hint(for: text, among: options))
                return nil
            }
            return LocatedValue(.string(text), at: at)
        case .flag:
            guard let v = SpecValue.flag(text) else {
                log.error("\(what) must be true or false, got '\(text)'", at: at)
                return nil
            }
            return LocatedValue(.bool(v), text: text, at: at)
        case .lossKind:
            let terms: [PreferenceLossTerm]
            do { terms = try PreferenceLossTerm.parse(text) } catch {
                let names = PreferenceLossKind.allNames
                let hint = error.problem.hasPrefix("unknown loss") ? Suggestion.hintOrList(for: error.member, among: names, what: "losses") : nil
                log.error(error.problem, at: at, hint: hint)
                return nil
            }
            // An alias (sigmoid) is stored as the loss it names, and a combination by its label, so conditions,
            // excludes and labels see one name; a combination is labelled by that name too.
            let label = PreferenceLossTerm.label(terms)
            return LocatedValue(.string(label), text: terms.count == 1 && terms[0].weight == 1 ? text : label, at: at)
        case .corruption:
            return corruption(text, at: at, what: what)
        case .file:
            let resolved = Self.resolve(text, in: specDirectory)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) else {
                log.error("\(what): no file at '\(resolved)'", at: at,
                          hint: "a relative path is relative to the spec's folder, \(specDirectory)")
                return nil
            }
            guard !isDirectory.boolValue else {
                log.error("\(what): '\(resolved)' is a folder, not a pairs file", at: at)
                return nil
            }
            if let kind = TextFile.nonRegularKind(resolved) {
                log.error("\(what): '\(resolved)' is \(kind), not a pairs file", at: at,
                          hint: "data.path names a JSONL file, one {\"prompt\", \"chosen\", \"rejected\"} object per line")
                return nil
            }
            return LocatedValue(.string(Self.normalise(text)), at: at)
        case .folder:
            let resolved = Self.resolve(text, in: specDirectory)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
                log.error("\(what): no folder at '\(resolved)'", at: at,
                          hint: "a checkpoint folder (config.json, model.safetensors, tokenizer files); a relative path is relative to the spec's folder, \(specDirectory)")
                return nil
            }
            return LocatedValue(.string(Self.normalise(text)), at: at)
        case .bucketName:
            return LocatedValue(.string(text), at: at)
        }
    }

    /// `{type: [dpo, sft], weights: [1, 0.5]}` as a loss value.
    private func lossCombination(_ m: Node.Mapping, at: SpecPosition, what: String) -> LocatedValue? {
        var typeNode: Node?
        var weightsNode: Node?
        for (k, v) in m {
            switch keyName(k) {
            case "type"?: typeNode = v
            case "weights"?: weightsNode = v
            case let other?:
                log.error("unknown key '\(other)' in the loss combination of \(what)", at: SpecPosition(k),
                          hint: Suggestion.hintOrList(for: other, among: ["type", "weights"], what: "valid keys"))
                return nil
            case nil: return nil
            }
        }
        guard let typeNode, case .sequence(let members) = typeNode else {
            log.error("a loss combination in \(what) needs 'type' as a list of losses", at: typeNode.map(SpecPosition.init) ?? at,
                      hint: "write {type: [dpo, sft], weights: [1.0, 0.5]}")
            return nil
        }
        return lossCombination(Array(members), weights: weightsNode, at: SpecPosition(typeNode), what: what)
    }

    /// A combination from its member nodes and optional weights list (1 each when absent), every problem at
    /// the member or weight it concerns; stored by its label (`0.8·dpo+0.2·bco_pair+sft`).
    private func lossCombination(_ members: [Node], weights: Node?, at: SpecPosition, what: String) -> LocatedValue? {
        guard !members.isEmpty else {
            log.error("\(what) is an empty list of losses", at: at)
            return nil
        }
        var terms: [PreferenceLossTerm] = []
        var ok = true
        for member in members {
            guard case .scalar(let s) = member, !isNull(member) else {
                log.error("\(what): a combination's member must be one loss name; nested combinations are not allowed, got \(describe(member))",
                          at: SpecPosition(member), hint: "list every loss once at the top level, e.g. [dpo, bco_pair, sft]")
                ok = false
                continue
            }
            let name = s.string.trimmingCharacters(in: .whitespaces)
            if name.contains("+") || name.contains("*") || name.contains("·") {
                log.error("\(what): member '\(name)' is itself a combination; nested combinations are not allowed", at: SpecPosition(member),
                          hint: "list its losses in the outer list and give their weights in 'weights'")
                ok = false
                continue
            }
            guard let kind = PreferenceLossKind.named(name) else {
                log.error("\(what): unknown loss '\(name)' in the combination", at: SpecPosition(member),
                          hint: Suggestion.hintOrList(for: name, among: PreferenceLossKind.allNames, what: "losses"))
                ok = false
                continue
            }
            if terms.contains(where: { $0.kind == kind }) {
                log.error("\(what): the combination lists \(kind.rawValue) twice", at: SpecPosition(member), hint: "give each loss one weight")
                ok = false
                continue
            }
            terms.append(PreferenceLossTerm(kind))
        }
        if let weights {
            guard case .sequence(let items) = weights else {
                log.error("\(what): weights must be a list of numbers, one per loss, got \(describe(weights))", at: SpecPosition(weights))
                return nil
            }
            guard items.count == members.count else {
                log.error("\(what): \(members.count) losses but \(items.count) weights", at: SpecPosition(weights),
                          hint: "give one weight per loss, in the same order")
                return nil
            }
            for (i, item) in items.enumerated() {
                let range = PreferenceLossTerm.weightRange
                guard case .scalar(let s) = item, let w = SpecValue.number(s.string), w.isFinite, range.contains(w) else {
                    log.error("\(what): weight \(describe(item)) must be a number \(range.phrase(integer: false))", at: SpecPosition(item))
                    ok = false
                    continue
                }
                if ok && i < terms.count { terms[i].weight = w }
            }
        }
        guard ok else { return nil }
        let label = PreferenceLossTerm.label(terms)
        return LocatedValue(.string(label), text: label, at: at)
    }

    private func corruption(_ text: String, at: SpecPosition, what: String) -> LocatedValue? {
        do {
            let mix = try ArithCorruptionMix(parsing: text)
            return LocatedValue(.string(mix.description), at: at)
        } catch let error as DPOPError {
            log.error("\(what): \(Self.message(error))", at: at)
            return nil
        } catch {
            log.error("\(what): \(error)", at: at)
            return nil
        }
    }

    /// `{step: 0.5, resample: 0.5}` → `step:0.5,resample:0.5`, checked like the string form.
    private func corruption(_ m: Node.Mapping, at: SpecPosition, what: String) -> LocatedValue? {
        let modes = ArithCorruption.allCases.map(\.rawValue)
        var parts: [String] = []
        var ok = true
        for (k, v) in m {
            guard let mode = keyName(k) else { ok = false; continue }
            guard modes.contains(mode) else {
                log.error("\(what): unknown corruption mode '\(mode)'", at: SpecPosition(k),
                          hint: Suggestion.hintOrList(for: mode, among: modes, what: "modes"))
                ok = false
                continue
            }
            guard case .scalar(let s) = v, let w = SpecValue.number(s.string), w.isFinite, w >= 0 else {
                log.error("\(what): weight of '\(mode)' must be a number >= 0, got \(describe(v))", at: SpecPosition(v))
                ok = false
                continue
            }
            parts.append("\(mode):\(w)")
        }
        guard ok else { return nil }
        guard !parts.isEmpty else {
            log.error("\(what) is an empty mapping", at: at, hint: "write e.g. {step: 0.5, resample: 0.5} or just step")
            return nil
        }
        return corruption(parts.joined(separator: ","), at: at, what: what)
    }

    // MARK: - Node helpers

    /// A mapping key as text; keys that are lists or mappings are reported.
    private func keyName(_ node: Node) -> String? {
        guard case .scalar(let s) = node else {
            log.error("a key must be a plain name, got \(describe(node))", at: SpecPosition(node))
            return nil
        }
        return s.string
    }

    private func scalarText(_ node: Node, what: String, expectation: String, keyPosition: SpecPosition) -> String? {
        guard case .scalar(let s) = node, !isNull(node) else {
            log.error("\(what) must be \(expectation), got \(describe(node))", at: isNull(node) ? keyPosition : SpecPosition(node))
            return nil
        }
        return s.string
    }

    private func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar: return isNull(node) ? "nothing" : "'\(node.string ?? "")'"
        case .alias: return "an alias"
        }
    }

    private func expectation(_ kind: SpecKey.Kind) -> String {
        switch kind {
        case .integer(let setting): return "a whole number \(setting.requirement)"
        case .seed: return "a whole number >= 0"
        case .real(let setting): return setting.requirement
        case .float(let setting): return setting.requirement
        case .choice(let options): return options.map { "'\($0)'" }.joined(separator: " or ")
        case .flag: return "true or false"
        case .lossKind: return "a loss name like dpo or dpop"
        case .corruption: return "a corruption mix like step or {step: 0.5, resample: 0.5}"
        case .file: return "a file path"
        case .folder: return "a folder path"
        case .bucketName: return "a bucket name"
        }
    }

    // MARK: - Shared helpers

    /// `path` made absolute against `directory` (unless already absolute) and standardised.
    static func resolve(_ path: String, in directory: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let url = expanded.hasPrefix("/")
            ? URL(fileURLWithPath: expanded)
            : URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent(expanded)
        return url.standardizedFileURL.path
    }

    /// A path as written, without `./` and `a/../` detours, so equal paths hash equal in cell ids.
    static func normalise(_ path: String) -> String {
        var parts: [String] = []
        for p in path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            if p == "." { continue }
            if p == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(p)
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// A trainer error's message without the "invalid configuration:" prefix.
    static func message(_ error: DPOPError) -> String {
        if case .invalidConfiguration(let m) = error { return m }
        return error.description
    }
}
