import CCreaterepo
import XCTest
@testable import GooseKit

final class TagInheritanceTests: XCTestCase {
    func record(_ name: String, _ version: String, _ release: String, epoch: Int? = nil) -> BuildRecord {
        BuildRecord(name: name, epoch: epoch, version: version, release: release, origin: .imported)
    }

    func testOrderIsChildThenParentsDepthFirstOnce() throws {
        let parents = ["el9": ["el9-updates", "el9-base"], "el9-updates": ["el9-base"], "el9-base": []]
        XCTAssertEqual(try TagInheritance.order(of: "el9", parents: { parents[$0] ?? [] }), ["el9", "el9-updates", "el9-base"])
    }

    func testCycleIsAnError() {
        let parents = ["a": ["b"], "b": ["a"]]
        XCTAssertThrowsError(try TagInheritance.order(of: "a", parents: { parents[$0] ?? [] })) { error in
            XCTAssertTrue("\(error)".contains("a -> b -> a"), "\(error)")
        }
    }

    func testLatestUsesRPMVersionOrderWithinATag() {
        let latest = TagInheritance.latest(layers: [[record("bash", "5.1.8", "9.el9"), record("bash", "5.1.10", "1.el9"), record("bash", "5.1.9", "1.el9")]])
        XCTAssertEqual(latest.map(\.nvr), ["bash-5.1.10-1.el9"])
    }

    func testEpochWins() {
        let latest = TagInheritance.latest(layers: [[record("perl", "5.32", "1"), record("perl", "5.30", "1", epoch: 4)]])
        XCTAssertEqual(latest.map(\.nvr), ["perl-5.30-1"])
    }

    func testChildShadowsParentAsKojiDoes() {
        let child = [record("bash", "5.1", "1")]
        let parent = [record("bash", "5.2", "1"), record("glibc", "2.34", "1")]
        XCTAssertEqual(TagInheritance.latest(layers: [child, parent]).map(\.nvr), ["bash-5.1-1", "glibc-2.34-1"])
    }

    func testTagFileIsSortedUniqueLines() {
        XCTAssertEqual(TagStore.render(["b-1-1", "a-1-1", "b-1-1"]), "a-1-1\nb-1-1\n")
        XCTAssertEqual(TagStore.render([]), "")
        XCTAssertEqual(TagStore.parse("a-1-1\n\n# note\n b-1-1 \n"), ["a-1-1", "b-1-1"])
    }
}

final class MultilibTests: XCTestCase {
    func candidate(_ name: String, files: [String] = [], requires: [String] = [], provides: [String] = []) -> MultilibCandidate {
        MultilibCandidate(name: name, files: files, requires: requires, provides: provides)
    }

    func testRuntimeFiles() {
        XCTAssertTrue(Multilib.isRuntimeFile("/usr/lib/libc.so.6"))
        XCTAssertTrue(Multilib.isRuntimeFile("/lib64/libz.so.1.2.11"))
        XCTAssertTrue(Multilib.isRuntimeFile("/lib/libnss_files-2.34.so"))
        XCTAssertTrue(Multilib.isRuntimeFile("/usr/lib/dri/i965_dri.so"))
        XCTAssertTrue(Multilib.isRuntimeFile("/lib/security/pam_unix.so"))
        XCTAssertTrue(Multilib.isRuntimeFile("/etc/ld.so.conf.d/mysql.conf"))
        XCTAssertFalse(Multilib.isRuntimeFile("/usr/lib/libc.so"), "the unversioned .so is a -devel file")
        XCTAssertFalse(Multilib.isRuntimeFile("/usr/lib/python3.9/site-packages/x.so.1"), "only directly in the library directories")
        XCTAssertFalse(Multilib.isRuntimeFile("/usr/bin/bash"))
    }

