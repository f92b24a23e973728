import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// The Slurm launcher without a Slurm: the sbatch script's text (and what it does when bash runs
/// it), submissions and their records, lock staleness and `dpop status` with a stand-in squeue.
/// `scripts/ci-slurm-test.sh` runs the same against a real slurmctld.
@Suite struct SlurmTests {
    static let spec = """
    name: tiny-slurm
    seeds: [0]
    model: {layers: 1, heads: 2, embedding: 16, context: 128}
    data: {task: arith, pairs: 40, corruption: step, steps: 1, max_number: 9, eval_fraction: 0.25}
    sft: {steps: 4, lr: 1e-3, batch: 4, warmup: 1}
    train: {steps: 3, lr: 1e-4, batch: 2, eval_every: 2, warmup: 0, task_eval_pairs: 2}
    grid:
      loss: [dpo, dpop, ipo, sft]
    """

    /// A session on the tiny spec in a fresh folder whose path has a space and a quote in it.
    static func session() throws -> (ExperimentSession, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop slurm's \(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let specURL = dir.appendingPathComponent("tiny.yaml")
        try spec.write(to: specURL, atomically: true, encoding: .utf8)
        return (try ExperimentSession.open(specPath: specURL.path, resultsRoot: dir.appendingPathComponent("my results").path), dir)
    }

    /// A queue whose squeue answers come from `tasks` (job → task id → state), counting the calls.
    final class FakeSqueue: @unchecked Sendable {
        var tasks: [String: [String: String]] = [:]
        var reachable = true
        var calls = 0
        var queue: SlurmQueue {
            SlurmQueue(maxAge: 0) { job in
                self.calls += 1
                return self.reachable ? (self.tasks[job] ?? [:]) : nil
            }
        }
    }

    static func script(_ manifest: String = "/r/x/slurm/1/cells.txt") -> SbatchScript {
        SbatchScript(jobName: "dpop-x", taskCount: 8, maxParallel: 3, outputPattern: "/r/x/logs/slurm-%A_%a.log",
                     partition: "debug", time: "01:30:00", cpusPerTask: 4, mem: "8G",
                     extraArguments: ["--account=abc", "--qos=high"], manifest: manifest,
                     executable: "/opt/dpop/bin/dpop", spec: "/home/u/spec.yaml", resultsRoot: "/r")
    }

    // MARK: - The script

    @Test func scriptHasTheArrayTheOptionsAndTheCommand() {
        var s = Self.script()
        let text = s.render()
        #expect(text.hasPrefix("#!/bin/bash\n#SBATCH --job-name=dpop-x\n#SBATCH --array=0-7%3\n"))
        for line in ["#SBATCH --output=/r/x/logs/slurm-%A_%a.log", "#SBATCH --partition=debug", "#SBATCH --time=01:30:00",
                     "#SBATCH --cpus-per-task=4", "#SBATCH --mem=8G", "#SBATCH --account=abc", "#SBATCH --qos=high",
                     "MANIFEST=/r/x/slurm/1/cells.txt",
                     #"exec /opt/dpop/bin/dpop run /home/u/spec.yaml --cell "$ID" --results /r --threads "${SLURM_CPUS_PER_TASK:-1}""#] {
            #expect(text.contains(line + "\n"), "missing: \(line)")
        }
        // All #SBATCH lines come before the first command (sbatch stops reading them there).
        let firstCommand = text.range(of: "set -euo pipefail")!.lowerBound
        #expect(!text[firstCommand...].contains("#SBATCH"))
        #expect(!text.contains("--retry-failed"))
        s.maxParallel = nil
        s.taskCount = 1
        s.partition = nil
        s.retryFailed = true
        let other = s.render()
        #expect(other.contains("#SBATCH --array=0-0\n"))
        #expect(!other.contains("--partition"))
        #expect(other.contains(#"--threads "${SLURM_CPUS_PER_TASK:-1}" --retry-failed"#))
    }

