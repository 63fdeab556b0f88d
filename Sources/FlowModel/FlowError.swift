// Flow Service errors: a code like `1404-412`, an HTTP status, a title and a detailed message,
// rendered by the server in Adobe's `FLOW-<code>` format.

/// An error a Flow Service request can end in. The code's last three digits are the HTTP status.
public struct FlowError: Error, Sendable, Hashable {
    /// The Flow Service code, e.g. `1404-412`.
    public var code: String
    /// The HTTP status the error is answered with.
    public var status: Int
    /// A short title, e.g. `Invalid request`.
    public var title: String
    /// What went wrong and what to do about it. Never contains a secret.
    public var detailedMessage: String
    /// Extra members of the `report` object (for example `id` and `type` of a missing resource).
    public var report: [String: String]

    /// Creates an error.
    public init(code: String, title: String, detailedMessage: String, report: [String: String] = [:]) {
        self.code = code
        self.status = Int(code.split(separator: "-").last ?? "") ?? 500
        self.title = title
        self.detailedMessage = detailedMessage
        self.report = report
    }

    /// `1100-400`: a request the service cannot process, with the reason.
    public static func invalidRequest(_ message: String, code: String = "1100-400") -> FlowError {
        FlowError(code: code, title: "Invalid request", detailedMessage: message)
    }

    /// `1405-400` for a body that is not JSON.
    public static func malformedJSON(_ message: String) -> FlowError {
        FlowError(code: "1405-400", title: "Invalid request", detailedMessage: message)
    }

    /// `1418-400`: a base connection still used by flows cannot be deleted.
    public static func baseConnectionInUse(_ id: String, flows: [String]) -> FlowError {
        FlowError(
            code: "1418-400",
            title: "Invalid request",
            detailedMessage:
                "The base connection with the ID \(id) cannot be deleted because the base connection is being used in one or more flows (\(flows.prefix(10).joined(separator: ", "))). Delete the flows first."
        )
    }

    /// `1100-400`: a source or target connection still used by flows cannot be deleted.
    public static func connectionInUse(_ kind: String, id: String, flows: [String]) -> FlowError {
        invalidRequest(
            "The \(kind) \(id) cannot be deleted because it is used in one or more flows (\(flows.prefix(10).joined(separator: ", "))). Delete the flows first."
        )
    }

    /// `1405-400`: the request body is missing.
    public static let emptyBody = FlowError(
        code: "1405-400",
        title: "Invalid request",
        detailedMessage: "The request body cannot be null or empty. Please provide a valid request body and try again."
    )

    /// `1439-404`: no resource of that kind with that id in the caller's organization and sandbox.
    public static func notFound(_ kind: String, id: String) -> FlowError {
        FlowError(
            code: "1439-404",
            title: "Resource not found",
            detailedMessage: "The requested \(kind) resource \(id) is not found. Verify the resource ID before trying again.",
            report: ["id": id, "type": kind]
        )
    }

    /// `1403-400`: a header the operation needs is missing.
    public static func missingHeader(_ name: String) -> FlowError {
        FlowError(
            code: "1403-400",
            title: "Header is missing",
            detailedMessage: "The header '\(name)' is missing in the request. Please provide the header and try again."
        )
    }

    /// `1404-412`: the `If-Match` version is not the current one.
    public static func versionMismatch(supplied: String, id: String) -> FlowError {
        FlowError(
            code: "1404-412",
            title: "Version not matching",
            detailedMessage: "The supplied version '\(supplied)' does not match the current version on entity '\(id)'. "
                + "Fetch the entity again and retry with its current etag."
        )
    }

    /// `1413-400`: unknown connection spec id.
    public static func unknownSpec(_ id: String) -> FlowError {
        FlowError(
            code: "1413-400",
            title: "Invalid request",
            detailedMessage: "The spec ID '\(id)' provided is invalid. Please provide a valid spec ID and try again."
        )
    }

    /// `1415-400`: the auth spec name is not one of the connection spec's.
    public static func unknownAuthSpec(_ name: String, specId: String) -> FlowError {
        FlowError(
            code: "1415-400",
            title: "Invalid request",
            detailedMessage: "The auth spec '\(name)' could not be found for the connection spec ID \(specId)."
        )
    }

