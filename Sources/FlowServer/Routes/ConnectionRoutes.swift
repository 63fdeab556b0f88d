// Base connections (`/connections`) and target connections (`/targetConnections`): the shared
// resource routes with each kind's rules and its check against the world outside the body.
import Connectors
import DataLake
import FlowModel
import Foundation

/// The connection routes.
enum ConnectionRoutes {
    static let basePath = "/data/foundation/flowservice"

    /// `/connections`: a connection may only name hosts the operator's policy allows (no metadata
    /// or internal addresses chosen by a client).
    static func base(_ services: FlowServices) -> ResourceRoutes<BaseConnectionRules> {
        ResourceRoutes(services: services, rules: BaseConnectionRules(catalog: services.catalog)) { body, _ in
            let specId = body["connectionSpec"]?["id"]?.stringValue ?? ""
            do {
                try services.connectors.checkDestination(specId: specId, params: body["auth"]?["params"]?.objectValue ?? [:])
            } catch let error as ConnectorError {
                throw error.flowError
            }
        }
    }

    /// `/targetConnections`: the dataset must exist in the caller's organization and sandbox.
    static func target(_ services: FlowServices) -> ResourceRoutes<TargetConnectionRules> {
        ResourceRoutes(services: services, rules: TargetConnectionRules(catalog: services.catalog)) { body, caller in
            guard let id = TargetConnectionRules.datasetId(of: body), try services.lake.dataset(id, in: caller.scope) != nil else {
                throw FlowError.invalidRequest(
                    "The dataset '\(TargetConnectionRules.datasetId(of: body)?.prefix(64) ?? "")' in params.dataSetId does not exist in this sandbox; create it with POST /data/foundation/catalog/dataSets.")
            }
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