    func testPolicies() {
        let settings = MultilibSettings()
        let glibc = candidate("glibc", files: ["/usr/lib/libc.so.6"])
        let devel = candidate("zlib-devel", files: ["/usr/include/zlib.h"])
        let bash = candidate("bash", files: ["/usr/bin/bash"])
        XCTAssertTrue(Multilib.isWanted(glibc, policy: .runtime, settings: settings))
        XCTAssertFalse(Multilib.isWanted(devel, policy: .runtime, settings: settings))
        XCTAssertTrue(Multilib.isWanted(devel, policy: .devel, settings: settings))
        XCTAssertTrue(Multilib.isWanted(glibc, policy: .devel, settings: settings))
        XCTAssertFalse(Multilib.isWanted(bash, policy: .devel, settings: settings))
        XCTAssertTrue(Multilib.isWanted(bash, policy: .all, settings: settings))
        XCTAssertFalse(Multilib.isWanted(glibc, policy: .none, settings: settings))
        XCTAssertFalse(Multilib.isWanted(candidate("httpd", files: ["/usr/lib/libapr.so.1"]), policy: .runtime, settings: settings))
        XCTAssertFalse(Multilib.isWanted(candidate("java-17-openjdk-devel"), policy: .devel, settings: settings))
        XCTAssertFalse(Multilib.isWanted(candidate("ghc-base-devel"), policy: .devel, settings: settings))
        XCTAssertTrue(Multilib.isWanted(candidate("glibc-static"), policy: .devel, settings: settings))
        XCTAssertTrue(Multilib.isWanted(candidate("valgrind"), policy: .runtime, settings: settings))
    }

    func testConfiguredListsOverrideRules() {
        var settings = MultilibSettings()
        settings.whitelist = ["bash"]
        settings.blacklist = ["glibc"]
        XCTAssertTrue(Multilib.isWanted(candidate("bash"), policy: .runtime, settings: settings))
        XCTAssertFalse(Multilib.isWanted(candidate("glibc", files: ["/usr/lib/libc.so.6"]), policy: .all, settings: settings))
    }

    func testDevelPullsInTheRuntimePackagesItRequires() {
        let candidates = [
            candidate("zlib-devel", requires: ["zlib", "libz.so.1", "rpmlib(CompressedFileNames)"]),
            candidate("zlib", files: ["/usr/lib/libz.so.1"], requires: ["libc.so.6"], provides: ["libz.so.1"]),
            candidate("glibc", files: ["/usr/bin/ldd"], provides: ["libc.so.6"]),
            candidate("bash", requires: ["libc.so.6"]),
        ]
        XCTAssertEqual(Multilib.select(candidates, policy: .devel, settings: MultilibSettings()), ["zlib-devel", "zlib", "glibc"])
        XCTAssertEqual(Multilib.select(candidates, policy: .none, settings: MultilibSettings()), [])
        var settings = MultilibSettings()
        settings.blacklist = ["glibc"]
        XCTAssertEqual(Multilib.select(candidates, policy: .devel, settings: settings), ["zlib-devel", "zlib"])
    }

    func testOnlyX86_64HasMultilib() {
        XCTAssertTrue(Multilib.multilibArches(for: "x86_64").contains("i686"))
        XCTAssertEqual(Multilib.multilibArches(for: "aarch64"), [])
        XCTAssertEqual(Multilib.multilibArches(for: "ppc64le"), [])
    }
}

final class MashPlanTests: XCTestCase {
    func artifact(_ name: String, _ arch: String) -> BuildArtifact {
        let file = arch == "src" ? "\(name)-1-1.src.rpm" : "\(name)-1-1.\(arch).rpm"
        return BuildArtifact(path: (arch == "src" ? "src" : arch) + "/" + file, name: name, epoch: nil, version: "1", release: "1", arch: arch, sha256: "")
    }

