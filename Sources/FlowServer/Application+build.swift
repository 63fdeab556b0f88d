// The composition root: the one function the CLI and the tests both call to wire the service.
import FlowModel
import FlowStore
import Foundation
public import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The router with every route and middleware.
public func buildRouter(services: FlowServices) -> Router<FlowRequestContext> {
    let router = Router(context: FlowRequestContext.self)
    let routes = RouteTable()
    router.add(middleware: ErrorMiddleware(routes: routes, metrics: services.configuration.metricsEnabled ? services.httpMetrics : nil))
    OpenAPIRoutes().register(on: router)
    if services.configuration.metricsEnabled { MetricsRoutes(services: services).register(on: router) }
    TokenRoutes(services: services).register(on: router)
    HealthRoutes(services: services).register(on: router)
    let flowService = router.group("/data/foundation/flowservice").add(middleware: IdentityMiddleware(services: services))
    SpecRoutes(kind: "connectionSpecs", specs: services.catalog.specs.map { ($0.id, $0.document) }).register(on: flowService)
    SpecRoutes(kind: "flowSpecs", specs: FlowSpec.standard.map { ($0.id, $0.document) }).register(on: flowService)
    ConnectionRoutes.base(services).register(on: flowService)
    ConnectionRoutes.source(services).register(on: flowService)
    ConnectionRoutes.target(services).register(on: flowService)
    SourceRoutes(services: services).register(on: flowService)
    FlowRoutes(services: services).register(on: flowService)
    RunRoutes(services: services).register(on: flowService)
    let catalog = router.group("/data/foundation/catalog").add(middleware: IdentityMiddleware(services: services))
    CatalogRoutes(services: services).register(on: catalog)
    let conversion = router.group("/data/foundation/conversion").add(middleware: IdentityMiddleware(services: services))
    MappingSetRoutes(services: services).register(on: conversion)
    routes.load(router)
    return router
}

/// The application: the HTTP server on the configured address and the flow scheduler, with
/// graceful shutdown on SIGINT/SIGTERM when run with `runService()`.
public func buildApplication(services: FlowServices) -> some ApplicationProtocol {
    let limits = services.configuration.connections
    let counter = ConnectionCounter(limit: limits.maximumConnections)
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [ConnectionLimitsHandler(counter: counter, bodyTimeout: .seconds(Int64(limits.bodyTimeoutSeconds)))],
        idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds))
    )
    return Application(
        router: buildRouter(services: services),
        server: .http1(configuration: http1),
        configuration: .init(address: .hostname(services.configuration.host, port: services.configuration.port), serverName: "Tributary"),
        services: [services.scheduler],
        logger: services.logger
    )
}

/// Opens the data directory, bootstraps the first organization when it is empty, and builds the application.
public func buildApplication(configuration: ServerConfiguration) async throws -> some ApplicationProtocol {
    let logger = ServiceLogHandler.logger(level: configuration.logLevel, format: configuration.logFormat)
    let services = try await FlowServices.open(configuration, logger: logger)
    if try await services.tenancy.bootstrapIfEmpty(credentialsFile: configuration.bootstrapCredentialsFile) != nil {
        logger.notice(
            "Bootstrapped an organization, its prod sandbox and an API client; credentials written (mode 0600)",
            metadata: ["path": .string(configuration.bootstrapCredentialsFile.path)]
        )
    }
    return buildApplication(services: services)
}
