using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Rendezvous.Api.Database;

/// <summary>One versioned SQL script of a schema.</summary>
public sealed record SqlMigration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the script with line ends normalised, so a checkout's CRLF does not count as a change.</summary>
    /// <remarks>Derived from <see cref="Sql"/> on each read, so a copy made with <c>with</c> never carries a stale checksum.</remarks>
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

/// <summary>All migrations of one schema, in version order.</summary>
public sealed partial class MigrationSet
{
    public MigrationSet(string schema, IEnumerable<SqlMigration> migrations)
    {
        if (!SchemaNamePattern().IsMatch(schema))
        {
            throw new ArgumentException($"'{schema}' is not a valid schema name (lower-case letters, digits, '_').", nameof(schema));
        }

        Schema = schema;
        Migrations = [.. migrations.OrderBy(m => m.Version)];
        var duplicate = Migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Schema {schema} has two migrations numbered {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}.", nameof(migrations));
        }

        if (Migrations.Any(m => m.Version <= 0))
        {
            throw new ArgumentException($"Schema {schema}: migration versions start at 1.", nameof(migrations));
        }
    }

    public string Schema { get; }

    public IReadOnlyList<SqlMigration> Migrations { get; }

    /// <summary>
    /// Loads the embedded resources named <c>migrations/{schema}/NNNN_description.sql</c>
    /// from <paramref name="assembly"/>. A resource under that folder with any other name
    /// is an error, so a misnamed script is never silently skipped.
    /// </summary>
    public static MigrationSet FromEmbeddedResources(string schema, Assembly assembly)
    {
        var prefix = $"migrations/{schema}/";
        var migrations = new List<SqlMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = resource[prefix.Length..];
            var match = FileNamePattern().Match(file);
            if (!match.Success)
            {
                throw new ArgumentException($"Migration resource '{resource}' must be named NNNN_description.sql.", nameof(assembly));
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new SqlMigration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        return new MigrationSet(schema, migrations);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaNamePattern();

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex FileNamePattern();
}
