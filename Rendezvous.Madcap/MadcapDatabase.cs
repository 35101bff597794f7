namespace Rendezvous.Madcap;

/// <summary>
/// The PostgreSQL schema this library owns (the lease store). Its versioned migrations
/// are embedded resources named <c>migrations/madcap/NNNN_description.sql</c>.
/// </summary>
public static class MadcapDatabase
{
    public const string SchemaName = "madcap";
}
