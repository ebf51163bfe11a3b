/// Chooses where imported lookaside objects go: the workspace's store, or its configured HTTP lookaside.
public enum LookasideSinks {
    public static func forWorkspace(_ workspace: Workspace) throws -> LookasideSink {
        let store = LookasideStore(root: workspace.lookasideDirectory)
        return { package, object in try SRPMImporter.linkIntoStore(store, package: package, object: object) }
    }
}
