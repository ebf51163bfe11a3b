import Foundation
@testable import GooseKit
import XCTest

final class ChildProcessTests: XCTestCase {
    func testCollectsBothStreamsAndTheExitStatus() throws {
        let finished = try ChildProcess("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], output: .pipe, error: .pipe).run()
        XCTAssertEqual(finished.status, 3)
        XCTAssertEqual(finished.outputText, "out\n")
        XCTAssertEqual(finished.errorText, "err\n")
        XCTAssertEqual(finished.lastErrorLine, "err")
    }

    func testStandardErrorCanFollowStandardOutput() throws {
        let finished = try ChildProcess("sh", ["-c", "echo one; echo two >&2"], output: .pipe, error: .standardOutput).run()
        XCTAssertEqual(finished.status, 0)
        XCTAssertEqual(finished.outputText, "one\ntwo\n")
    }

    /// A big output on both streams at once must not deadlock (each pipe holds 64 KiB).
    func testDrainsLargeOutputOnBothStreams() throws {
        let script = "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2"
        let finished = try ChildProcess("/bin/sh", ["-c", script], output: .pipe, error: .pipe).run()
        XCTAssertEqual(finished.output.count, 1_000_000)
        XCTAssertEqual(finished.error.count, 1_000_000)
    }

    /// The child sees its three standard descriptors only, not the files goose has open (a lock, a socket).
    func testTheChildInheritsNoOtherDescriptor() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let leaked = open(directory + "/held", O_CREAT | O_WRONLY, 0o644)
        XCTAssertGreaterThanOrEqual(leaked, 3)
        defer { close(leaked) }
        // ls opens /proc/self/fd itself, as descriptor 3; nothing else may be there.
        let finished = try ChildProcess("/bin/ls", ["/proc/self/fd"], output: .pipe).run()
        XCTAssertEqual(finished.status, 0)
        XCTAssertEqual(finished.outputText.split(separator: "\n").sorted(), ["0", "1", "2", "3"])
    }

    func testInteractiveChildAndSignalStatus() throws {
        let child = try ChildProcess("/bin/cat", input: .pipe, output: .pipe).spawn()
        _ = Array("hello\n".utf8).withUnsafeBytes { write(child.input, $0.baseAddress, $0.count) }
        child.closeInput()
        let (output, _) = child.readToEnd()
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "hello\n")
        XCTAssertEqual(child.wait(), 0)
        XCTAssertEqual(child.wait(), 0, "asked again, the same status")

        let sleeper = try ChildProcess("/bin/sleep", ["30"], newProcessGroup: true).spawn()
        XCTAssertEqual(getpgid(sleeper.pid), sleeper.pid)
        kill(sleeper.pid, SIGKILL)
        XCTAssertEqual(sleeper.wait(), 128 + SIGKILL)
        XCTAssertEqual(sleeper.terminatingSignal, SIGKILL)
        XCTAssertNil(child.terminatingSignal)
    }

    func testAMissingProgramIsAnErrorNamingIt() {
        XCTAssertThrowsError(try ChildProcess("/nonexistent/goose-no-such-tool").run()) { error in
            XCTAssertEqual("\(error)", "/nonexistent/goose-no-such-tool: cannot start: No such file or directory")
        }
    }
}