    func testLayout() {
        let record = BuildRecord(name: "zlib", epoch: nil, version: "1", release: "1", origin: .imported, artifacts: [
            artifact("zlib", "src"), artifact("zlib", "x86_64"), artifact("zlib", "i686"), artifact("zlib", "aarch64"),
            artifact("zlib-doc", "noarch"), artifact("zlib-debuginfo", "x86_64"), artifact("zlib-debugsource", "x86_64"),
            artifact("zlib-debuginfo", "i686"), artifact("zlib-devel", "i686"), artifact("zlib-debuginfo-common-x86_64", "x86_64"),
        ])
        let plan = MashPlan.plan(builds: [(record, "/b")], arches: ["x86_64", "aarch64"], multilibNames: ["x86_64": ["zlib", "zlib-debuginfo"]])
        XCTAssertEqual(plan["source/tree"], ["/b/src/zlib-1-1.src.rpm"])
        XCTAssertEqual(plan["x86_64"], ["/b/i686/zlib-1-1.i686.rpm", "/b/noarch/zlib-doc-1-1.noarch.rpm", "/b/x86_64/zlib-1-1.x86_64.rpm"])
        XCTAssertEqual(plan["x86_64/debug"], ["/b/x86_64/zlib-debuginfo-1-1.x86_64.rpm", "/b/x86_64/zlib-debuginfo-common-x86_64-1-1.x86_64.rpm",
                                              "/b/x86_64/zlib-debugsource-1-1.x86_64.rpm"])
        XCTAssertEqual(plan["aarch64"], ["/b/aarch64/zlib-1-1.aarch64.rpm", "/b/noarch/zlib-doc-1-1.noarch.rpm"])
        XCTAssertEqual(plan["aarch64/debug"], [])
    }

    func testNoarchFollowsExcludeArchAndExclusiveArch() {
        XCTAssertTrue(ArchRestriction().allows("aarch64"))
        XCTAssertFalse(ArchRestriction(excluded: ["aarch64"]).allows("aarch64"))
        XCTAssertTrue(ArchRestriction(excluded: ["aarch64"]).allows("x86_64"))
        // "noarch" in ExclusiveArch only lets the noarch build happen; the arch list still decides.
        XCTAssertTrue(ArchRestriction(exclusive: ["x86_64", "noarch"]).allows("x86_64"))
        XCTAssertFalse(ArchRestriction(exclusive: ["x86_64", "noarch"]).allows("ppc64le"))
        XCTAssertTrue(ArchRestriction(exclusive: ["i386"]).allows("i686"), "an i686 repository holds the %{ix86} arches")
        XCTAssertFalse(ArchRestriction(excluded: ["i586"]).allows("i686"))

        let tool = BuildRecord(name: "tool", epoch: nil, version: "1", release: "1", origin: .imported, artifacts: [
            artifact("tool", "src"), artifact("tool-data", "noarch"), artifact("tool", "x86_64"),
        ])
        let plan = MashPlan.plan(builds: [(tool, "/t")], arches: ["x86_64", "aarch64"], multilibNames: [:],
                                 restrictions: ["/t": ArchRestriction(excluded: ["aarch64"])])
        XCTAssertEqual(plan["x86_64"], ["/t/noarch/tool-data-1-1.noarch.rpm", "/t/x86_64/tool-1-1.x86_64.rpm"])
        XCTAssertEqual(plan["aarch64"], [])
        XCTAssertEqual(plan["source/tree"], ["/t/src/tool-1-1.src.rpm"])
    }

    func testPlannedFilePaths() {
        XCTAssertEqual(MashPlan.fileName("/w/builds/zlib/1/1/x86_64/zlib-1-1.x86_64.rpm"), "zlib-1-1.x86_64.rpm")
        XCTAssertEqual(MashPlan.buildDirectory(of: "/w/builds/zlib/1/1/x86_64/zlib-1-1.x86_64.rpm"), "/w/builds/zlib/1/1")
    }

    func testGzipMemberCheck() {
        // `printf 'abc' | gzip -n | xxd -i`: magic 1f 8b ... CRC32, ISIZE 3 (little-endian).
        let member = Data([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x4c, 0x4a, 0x06, 0x00,
                           0xc2, 0x41, 0x24, 0x35, 0x03, 0x00, 0x00, 0x00])
        XCTAssertTrue(SegmentedXMLWriter.isMember(member, of: 3))
        XCTAssertFalse(SegmentedXMLWriter.isMember(member, of: 4), "ISIZE names another length")
        XCTAssertFalse(SegmentedXMLWriter.isMember(Data(count: member.count), of: 0), "zeros after a crash are not a member")
        XCTAssertFalse(SegmentedXMLWriter.isMember(member.prefix(10), of: 3), "truncated")
    }

