using System.Text.Json;
using System.Text.RegularExpressions;

namespace Rendezvous.Api.Auth;

/// <summary>
/// The body of <c>POST /api/tokens</c>, read strictly: every problem is reported at once,
/// each under the name of its field, and an unknown field is an error rather than ignored
/// (a misspelt "isAdmin" must not silently issue a non-admin token, nor "expiresAt" an
/// immortal one).
/// </summary>
/// <param name="ExpiresAt">Null: valid until revoked.</param>
internal sealed partial record TokenRequest(string Name, string Subject, bool IsAdmin, DateTimeOffset? ExpiresAt)
{
    public const int MaxNameLength = 100;
    public const int MaxSubjectLength = 512;
    public const int MaxBodyBytes = 16 * 1024;

    private static readonly string[] Fields = ["name", "subject", "isAdmin", "expiresAt"];

    /// <summary>Parses and checks the body; on failure returns null and the messages by field ("$" for the body as a whole).</summary>
    public static TokenRequest? TryParse(ReadOnlySpan<byte> body, DateTimeOffset now, out Dictionary<string, string[]> errors)
    {
        var problems = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!problems.TryGetValue(field, out var list))
            {
                problems[field] = list = [];
            }

            list.Add(message);
        }

        string? name = null, subject = null;
        var isAdmin = false;
        DateTimeOffset? expiresAt = null;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                Add("$", "the body must be a JSON object");
            }
            else
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    // Case-insensitive like the rest of the API (ASP.NET Core's web defaults).
                    var field = Array.Find(Fields, f => string.Equals(f, property.Name, StringComparison.OrdinalIgnoreCase));
                    if (field is null)
                    {
                        Add(property.Name, $"unknown field; expected {string.Join(", ", Fields)}");
                        continue;
                    }

                    if (!seen.Add(field))
                    {
                        Add(field, "appears more than once");
                        continue;
                    }

                    var value = property.Value;
                    switch (field)
                    {
                        case "name":
                            name = Text(value, MaxNameLength, field, Add);
                            break;
                        case "subject":
                            subject = Text(value, MaxSubjectLength, field, Add);
                            break;
                        case "isAdmin":
                            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                            {
                                isAdmin = value.GetBoolean();
                            }
                            else if (value.ValueKind != JsonValueKind.Null)
                            {
                                Add(field, "must be true or false");
                            }

                            break;
                        default:
                            expiresAt = Expiry(value, now, field, Add);
                            break;
                    }
                }

                if (!seen.Contains("name"))
                {
                    Add("name", "is required: what the token is for, e.g. \"ci-publisher\"");
                }

                if (!seen.Contains("subject"))
                {
                    Add("subject", "is required: the identity the token acts as (the owner of what it publishes)");
                }
            }
        }
        catch (JsonException e)
        {
            // Where the JSON broke; never the body itself.
            Add("$", $"is not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1})");
        }

        errors = problems.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        return errors.Count == 0 ? new TokenRequest(name!, subject!, isAdmin, expiresAt) : null;
    }

    private static string? Text(JsonElement value, int maxLength, string field, Action<string, string> add)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            add(field, "must be a string");
            return null;
        }

        var text = value.GetString()!;
        if (text.Length == 0 || string.IsNullOrWhiteSpace(text))
        {
            add(field, "must not be empty");
        }
        else if (text.Length > maxLength)
        {
            add(field, $"must be at most {maxLength} characters");
        }
        else if (text.Any(char.IsControl))
        {
            add(field, "must not contain control characters");
        }
        else if (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))
        {
            // A subject is compared exactly with owners; stray spaces would make a different identity.
            add(field, "must not start or end with white space");
        }
        else
        {
            return text;
        }

        return null;
    }

    private static DateTimeOffset? Expiry(JsonElement value, DateTimeOffset now, string field, Action<string, string> add)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        // An explicit offset is required: "2027-01-01T00:00:00" would otherwise mean the server's local time.
        if (value.ValueKind != JsonValueKind.String || !Rfc3339().IsMatch(value.GetString()!) || !value.TryGetDateTimeOffset(out var expiresAt))
        {
            add(field, "must be an RFC 3339 date-time with an offset, e.g. \"2027-01-01T00:00:00Z\", or null");
            return null;
        }

        if (expiresAt <= now)
        {
            add(field, "must be in the future");
            return null;
        }

        return expiresAt;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();
}
