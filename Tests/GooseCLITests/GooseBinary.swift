import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built `goose` binary, the repository and the shared fixtures, for end-to-end tests that run goose
/// and check its results with the real tools.
enum GooseBinary {
    /// How a finished process exited and what it printed.
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The repository checkout: this file is <root>/Tests/GooseCLITests/GooseBinary.swift.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .path

    /// The shared test fixtures: $GOOSE_FIXTURES, else <root>/../shared/fixtures.
    static let fixtures: String = {
        if let path = ProcessInfo.processInfo.environment["GOOSE_FIXTURES"], !path.isEmpty { return path }
        return URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent().appendingPathComponent("shared/fixtures").path
    }()

    /// The `goose` executable: $GOOSE_BINARY, else the one `swift build` put beside this test bundle.
    static func executable() throws -> String {
        if let path = ProcessInfo.processInfo.environment["GOOSE_BINARY"], !path.isEmpty { return path }
        let candidates = candidatePaths
        guard let found = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw Failure(description: "goose binary not found at \(candidates.joined(separator: " or ")): run `swift build` or set GOOSE_BINARY")
        }
        return found
    }

    /// Where `swift test` leaves goose: <scratch>/debug/goose beside <scratch>/debug/goosePackageTests.xctest,
    /// whatever the scratch path. On Linux that bundle is the running executable, on macOS a bundle xctest
    /// loads, so look beside both.
    private static var candidatePaths: [String] {
        let locations = [Bundle(for: BundleMarker.self).bundleURL, Bundle.main.bundleURL] + [Bundle.main.executableURL].compactMap { $0 }
        var paths: [String] = []
        for location in locations {
            for directory in [location, location.deletingLastPathComponent()] {
                let path = directory.appendingPathComponent("goose").path
                if !paths.contains(path) { paths.append(path) }
            }
        }
        return paths
    }

    /// A program on $PATH (git, rpm, groff, …), or nil when it is not installed.
    static func toolPath(named name: String) -> String? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return searchPath.split(separator: ":").map { "\($0)/\(name)" }.first(where: FileManager.default.isExecutableFile(atPath:))
    }

    /// Runs goose to completion.
    static func run(
        _ arguments: [String],
        in directory: String? = nil,
        environment: [String: String] = [:],
        standardInput: String? = nil,
        timeout: TimeInterval = RunningProcess.defaultTimeout
    ) throws -> Output {
        try start(arguments, in: directory, environment: environment, standardInput: standardInput).wait(timeout: timeout)
    }

    /// Runs any program to completion, the same way as goose.
    static func runProgram(
        _ path: String,
        _ arguments: [String],
        in directory: String? = nil,
        environment: [String: String] = [:],
        standardInput: String? = nil,
        timeout: TimeInterval = RunningProcess.defaultTimeout
    ) throws -> Output {
        try RunningProcess(path, arguments, in: directory, environment: environment, standardInput: standardInput).wait(timeout: timeout)
    }

    /// Starts goose without waiting, for tests that run several at once or kill one.
    static func start(
        _ arguments: [String],
        in directory: String? = nil,
        environment: [String: String] = [:],
        standardInput: String? = nil
    ) throws -> RunningProcess {
        try RunningProcess(try executable(), arguments, in: directory, environment: environment, standardInput: standardInput)
    }

    /// A process that could not be run.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }
}

/// A started process whose output is collected as it runs.
final class RunningProcess {
    /// Long enough for the slowest end-to-end test, short enough that a hung process fails CI instead of stalling it.
    static let defaultTimeout: TimeInterval = 300

    private let process = Process()
    private let exited = DispatchSemaphore(value: 0)
    private let output: PipeReader
    private let errors: PipeReader
    private var finishedOutput: GooseBinary.Output?

    var pid: Int32 { process.processIdentifier }

    /// Starts `path` with standard input empty unless given, and without GOOSE_HOME unless given, so that
    /// neither the terminal nor the developer's own workspace leaks into a test.
    init(_ path: String, _ arguments: [String], in directory: String?, environment: [String: String], standardInput: String?) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true) }
        var processEnvironment = ProcessInfo.processInfo.environment
        processEnvironment["GOOSE_HOME"] = nil
        processEnvironment.merge(environment) { _, given in given }
        process.environment = processEnvironment

        let outputPipe = Pipe()
        let errorPipe = Pipe()
        let inputPipe = standardInput.map { _ in Pipe() }
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        process.standardInput = inputPipe ?? FileHandle.nullDevice
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()

        // Both pipes are drained while the process runs: one that fills up would otherwise block it forever.
        output = PipeReader(outputPipe.fileHandleForReading)
        errors = PipeReader(errorPipe.fileHandleForReading)
        if let inputPipe, let standardInput {
            let writer = inputPipe.fileHandleForWriting
            let input = Data(standardInput.utf8)
            DispatchQueue.global().async {
                try? writer.write(contentsOf: input)
                try? writer.close()
            }
        }
    }

    /// Whether the process has not exited yet.
    var isRunning: Bool { process.isRunning }

    /// Kills the process at once (SIGKILL), as a crash or power cut would.
    func kill() {
        if process.isRunning { killImmediately(process.processIdentifier) }
    }

    /// Waits for the process to exit; past `timeout` it is killed and the output says so.
    func wait(timeout: TimeInterval = RunningProcess.defaultTimeout) -> GooseBinary.Output {
        if let finishedOutput { return finishedOutput }
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill()
            exited.wait()
        }
        var standardError = String(decoding: errors.data(), as: UTF8.self)
        if timedOut {
            standardError += "\n[killed after \(Int(timeout)) seconds: \(process.executableURL?.lastPathComponent ?? "") \(process.arguments?.joined(separator: " ") ?? "")]"
        }
        let finished = GooseBinary.Output(status: process.terminationStatus, stdout: String(decoding: output.data(), as: UTF8.self), stderr: standardError)
        finishedOutput = finished
        return finished
    }
}

/// Sends SIGKILL; a free function because inside `RunningProcess` the name `kill` means the method.
private func killImmediately(_ processIdentifier: Int32) {
    _ = kill(processIdentifier, SIGKILL)
}

/// Anchors `Bundle(for:)` to the test bundle.
private final class BundleMarker {}

/// Reads a file handle to its end on a background queue.
private final class PipeReader: @unchecked Sendable {
    // Written once on the reading queue before `finished` is signalled, and read only after waiting for it.
    private var collected = Data()
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        DispatchQueue.global().async { [self] in
            collected = handle.readDataToEndOfFile()
            finished.signal()
        }
    }

    /// Everything read, once every writer has closed the pipe.
    func data() -> Data {
        finished.wait()
        return collected
    }
}

extension XCTestCase {
    /// A fresh directory under $TMPDIR, removed when the test ends.
    func temporaryDirectory(prefix: String = "goose-cli-") throws -> String {
        let path = NSTemporaryDirectory() + prefix + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Skips the test when one of the field's tools it checks with is not installed.
    func requireTools(_ names: [String]) throws {
        for name in names where GooseBinary.toolPath(named: name) == nil { throw XCTSkip("\(name) is not installed") }
    }
}