    func testGzipMembersAreWhatGzipAndCreaterepoCMake() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let first = Data(String(repeating: "<package type=\"rpm\"><name>zlib</name></package>\n", count: 500).utf8)
        let second = Data("</metadata>\n".utf8)
        // Concatenated members are one stream to gzip (as to zlib's gzread in libsolv, librepo and createrepo_c).
        let joined = try Gzip.member(first, name: "first") + Gzip.member(second, name: "second")
        try joined.write(to: URL(fileURLWithPath: directory + "/joined.gz"))
        try first.write(to: URL(fileURLWithPath: directory + "/first"))
        try second.write(to: URL(fileURLWithPath: directory + "/second"))
        XCTAssertEqual(try TestSupport.shell("gzip -t joined.gz && gzip -dc joined.gz | sha256sum", in: directory),
                       try TestSupport.shell("cat first second | sha256sum", in: directory))
        // Byte for byte what libcreaterepo_c's gz writer makes of the same data (the cached members replaced its output).
        _ = RepodataGenerator.libraryReady
        var error: UnsafeMutablePointer<GError>?
        let path = directory + "/createrepo.gz"
        let file = try XCTUnwrap(cr_sopen(path, CR_CW_MODE_WRITE, CR_CW_GZ_COMPRESSION, nil, &error))
        _ = first.withUnsafeBytes { cr_write(file, $0.baseAddress, UInt32($0.count), &error) }
        XCTAssertEqual(cr_close(file, &error), Int32(CRE_OK.rawValue))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), try Gzip.member(first, name: "first"))
        XCTAssertTrue(SegmentedXMLWriter.isMember(try Gzip.member(Data(), name: "empty"), of: 0))
    }

    func testPruneKeepsNewestAndLatest() {
        let names = ["20260101-000000", "20260102-000000", "20260103-000000", "latest", "20260104-000000.9.tmp", ".latest.9.tmp"]
        XCTAssertEqual(Mash.toPrune(names, latest: "20260103-000000", keep: 2), ["20260101-000000"])
        XCTAssertEqual(Mash.toPrune(names, latest: "20260101-000000", keep: 1), ["20260102-000000"])
    }

    func testTimestampAvoidsExistingNames() {
        let now = Date(timeIntervalSince1970: 0)
        XCTAssertEqual(Mash.timestamp(existing: [], now: now), "19700101-000000")
        XCTAssertEqual(Mash.timestamp(existing: ["19700101-000000"], now: now), "19700101-000000.1")
        // The plain name was pruned while later ones of the same second remain: the new one still sorts last.
        XCTAssertEqual(Mash.timestamp(existing: ["19700101-000000.1", "19700101-000000.2", "latest"], now: now), "19700101-000000.3")
        XCTAssertEqual(Mash.timestamp(existing: ["19700101-000000.4.123.tmp"], now: now), "19700101-000000.5")
        XCTAssertEqual(Mash.timestamp(existing: ["19691231-235959.7"], now: now), "19700101-000000")
        // Any second, in UTC, as date(1) prints it.
        for seconds in [1_764_767_045, 951_782_400, 4_102_444_799] {
            let expected = try? TestSupport.run("/usr/bin/date", ["-u", "-d", "@\(seconds)", "+%Y%m%d-%H%M%S"]).output
            XCTAssertEqual(Mash.timestamp(existing: [], now: Date(timeIntervalSince1970: Double(seconds) + 0.75)) + "\n", expected)
        }
    }

    func testPruneOrdersCountersNumerically() {
        let names = ["20260101-000000.10", "20260101-000000.2", "20260101-000000", "20251231-235959.3", "latest"]
        XCTAssertEqual(Mash.toPrune(names, latest: "20260101-000000.10", keep: 2), ["20251231-235959.3", "20260101-000000"])
    }

    func testSourceFileNames() {
        XCTAssertTrue(BuildImporter.parseSourceFileName("glibc-2.34-100.el9.src.rpm")! == ("glibc", "2.34", "100.el9"))
        XCTAssertTrue(BuildImporter.parseSourceFileName("kernel-ml-6.15.2-1.el9.elrepo.nosrc.rpm")! == ("kernel-ml", "6.15.2", "1.el9.elrepo"))
        XCTAssertNil(BuildImporter.parseSourceFileName("glibc-2.34.src.rpm"))
        XCTAssertNil(BuildImporter.parseSourceFileName("glibc-2.34-1.x86_64.rpm"))
    }

    func testConfigurationTagsAndMultilibRoundTrip() throws {
        var configuration = WorkspaceConfiguration()
        configuration.tags = ["el9": TagSettings(inherit: ["el9-base"], release: true), "el9-base": TagSettings()]
        configuration.multilib.policy = .runtime
        configuration.multilib.whitelist = ["wine"]
        let parsed = try WorkspaceConfiguration.parse(configuration.rendered(), file: "goose.toml")
        XCTAssertEqual(parsed, configuration)
        XCTAssertThrowsError(try WorkspaceConfiguration.parse("[tags.x]\ninherits = []\n", file: "goose.toml")) { error in
            XCTAssertEqual("\(error)", "goose.toml: unknown key 'inherits' in [tags.x]")
        }
        XCTAssertThrowsError(try WorkspaceConfiguration.parse("[multilib]\npolicy = \"some\"\n", file: "goose.toml"))
    }
}