    @Test func pathsWithSpacesAndQuotesAreQuoted() {
        #expect(SbatchScript.shellQuoted("/plain/path-1.2_x") == "/plain/path-1.2_x")
        #expect(SbatchScript.shellQuoted("/my results/x") == "'/my results/x'")
        #expect(SbatchScript.shellQuoted("/it's") == #"'/it'\''s'"#)
        #expect(SbatchScript.shellQuoted("$HOME") == "'$HOME'")
        #expect(SbatchScript.shellQuoted("") == "''")
        #expect(SbatchScript.sbatchQuoted("/my results/slurm-%A_%a.log") == "\"/my results/slurm-%A_%a.log\"")
        #expect(SbatchScript.escapingPercent("/a%b") == "/a%%b")
        let s = SbatchScript(jobName: "dpop-x", taskCount: 2, outputPattern: "/my results/x/logs/slurm-%A_%a.log",
                             manifest: "/my results/x/slurm/1/cells.txt", executable: "/opt/my dpop/dpop",
                             spec: "/home/u/it's.yaml", resultsRoot: "/my results")
        let text = s.render()
        #expect(text.contains("#SBATCH --output=\"/my results/x/logs/slurm-%A_%a.log\"\n"))
        #expect(text.contains("MANIFEST='/my results/x/slurm/1/cells.txt'\n"))
        #expect(text.contains(#"exec '/opt/my dpop/dpop' run '/home/u/it'\''s.yaml' --cell "$ID" --results '/my results' --threads"#))
    }

