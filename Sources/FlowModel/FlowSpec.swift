// Flow specs: what a dataflow between a source and a target may look like — its transformations,
// its schedule and its run parameters as JSON Schemas. Tributary offers Adobe's `CRMToAEP`, the flow
// spec of database sources, for Azure Databricks and Spark Thrift Server sources into the Data Lake.

/// A flow spec as `GET /flowSpecs` shows it.
public struct FlowSpec: Sendable, Hashable {
    /// The id, e.g. `14518937-270c-4525-bdec-c2ba7cce3860`.
    public var id: String
    /// The name, e.g. `CRMToAEP`.
    public var name: String
    /// The whole document.
    public var document: JSONValue

    /// The id of `CRMToAEP`.
    public static let databaseToDataLakeId = "14518937-270c-4525-bdec-c2ba7cce3860"

    /// The flow specs this service offers.
    public static let standard: [FlowSpec] = [databaseToDataLake]

    /// `CRMToAEP`: a database table copied (incrementally, by a delta column) through a mapping into a dataset.
    public static let databaseToDataLake = FlowSpec(
        id: databaseToDataLakeId,
        name: "CRMToAEP",
        document: [
            "id": .string(databaseToDataLakeId), "name": "CRMToAEP", "providerId": .string(ConnectionSpec.databaseProviderId), "version": "1.0",
            "attributes": [
                "isSourceFlow": true, "flacValidationSupported": false, "frequency": "batch",
                "notification": ["category": "sources", "flowRun": ["enabled": true]],
            ],
            "sourceConnectionSpecIds": [.string(ConnectionSpec.azureDatabricksId), .string(ConnectionSpec.sparkThriftServerId)],
            "targetConnectionSpecIds": [.string(ConnectionSpec.dataLakeId)],
            "optionSpec": [
                "name": "OptionSpec",
                "spec": [
                    "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                    "properties": [
                        "errorDiagnosticsEnabled": [
                            "title": "Error diagnostics.", "description": "Keep samples of rows that failed mapping.", "type": "boolean",
                        ],
                        "partialIngestionPercent": [
                            "title": "Partial ingestion threshold.", "description": "The share of rows that may fail mapping before the run fails.",
                            "type": "number", "minimum": 0, "maximum": 100,
                        ],
                    ],
                ],
            ],
            "transformationSpecs": [
                [
                    "name": "Copy",
                    "spec": [
                        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                        "description": "defines various params required for different mapping from source to target",
                        "properties": [
                            "deltaColumn": [
                                "type": "object",
                                "properties": [
                                    "name": ["type": "string"], "dateFormat": ["type": "string"],
                                    "timezone": ["type": "string", "description": "The delta column's timezone; UTC by default."],
                                ],
                                "required": ["name"],
                            ]
                        ],
                        "required": ["deltaColumn"],
                    ],
                ],
                [
                    "name": "Mapping",
                    "spec": [
                        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "description": "defines the mapping set of the flow",
                        "properties": ["mappingId": ["type": "string"], "mappingVersion": ["type": "string"]],
                        "required": ["mappingId"],
                    ],
                ],
            ],
            "scheduleSpec": [
                "name": "PeriodicSchedule", "type": "Periodic",
                "spec": [
                    "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                    "properties": [
                        "startTime": ["description": "epoch time in seconds", "type": "integer"],
                        "frequency": ["type": "string", "enum": ["once", "minute", "hour", "day", "week"]],
                        "interval": ["type": "integer"],
                        "backfill": ["type": "boolean", "default": true],
                    ],
                    "required": ["startTime", "frequency"],
                    "if": ["properties": ["frequency": ["const": "once"]]],
                    "then": ["allOf": [["not": ["required": ["interval"]]], ["not": ["required": ["backfill"]]]]],
                    "else": [
                        "required": ["interval"],
                        "if": ["properties": ["frequency": ["const": "minute"]]],
                        "then": ["properties": ["interval": ["minimum": 15]]],
                        "else": ["properties": ["interval": ["minimum": 1]]],
                    ],
                ],
            ],
            "runSpec": [
                "name": "ProviderParams",
                "spec": [
                    "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                    "properties": [
                        "startTime": ["type": "integer"], "windowStartTime": ["type": "integer"], "windowEndTime": ["type": "integer"],
                        "deltaColumn": [
                            "type": "object",
                            "properties": ["name": ["type": "string"], "dateFormat": ["type": "string"], "timezone": ["type": "string"]],
                            "required": ["name"],
                        ],
                    ],
                    "required": ["startTime", "windowStartTime", "windowEndTime", "deltaColumn"],
                ],
            ],
            "permissionsInfo": ConnectionSpec.permissionsInfo,
        ]
    )
}