final class RepodataCacheTests: XCTestCase {
    func testHeaderFactsAreReadOnceAndAgainWhenTheFileChanges() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let file = directory + "/a.rpm", cacheFile = directory + "/cache/headers"
        try Data("one".utf8).write(to: URL(fileURLWithPath: file))
        var reads = 0
        let read = { () -> [String] in reads += 1; return ["multilib", "/usr/lib/libz.so.1\n/usr/share/doc/z", "", "libz.so.1"] }
        var cache = HeaderFactsCache.load(cacheFile)
        XCTAssertEqual(try cache.facts(of: file, read: read), read())
        try cache.save(cacheFile)
        reads = 0
        var again = HeaderFactsCache.load(cacheFile)
        XCTAssertEqual(try again.facts(of: file, read: read)[1], "/usr/lib/libz.so.1\n/usr/share/doc/z")
        XCTAssertEqual(reads, 0, "unchanged file: from the cache")
        try Data("longer".utf8).write(to: URL(fileURLWithPath: file))
        _ = try again.facts(of: file, read: read)
        XCTAssertEqual(reads, 1, "another size: read again")
        try Data("damaged".utf8).write(to: URL(fileURLWithPath: cacheFile))
        XCTAssertEqual(HeaderFactsCache.load(cacheFile).entries.count, 0)
    }

    func testRoundTripAndDamage() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        var cache = RepodataCache(signature: "sig")
        cache.entries["Packages/a.rpm"] = .init(size: 10, modificationTime: 20, primary: "<package>\n é,:</package>", filelists: "", other: "o")
        cache.entries["Packages/b.rpm"] = .init(size: 1, modificationTime: 2, primary: "p", filelists: "f", other: "")
        try cache.save(directory + "/c")
        XCTAssertEqual(RepodataCache.load(directory + "/c", signature: "sig").entries, cache.entries)
        XCTAssertEqual(RepodataCache.load(directory + "/c", signature: "other").entries, [:], "other settings: ignored")
        var data = try FileSystem.contents(of: directory + "/c")
        data.removeLast(3)
        try AtomicFileWriter.write(data, to: directory + "/c")
        XCTAssertEqual(RepodataCache.load(directory + "/c", signature: "sig").entries, [:], "truncated: ignored")
        XCTAssertEqual(RepodataCache.load(directory + "/missing", signature: "sig").entries, [:])
    }
}

final class PackageTreeTests: XCTestCase {
    /// A spare tree keeps the links that are still right, relinks a file whose builds/ copy is another inode, and loses
    /// everything else.
    func testReconcileKeepsOnlyTheLinksThatAreStillRight() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let builds = directory + "/builds", staging = directory + "/staging"
        try FileSystem.createDirectory(builds)
        for name in ["a", "b", "c", "d", "gone"] { try Data(name.utf8).write(to: URL(fileURLWithPath: "\(builds)/\(name).rpm")) }
        try FileSystem.createDirectory(staging + "/x86_64/Packages")
        try FileSystem.createDirectory(staging + "/x86_64/repodata")
        try FileSystem.createDirectory(staging + "/x86_64/debug/Packages")
        try FileSystem.createDirectory(staging + "/aarch64/Packages")
        try FileSystem.createDirectory(staging + "/source/tree/Packages/stray")
        for name in ["a", "b", "gone"] { XCTAssertEqual(link("\(builds)/\(name).rpm", "\(staging)/x86_64/Packages/\(name).rpm"), 0) }
        try Data("repomd".utf8).write(to: URL(fileURLWithPath: staging + "/x86_64/repodata/repomd.xml"))
        // b was rewritten under builds/ (as goose sign does): the spare's link is the old file.
        try FileManager.default.removeItem(atPath: builds + "/b.rpm")
        try Data("b, signed".utf8).write(to: URL(fileURLWithPath: builds + "/b.rpm"))