    /// `1414-400`: the connection spec of a connection cannot change.
    public static let connectionSpecImmutable = FlowError(
        code: "1414-400",
        title: "Invalid request",
        detailedMessage: "The connection spec of a connection cannot be updated."
    )

    /// `1434-400`: a JSON Patch operation Flow Service does not support.
    public static func unsupportedPatchOperation(_ op: String) -> FlowError {
        FlowError(
            code: "1434-400",
            title: "Invalid request",
            detailedMessage: "Unsupported operation '\(op)' received. Supported operations are add, replace and remove."
        )
    }

    /// `1455-400`: the patch could not be applied or validated.
    public static func invalidPatch(_ reason: String) -> FlowError {
        FlowError(
            code: "1455-400",
            title: "Invalid request",
            detailedMessage: "An error has occurred while validating patch instructions: \(reason)"
        )
    }

    /// `1401-400`: `limit` and `count` together.
    public static let limitWithCount = FlowError(
        code: "1401-400",
        title: "Invalid request",
        detailedMessage: "The limit and count parameters cannot be given together in the same request. Remove one and try again."
    )

    /// `1451-400`: an unknown query parameter.
    public static func unknownQueryParameter(_ name: String) -> FlowError {
        FlowError(
            code: "1451-400",
            title: "Invalid request",
            detailedMessage: "Invalid params \(name) provided in query params."
        )
    }

    /// `1452-400`: a query parameter with a value out of range or of the wrong form.
    public static func invalidQueryValue(_ name: String, reason: String) -> FlowError {
        FlowError(
            code: "1452-400",
            title: "Invalid request",
            detailedMessage: "Invalid value for query parameter \(name): \(reason)"
        )
    }

    /// `1453-400`: a `property` filter that cannot be parsed.
    public static func invalidFilter(_ expression: String, reason: String) -> FlowError {
        FlowError(
            code: "1453-400",
            title: "Invalid request",
            detailedMessage: "Invalid query value \(expression) provided in query: \(reason)"
        )
    }

    /// `1432-400`: an `orderby` that cannot be used.
    public static func invalidOrderBy(_ value: String) -> FlowError {
        FlowError(
            code: "1432-400",
            title: "Invalid request",
            detailedMessage: "Invalid orderby value '\(value)'. Use a field name, optionally prefixed with + or -."
        )
    }

    /// `2000-401`: the token does not belong to the organization in `x-gw-ims-org-id`.
    public static let organizationNotAuthorized = FlowError(
        code: "2000-401",
        title: "Invalid authorization token",
        detailedMessage: "The authorization token does not have access to this organization or the organization does not exist. "
            + "Check the x-gw-ims-org-id header."
    )

    /// `2101-404`: no sandbox of that name in the organization.
    public static func sandboxNotFound(_ name: String) -> FlowError {
        FlowError(
            code: "2101-404",
            title: "Sandbox not found",
            detailedMessage: "The sandbox with the name '\(name)' could not be found. Check the x-sandbox-name header."
        )
    }

    /// `1102-400`-family content type error: POST/PATCH bodies must be JSON.
    public static let unsupportedContentType = FlowError(
        code: "1406-415",
        title: "Unsupported media type",
        detailedMessage: "A valid content-type must be specified: use Content-Type: application/json."
    )

    /// `1407-413`: the body exceeds the size limit.
    public static func bodyTooLarge(limit: Int) -> FlowError {
        FlowError(
            code: "1407-413",
            title: "Payload too large",
            detailedMessage: "The request body is larger than the limit of \(limit) bytes."
        )
    }

    /// `1400-500`: something failed inside the service. Details go to the log, not the client.
    public static let internalError = FlowError(
        code: "1400-500",
        title: "Internal Error",
        detailedMessage: "An internal error has occurred. Please try again. If the problem persists, contact support with the request id."
    )
}

extension FlowError: CustomStringConvertible {
    /// `code: message`.
    public var description: String { "\(code): \(detailedMessage)" }
}
