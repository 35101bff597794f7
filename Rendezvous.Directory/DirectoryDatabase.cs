namespace Rendezvous.Directory;

/// <summary>
/// The PostgreSQL schema this library owns. Its versioned migrations are embedded
/// resources named <c>migrations/directory/NNNN_description.sql</c> in this assembly.
/// </summary>
public static class DirectoryDatabase
{
    public const string SchemaName = "directory";
}