        let members = ["x86_64": ["a", "b", "c"].map { PackageTree.Member(name: "\($0).rpm", source: "\(builds)/\($0).rpm") },
                       "source/tree": [PackageTree.Member(name: "d.rpm", source: builds + "/d.rpm")]]
        let identities = try PackageTree.reconcile(staging, repositories: members)
        var status = stat()
        XCTAssertEqual(stat(builds + "/a.rpm", &status), 0)
        XCTAssertEqual(identities["x86_64"]?.count, 3)
        XCTAssertEqual(identities["x86_64"]?[0]?.size, Int64(status.st_size))
        XCTAssertEqual(identities["x86_64"]?[0]?.modificationTime, Int64(status.st_mtim.tv_sec))
        XCTAssertNil(identities["x86_64"]?[1] ?? nil, "another inode under builds/: to link again")
        XCTAssertNil(identities["x86_64"]?[2] ?? nil, "not in the spare: to link")
        XCTAssertEqual(identities["source/tree"]?.map { $0 == nil }, [true])
        func names(_ path: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
        XCTAssertEqual(names(staging), ["source", "x86_64"])
        XCTAssertEqual(names(staging + "/x86_64"), ["Packages"], "repodata and the unplanned debug repository are gone")
        XCTAssertEqual(names(staging + "/x86_64/Packages"), ["a.rpm"])
        XCTAssertEqual(names(staging + "/source/tree/Packages"), [])
    }

    func testRetireKeepsOneSpareAndAdoptTakesIt() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let spare = directory + "/cache/spare"
        for tree in ["one", "two"] { try FileSystem.createDirectory("\(directory)/\(tree)/x86_64/Packages") }
        PackageTree.retire(directory + "/one", spare: spare)
        PackageTree.retire(directory + "/two", spare: spare)
        XCTAssertTrue(FileSystem.isDirectory(spare + "/x86_64/Packages"))
        XCTAssertFalse(FileSystem.exists(directory + "/one"))
        XCTAssertFalse(FileSystem.exists(directory + "/two"), "a second tree is removed, not kept")
        XCTAssertTrue(PackageTree.adopt(spare: spare, as: directory + "/staging"))
        XCTAssertTrue(FileSystem.isDirectory(directory + "/staging/x86_64/Packages"))
        XCTAssertFalse(PackageTree.adopt(spare: spare, as: directory + "/again"), "no spare left")
        // Something that is not a directory is no spare.
        try Data().write(to: URL(fileURLWithPath: spare))
        XCTAssertFalse(PackageTree.adopt(spare: spare, as: directory + "/again"))
        XCTAssertFalse(FileSystem.exists(spare))
    }

    func testRemoveTreeRemovesEverythingAndNotWhatALinkPointsAt() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        try FileSystem.createDirectory(directory + "/kept")
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/kept/file"))
        try FileSystem.createDirectory(directory + "/tree/a/b/c")
        try Data("y".utf8).write(to: URL(fileURLWithPath: directory + "/tree/a/b/file"))
        XCTAssertEqual(symlink(directory + "/kept", directory + "/tree/a/link"), 0)
        try FileSystem.removeTree(directory + "/tree")
        XCTAssertFalse(FileSystem.exists(directory + "/tree"))
        XCTAssertTrue(FileSystem.isRegularFile(directory + "/kept/file"))
        try FileSystem.removeTree(directory + "/missing")
    }
}

