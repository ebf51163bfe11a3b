// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "goose",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "goose", targets: ["goose"]),
        .executable(name: "goose-signature-relay", targets: ["goose-signature-relay"]),
        .library(name: "GooseKit", targets: ["GooseKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.0"),
    ],
    targets: [
        .systemLibrary(name: "CRPM", pkgConfig: "rpm", providers: [.apt(["librpm-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CGPGME", pkgConfig: "gpgme", providers: [.apt(["libgpgme-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // libsolvext's .pc brings libsolv; the module map links libsolvext itself.
        .systemLibrary(name: "CSolv", pkgConfig: "libsolvext", providers: [.apt(["libsolv-dev", "libsolvext-dev"])]),
        // Debian's createrepo_c.pc has an empty libdir, so SwiftPM drops -lcreaterepo_c: the module map links it.
        .systemLibrary(name: "CCreaterepo", pkgConfig: "createrepo_c", providers: [.apt(["libcreaterepo-c-dev"])]),
        // zlib compresses the per-build gzip members of repodata XML in memory (see SegmentedXMLWriter).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc's posix_spawn_file_actions_addclosefrom_np and pipe2, for ChildProcess.
        .systemLibrary(name: "CSpawn"),
        .target(
            name: "GooseKit",
            dependencies: [
                "CRPM", "CArchive", "CGit2", "CGPGME", "CCurl", "CSolv", "CCreaterepo", "CZlib", "CSpawn",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        .executableTarget(
            name: "goose",
            dependencies: [
                "GooseKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What rpmPkgSign runs in place of gpg: passes the bytes to sign to the goose process (C, so that
        // starting it per package costs next to nothing).
        // It runs without the C library (see main.c): entered at goose_relay_start, compiled freestanding so
        // that the compiler emits no calls into libc; --gc-sections drops the Swift runtime it never calls.
        .executableTarget(
            name: "goose-signature-relay",
            cSettings: [.unsafeFlags(["-ffreestanding", "-fno-stack-protector"])],
            linkerSettings: [.unsafeFlags(["-static-executable", "-Xlinker", "--gc-sections", "-Xlinker", "--entry=goose_relay_start"])]
        ),
        .testTarget(name: "GooseKitTests", dependencies: ["GooseKit"]),
        .testTarget(name: "GooseCLITests", dependencies: ["GooseKit"]),
    ]
)