    /// Runs the rendered script with bash as array task `task`, `echo` standing in for dpop.
    static func runScript(_ text: String, task: String?, in dir: URL) throws -> (status: Int32, output: String) {
        let url = dir.appendingPathComponent("job.sbatch")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [url.path]
        var env = ["PATH": "/usr/bin:/bin", "SLURM_ARRAY_JOB_ID": "77", "SLURM_CPUS_PER_TASK": "3"]
        if let task { env["SLURM_ARRAY_TASK_ID"] = task }
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func arrayTaskIReadsLineIOfTheManifest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop manifest \(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = dir.appendingPathComponent("cells.txt")
        try SlurmSubmission.manifest(["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"]).write(to: manifest, atomically: true, encoding: .utf8)
        let s = SbatchScript(jobName: "dpop-x", taskCount: 3, outputPattern: "/x/slurm-%A_%a.log", manifest: manifest.path,
                             executable: "/bin/echo", spec: dir.appendingPathComponent("my spec.yaml").path, resultsRoot: dir.path)
        let text = s.render()
        for (task, id) in [("0", "aaaaaaaaaaaa"), ("2", "cccccccccccc")] {
            let (status, output) = try Self.runScript(text, task: task, in: dir)
            #expect(status == 0)
            #expect(output.contains("dpop: array task 77_\(task) on "))
            #expect(output.contains("run \(dir.path)/my spec.yaml --cell \(id) --results \(dir.path) --threads 3\n"), "\(output)")
        }
        let (status, output) = try Self.runScript(text, task: "3", in: dir)
        #expect(status == 2 && output.contains("array task 3 has no line in"))
        let (unset, message) = try Self.runScript(text, task: nil, in: dir)
        #expect(unset != 0 && message.contains("runs as a Slurm array task"))
    }

    // MARK: - Options, job ids, errors

    @Test func optionsAreCheckedBeforeAnythingIsWritten() {
        func rejects(_ change: (inout SlurmLauncher.Options) -> Void) -> Bool {
            var o = SlurmLauncher.Options()
            change(&o)
            return (try? SlurmLauncher.validate(o)) == nil
        }
        #expect(!rejects { $0.time = "90" } && !rejects { $0.time = "1-00:00:00" } && !rejects { $0.time = "02:00:00" })
        #expect(rejects { $0.time = "2h" })
        #expect(!rejects { $0.mem = "4G" } && !rejects { $0.mem = "4000" } && rejects { $0.mem = "4 GB" })
        #expect(rejects { $0.maxParallel = 0 } && rejects { $0.cpusPerTask = 0 } && rejects { $0.partition = "a b" })
        #expect(rejects { $0.extraArguments = ["account=abc"] } && !rejects { $0.extraArguments = ["--account=abc"] })
    }

    @Test func jobIDsAreParsedAndErrorsSayWhatToDo() throws {
        #expect(try SlurmLauncher.parseJobID("123\n", script: "s").job == "123")
        let federated = try SlurmLauncher.parseJobID("456;cluster2\n", script: "s")
        #expect(federated.job == "456" && federated.cluster == "cluster2")
        #expect(throws: SlurmError.self) { try SlurmLauncher.parseJobID("sbatch: error\n", script: "s") }
        #expect(SlurmCommand.find("sbatch", path: "/nonexistent:/also-not") == nil)
        #expect(SlurmCommand.find("bash", path: "/nonexistent:/bin") == "/bin/bash")
        let missing = SlurmError.toolNotFound("sbatch").description
        #expect(missing.contains("sbatch not found on PATH; is this a Slurm login node?"))
        #expect(missing.contains("hint: --dry-run writes the script without submitting"))
        let refused = SlurmError.sbatchRefused(status: 1, stderr: "sbatch: error: invalid partition specified: gpu\n", script: "/r/job.sbatch")
        #expect(refused.description.contains("sbatch refused the job (exit 1): sbatch: error: invalid partition specified: gpu"))
        #expect(refused.description.contains("/r/job.sbatch"))
    }

    @Test func taskIDsRoundTrip() throws {
        #expect(SlurmTaskID("123_4") == SlurmTaskID(job: "123", task: 4))
        #expect(SlurmTaskID("123") == SlurmTaskID(job: "123", task: nil))
        #expect(SlurmTaskID("123_") == nil && SlurmTaskID("x_1") == nil && SlurmTaskID("") == nil && SlurmTaskID("1_2_3") == nil)
        #expect(SlurmTaskID(job: "9", task: 0).logFileName == "slurm-9_0.log")
        let data = try JSONEncoder().encode([SlurmTaskID(job: "5", task: 1)])
        #expect(String(decoding: data, as: UTF8.self) == #"["5_1"]"#)
    }

    // MARK: - The queue and stale locks

    @Test func queueStatesComeFromOneListingPerJob() {
        let fake = FakeSqueue()
        fake.tasks["10"] = SlurmQueue.parse("10_0 RUNNING\n10_1 PENDING\n10_2 COMPLETING\n10_3 CANCELLED\n")
        let queue = SlurmQueue(maxAge: 60, query: { job in fake.calls += 1; return fake.tasks[job] ?? [:] })
        #expect(queue.state(of: "10_0") == .active("RUNNING"))
        #expect(queue.state(of: "10_1") == .active("PENDING"))
        #expect(queue.state(of: "10_2").isActive)
        #expect(queue.state(of: "10_3") == .ended)
        #expect(queue.state(of: "10_9") == .ended)          // not listed: left the queue
        #expect(fake.calls == 1)                              // one squeue call answered all of job 10
        #expect(queue.state(of: "11_0") == .ended && fake.calls == 2)
        #expect(queue.state(of: "not-a-job") == .unknown)
        fake.tasks["10"] = [:]
        #expect(queue.state(of: "10_0") == .active("RUNNING"))   // answers are kept for maxAge
        queue.refresh()
        #expect(queue.state(of: "10_0") == .ended && fake.calls == 3)
        let unreachable = SlurmQueue(maxAge: 0) { _ in nil }
        #expect(unreachable.state(of: "10_0") == .unknown)
    }

    @Test func locksFromOtherHostsLiveWhileTheirTaskIsQueuedOrRunning() throws {
        let fake = FakeSqueue()
        fake.tasks["20"] = ["20_0": "RUNNING", "20_1": "PENDING"]
        let queue = fake.queue
        func lock(_ job: String?, host: String = "node-elsewhere", pid: Int32 = 1) -> CellLock {
            CellLock(pid: pid, host: host, started: "", slurmJob: job)
        }
        #expect(lock("20_0").isAlive(slurm: queue))
        #expect(lock("20_1").isAlive(slurm: queue))
        #expect(!lock("20_2").isAlive(slurm: queue))           // cancelled or finished: stale
        #expect(!lock("21_0").isAlive(slurm: queue))
        #expect(lock(nil).isAlive(slurm: queue))               // no job to ask about: the old rule
        fake.reachable = false
        #expect(lock("21_0").isAlive(slurm: queue))            // squeue unavailable: the old rule
        // On this host the pid decides, whatever Slurm says.
        fake.reachable = true
        let here = ProcessInfo.processInfo.hostName
        #expect(!lock("20_0", host: here, pid: 999_999).isAlive(slurm: queue))
        #expect(lock(nil, host: here, pid: getpid()).isAlive(slurm: queue))

        // acquire() reclaims a lock whose task ended, not one whose task runs.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-slurm-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.lock")
        try JSONEncoder().encode(lock("20_0")).write(to: url)
        #expect(try !CellLock.acquire(url, slurm: queue))
        try JSONEncoder().encode(lock("20_5")).write(to: url)
        #expect(try CellLock.acquire(url, slurm: queue))
        #expect(CellLock.read(url)?.pid == getpid())
        CellLock.release(url)
    }

    // MARK: - Submissions

    @Test func launchSubmitsPendingCellsOnceAndRecordsTheJob() throws {
        let (session, dir) = try Self.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeSqueue()
        var scripts: [URL] = []
        var launcher = SlurmLauncher(store: session.store, executable: "/opt/dpop", specPath: session.specPath,
                                     specSHA256: session.specSHA256, resultsRoot: session.resultsRoot)
        launcher.slurm = fake.queue
        launcher.submit = { scripts.append($0); return "42\n" }
        var options = SlurmLauncher.Options()
        options.maxParallel = 2
        let cells = session.spec.cells()
        #expect(cells.count == 4)

        let outcome = try launcher.launch(cells, options: options)
        guard case .submitted(let submission, let selection) = outcome else {
            Issue.record("expected a submission"); return
        }
        #expect(submission.job == "42" && selection.pending.count == 4 && submission.array == "0-3%2")
        #expect(scripts == [submission.directory.appendingPathComponent("job.sbatch")])
        #expect(submission.directory.deletingLastPathComponent().lastPathComponent == "slurm")
        let manifest = try String(contentsOf: submission.directory.appendingPathComponent("cells.txt"), encoding: .utf8)
        #expect(manifest == cells.map { $0.id + "\n" }.joined())
        let script = try String(contentsOf: scripts[0], encoding: .utf8)
        #expect(script.contains("#SBATCH --job-name=dpop-tiny-slurm\n"))
        #expect(script.contains("#SBATCH --output=\"\(session.store.logsDirectory.path)/slurm-%A_%a.log\"\n"))
        #expect(script.contains("--results \(SbatchScript.shellQuoted(session.resultsRoot.path)) "))
        #expect(script.contains("run \(SbatchScript.shellQuoted(URL(fileURLWithPath: session.specPath).standardizedFileURL.path)) --cell"))
        let saved = try #require(SlurmSubmission.load(submission.directory))
        #expect(saved.job == "42" && saved.cells == cells.map(\.id) && saved.specSHA256 == session.specSHA256)
        #expect(outcome.message(folder: "r/tiny-slurm").hasPrefix("submitted Slurm job 42: 4 cells as --array=0-3%2\n"))

        // While the tasks wait in the queue, nothing is submitted again.
        fake.tasks["42"] = Dictionary(uniqueKeysWithValues: (0..<4).map { ("42_\($0)", "PENDING") })
        guard case .nothingPending(let waiting) = try launcher.launch(cells, options: options) else {
            Issue.record("expected nothing to submit"); return
        }
        #expect(waiting.queued == 4 && scripts.count == 1)
        // Task 3 was cancelled before it started: only its cell goes again.
        fake.tasks["42"]?["42_3"] = nil
        guard case .submitted(let again, _) = try launcher.launch(cells, options: options) else {
            Issue.record("expected a resubmission"); return
        }
        #expect(again.cells == [cells[3].id] && again.array == "0-0%2" && scripts.count == 2)
        #expect(SlurmSubmission.all(in: session.store.root).count == 2)
        #expect(SlurmSubmission.latestTasks(SlurmSubmission.all(in: session.store.root))[cells[3].id] == SlurmTaskID(job: "42", task: 0))
    }

    @Test func dryRunWritesTheScriptOnlyAndARefusedJobLeavesNothing() throws {
        let (session, dir) = try Self.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        var launcher = SlurmLauncher(store: session.store, executable: "/opt/dpop", specPath: session.specPath,
                                     specSHA256: session.specSHA256, resultsRoot: session.resultsRoot)
        launcher.slurm = FakeSqueue().queue
        launcher.submit = { _ in Issue.record("a dry run must not submit"); return "1" }
        var options = SlurmLauncher.Options()
        options.dryRun = true
        let outcome = try launcher.launch(session.spec.cells(), options: options)
        guard case .written(let written, _) = outcome else {
            Issue.record("expected a dry run"); return
        }
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: written.directory.appendingPathComponent("job.sbatch").path))
        #expect(fm.fileExists(atPath: written.directory.appendingPathComponent("cells.txt").path))
        #expect(!fm.fileExists(atPath: written.directory.appendingPathComponent("job.json").path))
        #expect(outcome.message(folder: "f").contains("submit it with: sbatch "))

