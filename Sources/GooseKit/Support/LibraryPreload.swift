import CLazyLibraries
import Foundation

/// C libraries loaded and set up ahead of their first use, on a thread of their own, so that the dynamic linking
/// (createrepo_c alone maps some forty libraries) runs beside work that needs none of them. Using a library before
/// the preload is done is safe: the loader and the libraries' one-time set-ups serialise their callers.
final class LibraryPreload: Sendable {
    private let finished = DispatchSemaphore(value: 0)

    /// Starts loading `sonames` (libraries goose links lazily, see CLazyLibraries), then runs `setUp`.
    init(_ sonames: [String], then setUp: @escaping @Sendable () -> Void = {}) {
        let finished = finished
        Thread.detachNewThread {
            for soname in sonames { _ = goose_lazy_preload(soname) }
            setUp()
            finished.signal()
        }
    }

    /// Returns once the libraries are loaded and set up (a process should not exit while its loader is busy).
    func wait() {
        finished.wait()
        finished.signal()
    }
}
