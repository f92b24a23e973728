import ArgumentParser
import DPOPReports
import Foundation

/// `dpop export`: a results folder as TensorBoard event files or one long CSV table.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a results folder for TensorBoard (scalars + HParams) or pandas (long CSV).",
        discussion: """
        --format tensorboard writes OUT/<grid values>-<cell id>/events.out.tfevents.* per cell, with every \
        metric of metrics.jsonl as a scalar against the step (train/loss, eval/<metric>, \
        eval_<bucket>/<metric>), and HParams data: the varying axes as hyperparameters, the final eval \
        metrics as metrics. Open with `tensorboard --logdir OUT`. Exporting again replaces the same files. \
        --format csv writes one row per cell, step and metric to OUT (a file; - for stdout).
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case tensorboard, csv }

    @Argument(help: "Results folder RESULTS/<experiment>.") var results: String
    @Option(help: "tensorboard or csv.") var format: Format
    @Option(help: "Output folder (tensorboard) or file (csv; - for stdout).") var out: String

    func run() throws {
        let loaded = try ResultsReading.load(results)
        switch format {
        case .tensorboard:
            let files = try TensorBoardExport(results: loaded).write(to: URL(fileURLWithPath: out))
            print("wrote \(files.count) event files (\(files.count - 1) runs) to \(out); view: tensorboard --logdir \(out)")
        case .csv:
            let text = LongCSVExport(results: loaded).render()
            if out == "-" {
                print(text, terminator: "")
            } else {
                do {
                    try text.write(toFile: out, atomically: true, encoding: .utf8)
                } catch {
                    throw ReportError.io(path: out, message: "cannot write: \(error.localizedDescription)")
                }
                print("wrote \(out)")
            }
        }
    }
}