final class RepodataChunkGroupsTests: XCTestCase {
    func testGroupsAreWrittenOnceAndGoneGroupsRemoved() throws {
        let directory = try TestSupport.temporaryDirectory(self) + "/chunks"
        let entry = { (text: String) in RepodataCache.Entry(size: 1, modificationTime: 2, primary: text, filelists: "f", other: "o") }
        try RepodataCache.saveGroups(directory, signature: "sig", groups: [("k1", [("Packages/a.rpm", entry("a"))]), ("k2", [("Packages/b.rpm", entry("b"))])],
                                     existing: [])
        let loaded = RepodataCache.loadGroups(directory, signature: "sig")
        XCTAssertEqual(loaded.files, ["k1.chunks", "k2.chunks"])
        XCTAssertEqual(loaded.entries["Packages/b.rpm"], entry("b"))
        XCTAssertEqual(RepodataCache.loadGroups(directory, signature: "other").entries, [:], "other settings: ignored")
        // A group that exists is not written again (its content is whatever its key says); a gone one is removed.
        try RepodataCache.saveGroups(directory, signature: "sig", groups: [("k2", [("Packages/b.rpm", entry("changed"))]), ("k3", [("Packages/c.rpm", entry("c"))])],
                                     existing: loaded.files)
        let again = RepodataCache.loadGroups(directory, signature: "sig")
        XCTAssertEqual(again.files, ["k2.chunks", "k3.chunks"])
        XCTAssertEqual(again.entries["Packages/b.rpm"], entry("b"))
        XCTAssertNil(again.entries["Packages/a.rpm"])
        // The single file an older goose kept at the same path gives way to the directory.
        let legacy = directory + ".legacy"
        try Data("old".utf8).write(to: URL(fileURLWithPath: legacy))
        XCTAssertEqual(RepodataCache.loadGroups(legacy, signature: "sig").entries, [:])
        try RepodataCache.saveGroups(legacy, signature: "sig", groups: [("k1", [("Packages/a.rpm", entry("a"))])], existing: [])
        XCTAssertEqual(RepodataCache.loadGroups(legacy, signature: "sig").entries.count, 1)
    }
}

final class BuildRecordCacheTests: XCTestCase {
    func testRecordsRoundTripWithEveryFieldAndAreDecodedAgainWhenRewritten() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let file = directory + "/build.json", cacheFile = directory + "/cache/builds"
        var record = BuildRecord(name: "bash", epoch: 1, version: "5.1.8", release: "9.el9", origin: .built, state: .failed, sourceCommit: "abc",
                                 buildroot: "el9-x86_64", started: Date(timeIntervalSince1970: 1_700_000_000), finished: Date(timeIntervalSince1970: 1_700_000_100),
                                 artifacts: [BuildArtifact(path: "x86_64/bash-5.1.8-9.el9.x86_64.rpm", name: "bash", epoch: 1, version: "5.1.8", release: "9.el9",
                                                           arch: "x86_64", sha256: String(repeating: "a", count: 64), signedBy: "0123ABCD"),
                                             BuildArtifact(path: "src/bash-5.1.8-9.el9.src.rpm", name: "bash", epoch: nil, version: "5.1.8", release: "9.el9",
                                                           arch: "src", sha256: String(repeating: "b", count: 64))])
        record.exitStatus = 10
        // Every stored property is written: a field added to BuildRecord or BuildArtifact must be added to the cache too.
        XCTAssertEqual(Mirror(reflecting: record).children.count, 12)
        XCTAssertEqual(Mirror(reflecting: record.artifacts[0]).children.count, 8)
        try AtomicFileWriter.write(try record.encoded(), to: file)
        var cache = BuildRecordCache.load(cacheFile)
        XCTAssertEqual(try cache.record(at: file), record)
        try cache.save(cacheFile)
        var again = BuildRecordCache.load(cacheFile)
        // From the cache, field for field.
        XCTAssertEqual(try again.record(at: file), record)
        record.state = .complete
        record.artifacts.removeLast()
        try AtomicFileWriter.write(try record.encoded(), to: file)
        XCTAssertEqual(try again.record(at: file), record, "rewritten (another inode): decoded again")
        XCTAssertNil(try again.record(at: directory + "/missing.json"))
        try Data("damaged".utf8).write(to: URL(fileURLWithPath: cacheFile))
        var damaged = BuildRecordCache.load(cacheFile)
        XCTAssertEqual(try damaged.record(at: file), record)
    }
}
