import Foundation
import XCTest

/// `goose doctor` on this host and on a PATH with programs taken away.
final class DoctorCLITests: XCTestCase {
    func testReportsMissingProgramsWithTheAptCommandAndFails() throws {
        // A PATH holding only rpm's programs and gpg: bwrap, gpg-agent, implantisomd5, … are missing.
        let bin = NSTemporaryDirectory() + "goose-doctor-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: bin) }
        for program in ["rpmbuild", "rpmsign", "gpg"] {
            if let path = GooseBinary.toolPath(named: program) {
                try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(program)", withDestinationPath: path)
            }
        }
        let result = try GooseBinary.run(["doctor"], environment: ["PATH": bin])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("MISSING bwrap: not found on PATH"), result.stdout)
        let install = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("install: apt-get install -y ") })
        for package in ["bubblewrap", "gpg-agent", "isomd5sum", "xorriso"] {
            XCTAssertTrue(install.split(separator: " ").contains(Substring(package)), String(install))
        }
        XCTAssertFalse(install.contains(" rpm "), "rpmbuild is there: \(install)")

        let json = try GooseBinary.run(["doctor", "--json"], environment: ["PATH": bin])
        XCTAssertEqual(json.status, 1)
        let checks = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let bwrap = try XCTUnwrap(checks.first { $0["name"] as? String == "bwrap" })
        XCTAssertEqual(bwrap["ok"] as? Bool, false)
        XCTAssertEqual(bwrap["package"] as? String, "bubblewrap")
        XCTAssertNil(checks.first { $0["name"] as? String == "user namespaces" }, "no bwrap, no namespace probe")
    }

    func testThisHostPassesWhenTheToolsAreInstalled() throws {
        for tool in ["rpmbuild", "bwrap", "gpg", "gpg-agent", "implantisomd5"] where GooseBinary.toolPath(named: tool) == nil {
            throw XCTSkip("\(tool) not installed (scripts/install-deps)")
        }
        let result = try GooseBinary.run(["doctor", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertFalse(result.stdout.contains("MISSING"), result.stdout)
    }
}
