using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace Rendezvous.Api.Configuration;

/// <summary>The system of record: configuration section <c>Rendezvous:PostgreSql</c>.</summary>
public sealed class PostgreSqlOptions : IValidatableObject
{
    public const string Section = "Rendezvous:PostgreSql";

    /// <summary>An Npgsql connection string. TLS is set here too (<c>SSL Mode=VerifyFull;Root Certificate=...</c>).</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>Optional file holding the password (a container secret); read on every new physical connection.</summary>
    public string? PasswordFile { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield break;
        }

        NpgsqlConnectionStringBuilder? parsed = null;
        string? error = null;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException e)
        {
            // Npgsql's message names the offending keyword; it never echoes the password.
            error = e.Message;
        }

        if (error is not null)
        {
            yield return new ValidationResult($"is not a valid Npgsql connection string: {error}", [nameof(ConnectionString)]);
            yield break;
        }

        if (string.IsNullOrWhiteSpace(parsed!.Host))
        {
            yield return new ValidationResult("names no Host", [nameof(ConnectionString)]);
        }

        if (PasswordFile is not null)
        {
            if (!string.IsNullOrEmpty(parsed.Password))
            {
                yield return new ValidationResult("set the password in the connection string or in PasswordFile, not both", [nameof(PasswordFile)]);
            }
            else if (!File.Exists(PasswordFile))
            {
                yield return new ValidationResult($"file '{PasswordFile}' does not exist", [nameof(PasswordFile)]);
            }
        }
    }
}
