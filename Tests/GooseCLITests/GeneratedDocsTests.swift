import Foundation
import XCTest

/// Checks that the committed man/ and completions/ are what the built goose generates, and that the pages render cleanly.
final class GeneratedDocsTests: XCTestCase {
    private static let regenerateAdvice = "run scripts/generate-docs and commit man/ and completions/"

    /// The completion files scripts/generate-docs writes, by shell.
    private static let completionFiles = [("bash", "goose.bash"), ("zsh", "_goose"), ("fish", "goose.fish")]

    func testManualPagesAreCurrent() throws {
        let generated = try generateManual()
        let committedDirectory = URL(fileURLWithPath: GooseBinary.repositoryRoot).appendingPathComponent("man", isDirectory: true)
        let generatedNames = try pageNames(in: generated)
        let committedNames = (try? pageNames(in: committedDirectory)) ?? []

        XCTAssertEqual(committedNames, generatedNames, "man/ does not hold the pages goose generates: \(Self.regenerateAdvice)")
        for name in generatedNames where committedNames.contains(name) {
            let expected = try Data(contentsOf: generated.appendingPathComponent(name))
            let committed = try Data(contentsOf: committedDirectory.appendingPathComponent(name))
            if committed != expected {
                XCTFail("man/\(name) is stale (\(Self.firstDifference(committed, expected))): \(Self.regenerateAdvice)")
            }
        }
    }

    func testCompletionScriptsAreCurrent() throws {
        for (shell, fileName) in Self.completionFiles {
            let result = try GooseBinary.run(["--generate-completion-script", shell])
            XCTAssertEqual(result.status, 0, "goose --generate-completion-script \(shell) failed: \(result.stderr)")
            let committedURL = URL(fileURLWithPath: GooseBinary.repositoryRoot).appendingPathComponent("completions/\(fileName)")
            guard let committed = try? Data(contentsOf: committedURL) else {
                XCTFail("completions/\(fileName) is missing: \(Self.regenerateAdvice)")
                continue
            }
            let expected = Data(result.stdout.utf8)
            if committed != expected {
                XCTFail("completions/\(fileName) is stale (\(Self.firstDifference(committed, expected))): \(Self.regenerateAdvice)")
            }
        }
    }

    func testManualPagesRenderWithoutWarnings() throws {
        let groff = GooseBinary.toolPath(named: "groff")
        let mandoc = GooseBinary.toolPath(named: "mandoc")
        if groff == nil && mandoc == nil {
            throw XCTSkip("neither groff nor mandoc is installed")
        }
        let generated = try generateManual()
        for name in try pageNames(in: generated) {
            let page = generated.appendingPathComponent(name).path
            if let groff {
                // -z formats without output, so only the -ww warnings reach stderr.
                let result = try GooseBinary.runProgram(groff, ["-mandoc", "-Tutf8", "-ww", "-z", page])
                XCTAssertEqual(result.status, 0, "groff failed on \(name): \(result.stderr)")
                XCTAssertEqual(result.stderr, "", "groff warns about \(name)")
            }
            if let mandoc {
                // Style notes such as "referenced manual not found" depend on what the machine has installed.
                let result = try GooseBinary.runProgram(mandoc, ["-T", "lint", "-W", "warning", page])
                XCTAssertEqual(result.status, 0, "mandoc warns about \(name): \(result.stdout)\(result.stderr)")
                XCTAssertEqual(result.stdout + result.stderr, "", "mandoc warns about \(name)")
            }
        }
    }

    /// Runs `goose generate-manual` into a fresh directory that is removed after the test.
    private func generateManual() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("goose-generated-docs-\(UUID().uuidString)", isDirectory: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let result = try GooseBinary.run(["generate-manual", "--output-directory", directory.path])
        guard result.status == 0 else {
            throw GenerationFailure(description: "goose generate-manual exited with \(result.status): \(result.stderr)")
        }
        return directory
    }

    /// The section 1 pages in a directory, sorted.
    private func pageNames(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".1") }.sorted()
    }

    /// Where two texts first differ, as "line N: committed … / generated …", to point at the change without dumping files.
    private static func firstDifference(_ committed: Data, _ generated: Data) -> String {
        let committedLines = String(decoding: committed, as: UTF8.self).components(separatedBy: "\n")
        let generatedLines = String(decoding: generated, as: UTF8.self).components(separatedBy: "\n")
        for index in 0..<max(committedLines.count, generatedLines.count) {
            let committedLine = index < committedLines.count ? committedLines[index] : "<end of file>"
            let generatedLine = index < generatedLines.count ? generatedLines[index] : "<end of file>"
            if committedLine != generatedLine {
                return "line \(index + 1): committed \"\(committedLine)\", generated \"\(generatedLine)\""
            }
        }
        return "same lines, different bytes"
    }
}

/// `goose generate-manual` failing, which makes every comparison meaningless.
private struct GenerationFailure: Error, CustomStringConvertible {
    let description: String
}
