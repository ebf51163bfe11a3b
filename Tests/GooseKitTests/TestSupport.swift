import Foundation
import XCTest
@testable import GooseKit

/// Paths and helpers shared by GooseKit's tests.
enum TestSupport {
    /// The repository root, found from this file's location (not the current directory).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// `../shared/fixtures` beside the repository.
    static let fixtures = URL(fileURLWithPath: repositoryRoot + "/../shared/fixtures").standardizedFileURL.path

    static func fixture(_ relative: String) -> String { fixtures + "/" + relative }

    /// A fresh temporary directory, removed when the test ends.
    static func temporaryDirectory(_ testCase: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "goose-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Runs a program and returns its exit status and output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil, input: Data? = nil) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // Output goes to files, so a chatty child never blocks on a full pipe.
        let outputPath = NSTemporaryDirectory() + "goose-out-" + UUID().uuidString
        let errorPath = outputPath + ".err"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath); try? FileManager.default.removeItem(atPath: errorPath) }
        let standardInput = Pipe()
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardInput = standardInput
        // The termination handler, not waitUntilExit, which polls its run loop in 50 ms steps.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if let input { standardInput.fileHandleForWriting.write(input) }
        try standardInput.fileHandleForWriting.close()
        exited.wait()
        process.waitUntilExit()
        let outputData = try FileSystem.contents(of: outputPath)
        let errorData = try FileSystem.contents(of: errorPath)
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }

    /// Runs a shell command line and fails the test when it exits non-zero.
    @discardableResult
    static func shell(_ command: String, in directory: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try run("/bin/sh", ["-c", command], in: directory)
        XCTAssertEqual(result.status, 0, "\(command) failed: \(result.error)", file: file, line: line)
        return result.output
    }
}
