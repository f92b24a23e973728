// A test helper, not part of dpop: one of several processes racing `CellLock.acquire` on the same
// stale locks (LockRaceTests). Usage: LockTaker DIR INDEX ROUNDS TAKERS
//
// Waits for DIR/go, tries DIR/<r>.lock for every round r, prints the rounds it won ("3,17,…"),
// and keeps holding them until all TAKERS have finished, so that a lock it won never turns stale
// while another taker is still trying it: any second winner of a round held it at the same time.
import DPOPExperiments
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 5, let index = Int(arguments[2]), let rounds = Int(arguments[3]), let takers = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: LockTaker DIR INDEX ROUNDS TAKERS\n".utf8))
    exit(2)
}
let dir = URL(fileURLWithPath: arguments[1])
let fm = FileManager.default

func waitFor(_ ready: () -> Bool) {
    let deadline = Date().addingTimeInterval(60)
    while !ready() {
        if Date() > deadline {
            FileHandle.standardError.write(Data("LockTaker \(index): gave up waiting\n".utf8))
            exit(3)
        }
        usleep(200)
    }
}

_ = fm.createFile(atPath: dir.appendingPathComponent("ready-\(index)").path, contents: nil)
waitFor { fm.fileExists(atPath: dir.appendingPathComponent("go").path) }
var won: [Int] = []
for round in 0..<rounds {
    do {
        if try CellLock.acquire(dir.appendingPathComponent("\(round).lock")) { won.append(round) }
    } catch {
        FileHandle.standardError.write(Data("LockTaker \(index): \(error)\n".utf8))
        exit(4)
    }
}
print(won.map(String.init).joined(separator: ","))
fflush(nil)
_ = fm.createFile(atPath: dir.appendingPathComponent("done-\(index)").path, contents: nil)
waitFor { ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("done-") }.count >= takers }
