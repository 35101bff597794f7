namespace Rendezvous.Api;

/// <summary>The host's log messages, with fixed event ids (1xxx start-up, 2xxx auth, 3xxx database, 4xxx health, 6xxx MADCAP, 8xxx SAP).</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Critical, "Configuration is not valid: {Failures}")]
    public static partial void InvalidConfiguration(ILogger logger, string failures);

    [LoggerMessage(1002, LogLevel.Warning, "No bootstrap admin token is configured (Rendezvous:Auth:BootstrapAdminToken): no caller can write until one is")]
    public static partial void NoBootstrapToken(ILogger logger);

    [LoggerMessage(1003, LogLevel.Information, "Exporting telemetry over OTLP ({Protocol}) to {Endpoint}")]
    public static partial void TelemetryExportEnabled(ILogger logger, string protocol, string endpoint);

    [LoggerMessage(2001, LogLevel.Information, "Refused an unknown bearer token on {Path}")]
    public static partial void UnknownBearerToken(ILogger logger, PathString path);

    [LoggerMessage(3001, LogLevel.Information, "Applied migration {Schema}/{Version:D4} {Name} in {ElapsedMs} ms")]
    public static partial void MigrationApplied(ILogger logger, string schema, int version, string name, long elapsedMs);

    [LoggerMessage(3002, LogLevel.Information, "Database schemas are up to date: {Schemas}")]
    public static partial void DatabaseReady(ILogger logger, string schemas);

    [LoggerMessage(3003, LogLevel.Warning, "Cannot bring the database up to date (attempt {Attempt}); retrying in {DelaySeconds} s")]
    public static partial void MigrationRetry(ILogger logger, Exception exception, int attempt, double delaySeconds);

    [LoggerMessage(3005, LogLevel.Error, "The database schema does not match this build, so the service cannot use it: {Reason}")]
    public static partial void MigrationRefused(ILogger logger, string reason);

    [LoggerMessage(3004, LogLevel.Debug, "Waiting for the migration lock held by another instance")]
    public static partial void WaitingForMigrationLock(ILogger logger);

    [LoggerMessage(3101, LogLevel.Information, "Extended the stored occurrences of {Count} conferences")]
    public static partial void OccurrencesExtended(ILogger logger, int count);

    [LoggerMessage(3102, LogLevel.Warning, "Occurrence maintenance failed; it runs again at the next interval")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(3201, LogLevel.Information, "Listening for catalog changes: upcoming queries may be answered from memory")]
    public static partial void WindowListening(ILogger logger);

    [LoggerMessage(3202, LogLevel.Warning, "Not listening for catalog changes, so upcoming queries go to PostgreSQL; retrying in {DelaySeconds} s")]
    public static partial void WindowNotListening(ILogger logger, double delaySeconds, Exception exception);

    [LoggerMessage(3203, LogLevel.Debug, "Read {Count} upcoming occurrences into memory in {ElapsedMs:0.0} ms (installed: {Installed})")]
    public static partial void WindowBuilt(ILogger logger, int count, double elapsedMs, bool installed);

    [LoggerMessage(3204, LogLevel.Warning, "The upcoming window holds more than {Max} occurrences (Rendezvous:Catalog:MemoryWindowMaxOccurrences); PostgreSQL answers alone, trying again in {DelaySeconds} s")]
    public static partial void WindowTooLarge(ILogger logger, int max, int delaySeconds);

    [LoggerMessage(3205, LogLevel.Warning, "Reading the upcoming window failed; PostgreSQL answers meanwhile")]
    public static partial void WindowBuildFailed(ILogger logger, Exception exception);

    [LoggerMessage(6001, LogLevel.Information, "MADCAP scopes: stored {Added} of the {Configured} configured (the others were stored already)")]
    public static partial void ScopesStored(ILogger logger, int added, int configured);

    [LoggerMessage(6002, LogLevel.Information, "MADCAP: reclaimed {Count} expired leases and lapsed offers")]
    public static partial void LeasesReclaimed(ILogger logger, int count);

    [LoggerMessage(6003, LogLevel.Warning, "MADCAP lease maintenance failed; it runs again at the next interval")]
    public static partial void LeaseMaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(6004, LogLevel.Information, "MADCAP server listening on {EndPoints}")]
    public static partial void MadcapListening(ILogger logger, string endPoints);

    [LoggerMessage(6005, LogLevel.Warning, "MADCAP server group {Group} not joined on {Interface} ({Error}); unicast requests are still served")]
    public static partial void MadcapGroupNotJoined(ILogger logger, string group, string @interface, string error);

    [LoggerMessage(6006, LogLevel.Error, "MADCAP server cannot listen on UDP port {Port} ({Error}); trying again in 5 s")]
    public static partial void MadcapCannotListen(ILogger logger, int port, string error);

    [LoggerMessage(8301, LogLevel.Warning, "Rendezvous:Sap:MinimumIntervalSeconds is {Seconds}, below RFC 2974's 300 s: for tests only")]
    public static partial void SapIntervalBelowRfc(ILogger logger, int seconds);

    [LoggerMessage(8302, LogLevel.Information, "SAP listener joined {Groups} on {Interfaces}")]
    public static partial void SapListening(ILogger logger, string groups, string interfaces);

    [LoggerMessage(8303, LogLevel.Warning, "SAP listener joined no group ({Problems}); trying again in {DelaySeconds} s")]
    public static partial void SapNotListening(ILogger logger, string problems, double delaySeconds);

    [LoggerMessage(8304, LogLevel.Error, "SAP announcer cannot open sockets on {Interfaces} ({Error}); trying again in {DelaySeconds} s")]
    public static partial void SapCannotSend(ILogger logger, string interfaces, string error, double delaySeconds);

    [LoggerMessage(4001, LogLevel.Warning, "Dependency {Dependency} is not ready: {Detail}")]
    public static partial void DependencyNotReady(ILogger logger, string dependency, string detail);
}
