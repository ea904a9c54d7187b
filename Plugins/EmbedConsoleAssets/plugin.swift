import Foundation
import PackagePlugin

/// Embeds the files of the target's `Assets/` folder (the console's templates, stylesheet and
/// script) into the target, so the binary serves them with nothing beside it on disk.
@main
struct EmbedConsoleAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let assets = context.package.directoryURL.appending(path: "Sources/\(target.name)/Assets")
        let files = try FileManager.default
            .contentsOfDirectory(at: assets, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAssets.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) console assets",
                executable: try context.tool(named: "EmbedAssets").url,
                arguments: [output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
