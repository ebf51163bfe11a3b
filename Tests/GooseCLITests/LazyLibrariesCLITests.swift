import Foundation
import XCTest

/// The C libraries goose loads on first use (Sources/CLazyLibraries): not linked at start-up, loaded when a
/// subcommand calls them, and a clear error when one cannot be loaded.
final class LazyLibrariesCLITests: XCTestCase {
    /// The sonames in Sources/CLazyLibraries/lazy_symbols.def.
    private func lazySonames() throws -> [String] {
        let list = try String(contentsOfFile: GooseBinary.repositoryRoot + "/Sources/CLazyLibraries/lazy_symbols.def", encoding: .utf8)
        let sonames = list.split(separator: "\n").filter { $0.hasPrefix("LAZY_LIBRARY(") }.compactMap { $0.split(separator: "\"").dropFirst().first.map(String.init) }
        XCTAssertTrue(sonames.contains("libcreaterepo_c.so.0") && sonames.contains("libgit2.so.1.5"), "\(sonames)")
        return sonames
    }

    func testTheBinaryDoesNotLinkTheLazyLibraries() throws {
        guard let readelf = GooseBinary.toolPath(named: "readelf") else { throw XCTSkip("readelf not installed") }
        let dynamic = try GooseBinary.runProgram(readelf, ["--dynamic", try GooseBinary.executable()])
        XCTAssertEqual(dynamic.status, 0, dynamic.stderr)
        let needed = dynamic.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        XCTAssertFalse(needed.isEmpty, dynamic.stdout)
        for soname in try lazySonames() {
            XCTAssertFalse(needed.contains { $0.contains("[\(soname)]") },
                           "goose links \(soname) at start-up: a new call into it? Run scripts/generate-lazy-symbols. \(needed)")
        }
    }

    /// lld packs the executable's relative relocations (DT_RELR, Package.swift): ~80,000 of them, which the dynamic
    /// loader otherwise reads from a 2 MB RELA table at every start.
    func testTheBinaryPacksItsRelativeRelocations() throws {
        guard let readelf = GooseBinary.toolPath(named: "readelf") else { throw XCTSkip("readelf not installed") }
        let dynamic = try GooseBinary.runProgram(readelf, ["--dynamic", try GooseBinary.executable()])
        XCTAssertEqual(dynamic.status, 0, dynamic.stderr)
        XCTAssertTrue(dynamic.stdout.contains("(RELR)"), dynamic.stdout)
        let relaSize = dynamic.stdout.split(separator: "\n").first { $0.contains("(RELASZ)") }
            .flatMap { $0.split(separator: " ").dropLast().last }.flatMap { Int($0) }
        XCTAssertLessThan(relaSize ?? 0, 200_000, dynamic.stdout)
    }

    func testLibRPMIsLoadedAtStartOnlyForTheSubcommandsThatStartWithIt() throws {
        // The dynamic loader names each library it maps (LD_DEBUG=files, on stderr).
        let loaded = { (arguments: [String]) throws -> String in
            let result = try GooseBinary.run(arguments, environment: ["LD_DEBUG": "files"])
            XCTAssertEqual(result.status, 0, result.stderr)
            return result.stderr
        }
        XCTAssertFalse(try loaded(["--version"]).contains("librpm.so.9"))
        XCTAssertFalse(try loaded(["lookaside", "--help"]).contains("librpm.so.9"))
        // mock-build reads the SRPM's header first: librpm is loaded while the command line is parsed.
        XCTAssertTrue(try loaded(["mock-build", "--help"]).contains("librpm.so.9"))
    }

    func testALibraryThatCannotBeLoadedIsNamedWhenFirstNeeded() throws {
        // A broken libcreaterepo_c.so.0 found first: goose starts (it does not load the library), and the first
        // call into createrepo_c (doctor asks for its version) ends goose with one line naming the library.
        let directory = NSTemporaryDirectory() + "goose-lazy-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("not a library\n".utf8).write(to: URL(fileURLWithPath: directory + "/libcreaterepo_c.so.0"))
        let environment = ["LD_LIBRARY_PATH": directory]

        let version = try GooseBinary.run(["--version"], environment: environment)
        XCTAssertEqual(version.status, 0, version.stderr)

        let doctor = try GooseBinary.run(["doctor"], environment: environment)
        XCTAssertEqual(doctor.status, 127, doctor.stdout + doctor.stderr)
        let lines = doctor.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, doctor.stderr)
        XCTAssertTrue(doctor.stderr.hasPrefix("goose: cannot load libcreaterepo_c.so.0: "), doctor.stderr)
        XCTAssertTrue(doctor.stderr.contains(directory + "/libcreaterepo_c.so.0"), doctor.stderr)
    }
}
