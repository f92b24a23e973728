import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

@Suite struct GridTests {
    private func located(_ yaml: String) -> [String] {
        SpecFixtures.diagnostics(yaml).map { "\($0.line):\($0.column) \($0.message)" }
    }

    private func ids(_ yaml: String) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try SpecFixtures.parse(yaml).cells().map { ($0.label, $0.id) })
    }

    @Test func exampleExpandsToTheRightCells() throws {
        let cells = try SpecFixtures.parse(SpecFixtures.example).cells()
        // Per seed: β and lr are zipped (2 pairs) × 3 buckets = 6; dpo 6, dpop 6 × 3 λ = 18, ipo without β 0.3 = 3.
        #expect(cells.count == 3 * (6 + 18 + 3))
        #expect(cells.filter { $0.config.loss.kind == .dpo }.count == 18)
        #expect(cells.filter { $0.config.loss.kind == .dpop }.count == 54)
        #expect(cells.filter { $0.config.loss.kind == .ipo }.count == 9)
        #expect(!cells.contains { $0.config.loss.kind == .ipo && $0.config.loss.beta == 0.3 })
        // The zip ties lr to β.
        #expect(cells.allSatisfy { ($0.config.loss.beta == 0.1) == ($0.config.train.lr == 1e-4) })
        #expect(Set(cells.map(\.id)).count == cells.count)
        #expect(cells.allSatisfy { $0.id.count == 12 && $0.id.allSatisfy(\.isHexDigit) })
        // File order, first outermost: seed, loss, β, λ, bucket, then the zip.
        #expect(cells.prefix(4).map(\.label) == [
            "seed=0 loss=dpo beta=0.1 lambda=- bucket=low train.lr=1e-4",
            "seed=0 loss=dpo beta=0.1 lambda=- bucket=mid train.lr=1e-4",
            "seed=0 loss=dpo beta=0.1 lambda=- bucket=high train.lr=1e-4",
            "seed=0 loss=dpo beta=0.3 lambda=- bucket=low train.lr=5e-5",
        ])
        #expect(cells[6].label == "seed=0 loss=dpop beta=0.1 lambda=5 bucket=low train.lr=1e-4")
        #expect(cells.allSatisfy { $0.config.seed == $0.config.sft.seed && $0.config.seed == $0.config.train.seed })
    }

    @Test func idsAreStable() throws {
        let a = try SpecFixtures.parse(SpecFixtures.example).cells().map(\.id)
        let b = try SpecFixtures.parse(SpecFixtures.example).cells().map(\.id)
        #expect(a == b)
        // The id is the hash of the resolved configuration, nothing else.
        let cell = try SpecFixtures.parse(SpecFixtures.example).cells()[0]
        #expect(cell.id == String(ContentHash.sha256(cell.config.canonicalJSON()).prefix(12)))
    }

    @Test func idsChangeOnlyWithTheirOwnConfiguration() throws {
        let base = try ids(SpecFixtures.example)
        // Other cells' λ values and the λ default do not touch dpo cells; the unchanged dpop cells keep theirs.
        let otherLambdas = try ids(SpecFixtures.example
            .replacingOccurrences(of: "values: [5, 50, 500]", with: "values: [5, 50, 1000]")
            .replacingOccurrences(of: "lambda: 50, placement", with: "lambda: 60, placement"))
        for (label, id) in base where !label.contains("lambda=500") && !label.contains("lambda=50 ") {
            #expect(otherLambdas[label] == id, "\(label)")
        }
        #expect(otherLambdas["seed=0 loss=dpop beta=0.1 lambda=50 bucket=low train.lr=1e-4"]
                == base["seed=0 loss=dpop beta=0.1 lambda=50 bucket=low train.lr=1e-4"])
        #expect(otherLambdas["seed=0 loss=dpop beta=0.1 lambda=1000 bucket=low train.lr=1e-4"] != nil)
        // The name and description are not part of a cell.
        let renamed = try ids(SpecFixtures.example.replacingOccurrences(of: "name: edit-distance", with: "name: other"))
        #expect(renamed == base)
        // A relevant value changes every id.
        let longer = try ids(SpecFixtures.example.replacingOccurrences(of: "train: {steps: 300", with: "train: {steps: 301"))
        #expect(Set(longer.values).isDisjoint(with: Set(base.values)))
    }

    @Test func lambdaCollapsesOnDPO() throws {
        let cells = try SpecFixtures.parse("""
        name: x
        grid:
          loss: [dpo, dpop]
          lambda: [5, 50, 500]
        """).cells()
        #expect(cells.map(\.label) == ["loss=dpo lambda=-", "loss=dpop lambda=5", "loss=dpop lambda=50", "loss=dpop lambda=500"])
        #expect(cells[0].config.loss.lambda == 50)
    }

    @Test func sigmoidIsDPOAndTauSplitsOnlyDiscoPOP() throws {
        let cells = try SpecFixtures.parse("""
        name: x
        grid:
          loss: [sigmoid, discopop, dpo_shift]
          tau: [0.05, 0.2]
          shift: [0.5, 0.75]
        """).cells()
        // sigmoid is read as dpo (listing both is "lists dpo twice"; the label keeps the spelling);
        // τ splits only discopop, λ_s only dpo_shift.
        #expect(cells.map(\.label) == ["loss=sigmoid tau=- shift=-", "loss=discopop tau=0.05 shift=-", "loss=discopop tau=0.2 shift=-",
                                       "loss=dpo_shift tau=- shift=0.5", "loss=dpo_shift tau=- shift=0.75"])
        #expect(cells[0].config.loss.kind == .dpo, "labels keep the spelling, the configuration is dpo's")
        #expect(cells[2].config.loss.tau == 0.2 && cells[3].config.loss.shift == 0.5)
        // A cell at the defaults hashes the same bytes as before τ and λ_s existed.
        let json = String(decoding: cells[0].config.canonicalJSON(), as: UTF8.self)
        #expect(!json.contains("tau") && !json.contains("shift"))
        #expect(String(decoding: cells[2].config.canonicalJSON(), as: UTF8.self).contains(#""tau":0.2"#))
    }

    @Test func whenOnAMissingAxis() {
        let d = SpecFixtures.diagnostics("""
        name: x
        grid:
          loss: [dpo, dpop]
          lambda: {values: [5, 50], when: {beta: 0.1}}
        """)
        #expect(d.map { "\($0.line):\($0.column) \($0.message)" }
                == ["4:36 'when' of axis 'lambda' refers to 'beta', which is not an axis of this grid"])
        #expect(d.first?.hint == "axes: loss, lambda, seed")
        #expect(located("""
        name: x
        grid:
          loss: [dpo, dpop]
          lambda: {values: [5, 50], when: {loss: ipo}}
        """) == ["4:42 'when' value for 'loss' ipo never occurs: 'loss' takes dpo, dpop"])
    }

    @Test func bucketNotDefined() {
        let d = SpecFixtures.diagnostics("""
        name: x
        data:
          task: arith
          buckets: {low: [1, 3], high: [4, .inf]}
        grid:
          bucket: [low, hihg]
        """)
        #expect(d.map { "\($0.line):\($0.column) \($0.message)" } == ["6:17 bucket 'hihg' is not defined in data.buckets"])
        #expect(d.first?.hint == "did you mean 'high'? (or `all` for every pair)")
        #expect(located("name: x\ngrid: {bucket: [low]}\n") == ["2:17 bucket 'low' is not defined in data.buckets"])
        // `all` is every pair (the mixed set) unless a bucket takes the name.
        #expect(SpecFixtures.diagnostics("name: x\ndata: {task: arith, buckets: {low: [1, 3]}}\ngrid: {bucket: [low, all]}\n").isEmpty)
    }

    @Test func zipListsOfUnequalLength() {
        #expect(located("""
        name: x
        zip:
          - {train.lr: [1e-4, 5e-5], beta: [0.1, 0.3, 1.0]}
        """) == ["3:36 zip lists must have equal lengths: 'train.lr' has 2 values, 'beta' has 3"])
    }

    @Test func dottedPathAxes() throws {
        let spec = try SpecFixtures.parse("""
        name: x
        grid:
          model.layers: [2, 4]
          data.corruption: [step, {step: 1, resample: 1}]
          sft.steps: [100]
          loss.beta: [0.1, 0.5]
        """)
        // sft.steps has one value, so it labels no cell.
        #expect(spec.axes == ["model.layers", "data.corruption", "loss.beta"])
        let cells = spec.cells()
        #expect(cells.count == 8)
        #expect(cells.map(\.config.model.layers) == [2, 2, 2, 2, 4, 4, 4, 4])
        #expect(cells.map(\.config.data.corruption).prefix(4) == ["step:1", "step:1", "step:0.5,resample:0.5", "step:0.5,resample:0.5"])
        #expect(cells.allSatisfy { $0.config.sft.steps == 100 })
        #expect(cells.map(\.config.loss.beta).prefix(2) == [0.1, 0.5])
        #expect(cells[3].label == "model.layers=2 data.corruption=step:0.5,resample:0.5 loss.beta=0.5")
    }

    @Test func excludeKeysMustBeAxes() {
        let d = SpecFixtures.diagnostics("""
        name: x
        grid:
          loss: [dpo, ipo]
          beta: [0.1, 0.3]
        exclude:
          - {los: ipo}
          - {beta: 0.5}
        """)
        #expect(d.map { "\($0.line):\($0.column) \($0.message)" } == [
            "6:6 exclude key 'los' is not an axis of this grid",
            "7:12 exclude value for 'beta' 0.5 never occurs: 'beta' takes 0.1, 0.3",
        ])
        #expect(d.first?.hint == "did you mean 'loss'?")
    }

    @Test func excludeSkipsSettingsTheLossIgnores() throws {
        // λ does not apply to dpo, so {lambda: 5} removes only the dpop cell with λ = 5.
        let cells = try SpecFixtures.parse("""
        name: x
        grid:
          loss: [dpo, dpop]
          lambda: [5, 50]
        exclude:
          - {lambda: 5}
        """).cells()
        #expect(cells.map(\.label) == ["loss=dpo lambda=-", "loss=dpop lambda=50"])
        #expect(cells.map(\.config.loss.lambda) == [50, 50])
    }

    @Test func seedAxisReplacesSeeds() throws {
        let spec = try SpecFixtures.parse("""
        name: x
        seeds: [0, 1, 2]
        grid:
          loss: [dpo, dpop]
          seed: [7, 8]
        """)
        #expect(spec.axes == ["loss", "seed"])
        #expect(spec.cells().map(\.config.seed) == [7, 8, 7, 8])
        #expect(spec.cells()[1].values.map(\.value) == ["dpo", "8"])
    }

    @Test func everythingExcluded() {
        #expect(located("name: x\ngrid: {loss: [dpo]}\nexclude:\n  - {loss: dpo}\n")
                == ["3:1 every combination of the grid is excluded, so there is nothing to run"])
    }
}

extension GridTests {
    @Test func crossSettingErrorsPointAtTheVaryingValue() {
        #expect(located("""
        name: x
        model: {embedding: 64}
        grid:
          model.heads: [4, 3]
        """) == ["4:20 model.embedding (64) must be divisible by model.heads (3)"])
    }
}
