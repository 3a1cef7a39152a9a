/// The OpenAPI 3.1 description of the whole portal API, served at `/api/v1/openapi.json`.
/// The document is `Resources/openapi.json`, compiled into the binary (SwiftPM's
/// `embedInCode`), so the executable needs no resource bundle beside it. Kept true by the
/// end-to-end suite: schemathesis drives every operation against it, and a unit test checks
/// that its paths and the router's routes are the same.
public enum OpenAPIDocument {
    public static let json = String(decoding: PackageResources.openapi_json, as: UTF8.self)
}