        options.dryRun = false
        launcher.submit = { throw SlurmError.sbatchRefused(status: 1, stderr: "sbatch: error: Batch job submission failed", script: $0.path) }
        #expect(throws: SlurmError.self) { try launcher.launch(session.spec.cells(), options: options) }
        #expect(SlurmSubmission.all(in: session.store.root).count == 1)   // only the dry run's folder
    }

    // MARK: - Status

    @Test func statusShowsStatesTasksAndLogs() throws {
        let (session, dir) = try Self.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cells = session.spec.cells()
        let store = session.store
        #expect(try session.runCell(id: cells[0].id, retryFailed: false) { _ in } == .completed)
        // The other three went to Slurm as job 50: task 0 runs on another node, task 1 was
        // cancelled there (its lock stays behind), task 2 waits in the queue.
        let submission = SlurmSubmission(job: "50", cluster: nil, cells: Array(cells[1...].map(\.id)), submitted: "",
                                          spec: session.specPath, specSHA256: session.specSHA256, script: "job.sbatch",
                                          array: "0-2", options: [],
                                          directory: store.root.appendingPathComponent("slurm/20250101-000000"))
        try FileManager.default.createDirectory(at: submission.directory, withIntermediateDirectories: true)
        try submission.save()
        for (cell, task) in [(cells[1], 0), (cells[2], 1)] {
            let lock = CellLock(pid: 1, host: "node-elsewhere", started: "", slurmJob: "50_\(task)")
            try JSONEncoder().encode(lock).write(to: store.lockFile(cell.id))
        }
        let fake = FakeSqueue()
        fake.tasks["50"] = ["50_0": "RUNNING", "50_2": "PENDING"]
        let folder = store.root.path
        let status = try ExperimentStatus.load(folder: folder, slurm: fake.queue)
        let byID = Dictionary(uniqueKeysWithValues: status.rows.map { ($0.id, $0) })
        #expect(status.rows.count == 4)
        #expect(byID[cells[0].id]?.state == .completed && byID[cells[0].id]?.values["loss"] == "dpo")
        #expect(byID[cells[1].id]?.state == .running && byID[cells[1].id]?.slurm == SlurmTaskID(job: "50", task: 0))
        #expect(byID[cells[1].id]?.log == "\(folder)/logs/slurm-50_0.log")
        #expect(byID[cells[2].id]?.state == .pending && byID[cells[2].id]?.note?.contains("without a result") == true)
        #expect(byID[cells[2].id]?.slurm == SlurmTaskID(job: "50", task: 1))
        #expect(byID[cells[3].id]?.state == .pending && byID[cells[3].id]?.note == "queued")
        #expect(byID[cells[3].id]?.values["loss"] == "sft")      // from the folder's spec.yaml
        #expect(status.summary == "4 cells: 1 completed, 0 failed, 1 running, 2 pending (1 queued in Slurm)")
        let table = status.render()
        #expect(table.contains("slurm-50_0.log") && table.hasSuffix(status.summary))
        let json = try JSONSerialization.jsonObject(with: Data(try status.json().utf8)) as? [String: Any]
        #expect((json?["totals"] as? [String: Int])?["running"] == 1)

        // The cancelled cell is submitted again; the running and queued ones are not.
        var launcher = SlurmLauncher(store: store, executable: "/opt/dpop", specPath: session.specPath,
                                     specSHA256: session.specSHA256, resultsRoot: session.resultsRoot)
        launcher.slurm = fake.queue
        launcher.submit = { _ in "51" }
        guard case .submitted(let again, let selection) = try launcher.launch(cells, options: .init()) else {
            Issue.record("expected a resubmission"); return
        }
        #expect(again.cells == [cells[2].id])
        #expect(selection.completed == 1 && selection.running == 1 && selection.queued == 1)

        #expect(throws: SlurmError.self) { try ExperimentStatus.load(folder: dir.appendingPathComponent("nothing").path) }
    }
}
