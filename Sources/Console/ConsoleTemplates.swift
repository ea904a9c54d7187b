import Mustache

/// The console's Mustache templates, parsed once from the files embedded at build time
/// (Sources/Console/Assets/*.mustache, by name without the extension). `{{x}}` escapes HTML.
enum ConsoleTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (file, text) in EmbeddedAssets.files where file.hasSuffix(".mustache") {
            // A template that does not parse renders as nothing; the tests render every page.
            if let template = try? MustacheTemplate(string: text) {
                library.register(template, named: String(file.dropLast(".mustache".count)))
            }
        }
        return library
    }()

    static func render(_ object: Any, _ name: String) -> String {
        library.render(object, withTemplate: name) ?? ""
    }
}
