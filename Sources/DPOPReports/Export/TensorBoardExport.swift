import DPOPExperiments
import Foundation

/// Writes a results folder as TensorBoard event files: one run folder per cell with its metrics as
/// scalars against the step, and HParams plugin data (the varying axes as hyperparameters, the
/// final eval metrics as metrics) so TensorBoard's HParams dashboard lists the grid.
public struct TensorBoardExport {
    public let results: ExperimentResults

    public init(results: ExperimentResults) { self.results = results }

    /// Name of a cell's run folder: its grid values (readable in TensorBoard's run list) and its id.
    public func runFolderName(_ run: RunResult) -> String {
        let label = results.label(of: run).replacingOccurrences(of: " ", with: ",")
        let safe = String(label.map { $0 == "/" || $0 == "\\" || $0 == "\0" ? "_" : $0 })
        return safe.isEmpty ? run.id : "\(safe.prefix(150))-\(run.id)"
    }

    /// Writes the export into `folder` (created if needed) and returns the files written. Event file
    /// names derive from the runs' start times, so exporting again replaces the same files.
    @discardableResult
    public func write(to folder: URL) throws -> [URL] {
        try create(folder)
        var written: [URL] = []
        let runs = results.runs.filter { !$0.history.isEmpty }
        let starts = runs.map(startTime)
        let created = starts.min() ?? 0

        let axes = results.varyingAxes
        let hyperparameters = axes.map { axis in
            HParamsPluginData.Hyperparameter(name: axis, values: results.values(of: axis)
                .filter { $0 != GridCell.notApplicable }.map { value(axis: axis, $0) })
        }
        var metricTags: [String] = []
        for run in runs {
            for tag in MetricSeries(run.history).finalValues.keys.sorted() where tag.hasPrefix("eval/") && !metricTags.contains(tag) {
                metricTags.append(tag)
            }
        }
        let experiment = HParamsPluginData.experiment(name: results.name, description: results.description ?? "",
                                                      created: created, hyperparameters: hyperparameters, metricTags: metricTags)
        written.append(try writeEvents(folder: folder, time: created, [
            TensorBoardEvent.fileVersion(wallTime: created),
            TensorBoardEvent.pluginSummary(wallTime: created, tag: HParamsPluginData.experimentTag,
                                           plugin: HParamsPluginData.pluginName, content: experiment),
        ]))

        for (run, start) in zip(runs, starts) {
            let runFolder = folder.appendingPathComponent(runFolderName(run))
            try create(runFolder)
            let series = MetricSeries(run.history)
            // A setting that does not apply to the cell (λ of a dpo cell) is left out of its session.
            let hparams = axes.compactMap { axis in
                run.values[axis].flatMap { $0 == GridCell.notApplicable ? nil : (name: axis, value: value(axis: axis, $0)) }
            }
            var events = [
                TensorBoardEvent.fileVersion(wallTime: start),
                TensorBoardEvent.pluginSummary(wallTime: start, tag: HParamsPluginData.sessionStartTag,
                                               plugin: HParamsPluginData.pluginName,
                                               content: HParamsPluginData.sessionStart(values: hparams, group: run.id, started: start)),
            ]
            for step in series.steps {
                events.append(TensorBoardEvent.scalars(wallTime: start + step.elapsed, step: step.step,
                                                       step.points.map { ($0.tag, $0.value) }))
            }
            let end = start + (series.steps.last?.elapsed ?? 0)
            events.append(TensorBoardEvent.pluginSummary(
                wallTime: end, tag: HParamsPluginData.sessionEndTag, plugin: HParamsPluginData.pluginName,
                content: HParamsPluginData.sessionEnd(status: status(run.status), ended: end)))
            written.append(try writeEvents(folder: runFolder, time: start, events))
        }
        return written
    }

    private func create(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportError.io(path: folder.path, message: "cannot create the export folder: \(error.localizedDescription)")
        }
    }

    private func writeEvents(folder: URL, time: Double, _ events: [ProtobufMessage]) throws -> URL {
        let file = folder.appendingPathComponent("events.out.tfevents.\(Int(time)).dpop")
        var bytes: [UInt8] = []
        for e in events { bytes += TFRecordFile.frame(e.bytes) }
        do {
            try Data(bytes).write(to: file, options: .atomic)
        } catch {
            throw ReportError.io(path: file.path, message: "cannot write the event file: \(error.localizedDescription)")
        }
        return file
    }

    /// Seconds since 1970 at which the cell started (0 when run.json has no readable start).
    private func startTime(_ run: RunResult) -> Double {
        run.started.flatMap { ISO8601DateFormatter().date(from: $0) }?.timeIntervalSince1970 ?? 0
    }

    /// An axis value as a number when every value of the axis is one, so the dashboard sorts numerically.
    private func value(axis: String, _ text: String) -> HParamsPluginData.Value {
        let all = results.values(of: axis).filter { $0 != GridCell.notApplicable }
        if all.allSatisfy({ Double($0) != nil }), let x = Double(text) { return .number(x) }
        return .string(text)
    }

    private func status(_ s: CellStatus) -> HParamsPluginData.Status {
        switch s {
        case .completed: .success
        case .failed: .failure
        case .running: .running
        case .interrupted, .pending: .unknown
        }
    }
}
