import XCTest
@testable import GooseKit

/// `goose doctor`'s judgement, on made-up facts.
final class HostCheckTests: XCTestCase {
    func facts(missing: Set<String> = [], namespaces: Bool = true, free: UInt64 = 100 << 30) -> HostFacts {
        var facts = HostFacts()
        for program in HostCheck.programs where !missing.contains(program) { facts.programs[program] = "/usr/bin/" + program }
        facts.userNamespaces = namespaces
        facts.createrepoVersion = "0.20.1"
        facts.freeBytes = free
        return facts
    }

    func testEverythingPresentIsAllOKAndNeedsNoInstall() {
        let results = HostCheck.evaluate(facts())
        XCTAssertTrue(results.allSatisfy(\.ok), "\(results)")
        XCTAssertNil(HostCheck.installCommand(for: results))
    }

    func testMissingProgramsNameTheirPackagesInOneCommand() {
        let results = HostCheck.evaluate(facts(missing: ["bwrap", "xorriso", "gpg", "gpg-agent"]))
        XCTAssertEqual(HostCheck.installCommand(for: results), "apt-get install -y bubblewrap gnupg gpg-agent xorriso")
        XCTAssertEqual(HostCheck.installCommand(for: results, includeOptional: false), "apt-get install -y bubblewrap gnupg gpg-agent")
        XCTAssertTrue(results.first { $0.name == "bwrap" }!.required)
        XCTAssertFalse(results.first { $0.name == "xorriso" }!.required)
    }

    func testNamespacesAndDiskAreRequired() {
        let results = HostCheck.evaluate(facts(namespaces: false, free: 1 << 30))
        let failed = results.filter { !$0.ok }.map(\.name)
        XCTAssertEqual(failed, ["user namespaces", "free disk"])
        XCTAssertTrue(results.filter { !$0.ok }.allSatisfy(\.required))
        XCTAssertNil(HostCheck.installCommand(for: results), "nothing apt can install")
    }

    func testLowButSufficientDiskIsOKWithARecommendation() {
        let result = HostCheck.evaluate(facts(free: 5 << 30)).first { $0.name == "free disk" }!
        XCTAssertTrue(result.ok)
        XCTAssertTrue(result.detail.contains("recommended"), result.detail)
    }
}
