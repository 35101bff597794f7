using System.Globalization;
using System.Text;
using Xunit;

namespace Rendezvous.Testing;

/// <summary>One content line: NAME;PARAM=value,...:value (RFC 5545 section 3.1), the value still escaped.</summary>
public sealed record ICalendarProperty(string Name, IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters, string Value);

/// <summary>BEGIN:NAME ... END:NAME with its properties and nested components, in order.</summary>
public sealed class ICalendarComponent(string name)
{
    public string Name { get; } = name;

    public List<ICalendarProperty> Properties { get; } = [];

    public List<ICalendarComponent> Components { get; } = [];

    public IEnumerable<ICalendarComponent> Children(string name) => Components.Where(c => c.Name == name);

    /// <summary>The raw value of the one property <paramref name="name"/>; null when absent; fails when repeated.</summary>
    public string? Value(string name)
    {
        var matches = Properties.Where(p => p.Name == name).ToList();
        Assert.True(matches.Count <= 1, $"{Name} has {matches.Count} {name} properties");
        return matches.Count == 0 ? null : matches[0].Value;
    }

    /// <summary>The value of a required property; fails when absent.</summary>
    public string Required(string name) => Value(name) ?? throw new Xunit.Sdk.XunitException($"{Name} has no {name}");

    /// <summary>The TEXT value of <paramref name="name"/>, unescaped; null when absent.</summary>
    public string? Text(string name) => Value(name) is { } value ? ICalendarReader.UnescapeText(value) : null;

    public DateTimeOffset Utc(string name) => ICalendarReader.ParseUtc(Required(name));
}

/// <summary>
/// A deliberately small and strict iCalendar reader for tests (RFC 5545): it checks what it can instead of
/// repairing it, so a writer bug shows as a parse failure. It shares no code with the writer.
/// </summary>
public static class ICalendarReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The physical lines as UTF-8 bytes (RFC 5545 section 3.1): every line ends in CRLF, there is no bare CR or LF,
    /// and the text ends with CRLF.
    /// </summary>
    public static List<byte[]> PhysicalLines(string text)
    {
        var bytes = StrictUtf8.GetBytes(text);
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\r')
            {
                Assert.True(i + 1 < bytes.Length && bytes[i + 1] == '\n', $"bare CR at octet {i}");
                lines.Add(bytes[start..i]);
                start = i + 2;
                i++;
            }
            else
            {
                Assert.True(bytes[i] != '\n', $"bare LF at octet {i}");
            }
        }

        Assert.True(start == bytes.Length, "the text does not end with CRLF");
        return lines;
    }

    /// <summary>Logical lines: a physical line that starts with a space or tab continues the previous one, without that character.</summary>
    public static List<string> Unfold(string text)
    {
        var logical = new List<List<byte>>();
        foreach (var line in PhysicalLines(text))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
            {
                Assert.True(logical.Count > 0, "the first line is a continuation");
                logical[^1].AddRange(line.AsSpan(1).ToArray());
            }
            else
            {
                logical.Add([.. line]);
            }
        }

        // Decoding after joining: a fold inside a UTF-8 sequence would still decode here; the folding tests check each physical line on its own.
        return [.. logical.Select(l => StrictUtf8.GetString([.. l]))];
    }

    /// <summary>Parses the one top-level component (VCALENDAR) and everything inside it.</summary>
    public static ICalendarComponent Parse(string text)
    {
        var stack = new Stack<ICalendarComponent>();
        ICalendarComponent? root = null;
        foreach (var line in Unfold(text))
        {
            var property = ParseLine(line);
            if (property.Name == "BEGIN")
            {
                Assert.True(root is null, "content after the end of the calendar");
                var component = new ICalendarComponent(property.Value);
                if (stack.TryPeek(out var parent))
                {
                    parent.Components.Add(component);
                }

                stack.Push(component);
            }
            else if (property.Name == "END")
            {
                Assert.True(stack.TryPop(out var component), $"END:{property.Value} without BEGIN");
                Assert.Equal(component.Name, property.Value);
                if (stack.Count == 0)
                {
                    root = component;
                }
            }
            else
            {
                Assert.True(stack.TryPeek(out var component), $"{property.Name} outside any component");
                component.Properties.Add(property);
            }
        }

        Assert.Empty(stack);
        return root ?? throw new Xunit.Sdk.XunitException("no component");
    }

    /// <summary>
    /// contentline = name *(";" param) ":" value (RFC 5545 section 3.1). Names are IANA or X- tokens; parameter values
    /// may be quoted; the value is everything after the first colon outside quotes.
    /// </summary>
    public static ICalendarProperty ParseLine(string line)
    {
        var position = 0;
        var name = Token(line, ref position);
        var parameters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        while (position < line.Length && line[position] == ';')
        {
            position++;
            var parameter = Token(line, ref position);
            Assert.True(position < line.Length && line[position] == '=', $"parameter without '=' in: {line}");
            var values = new List<string>();
            do
            {
                position++;
                values.Add(ParameterValue(line, ref position));
            }
            while (position < line.Length && line[position] == ',');
            parameters.Add(parameter, values);
        }

        Assert.True(position < line.Length && line[position] == ':', $"no ':' after the name in: {line}");
        var value = line[(position + 1)..];
        Assert.DoesNotContain(value, c => c < ' ' && c != '\t'); // RFC 5545 section 3.1: no CONTROL but HTAB
        return new(name.ToUpperInvariant(), parameters, value);
    }

    /// <summary>
    /// RFC 5545 section 3.3.11: \\ \; \, \n \N. An unescaped ';' or ',' or any other backslash sequence fails:
    /// they are not a single TEXT.
    /// </summary>
    public static string UnescapeText(string value)
    {
        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            Assert.True(c != ';' && c != ',', $"unescaped '{c}' at {i} in TEXT: {value}");
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            Assert.True(i + 1 < value.Length, $"a lone backslash ends the TEXT: {value}");
            text.Append(value[++i] switch
            {
                '\\' => '\\',
                ';' => ';',
                ',' => ',',
                'n' or 'N' => '\n',
                var other => throw new Xunit.Sdk.XunitException($"invalid escape \\{other} in TEXT: {value}"),
            });
        }

        return text.ToString();
    }

    /// <summary>RFC 5545 section 3.3.5 form #2 only: yyyyMMddTHHmmssZ.</summary>
    public static DateTimeOffset ParseUtc(string value)
    {
        Assert.True(
            DateTimeOffset.TryParseExact(value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var result),
            $"not a UTC DATE-TIME: {value}");
        return result;
    }

    /// <summary>
    /// RFC 5545 section 3.3.6, positive durations: "P" then dur-week ("nW") or [dur-day] ["T" dur-time], where
    /// dur-time is nH[nM[nS]] / nM[nS] / nS (no gaps: PT1H5S is not valid).
    /// </summary>
    public static TimeSpan ParseDuration(string value)
    {
        Assert.True(value.Length > 1 && value[0] == 'P', $"not a DURATION: {value}");
        var position = 1;
        var seconds = 0L;
        if (value[position] != 'T')
        {
            var (number, unit) = Number(value, ref position);
            if (unit == 'W')
            {
                Assert.True(position == value.Length, $"not a DURATION (dur-week stands alone): {value}");
                return TimeSpan.FromDays(7 * number);
            }

            Assert.True(unit == 'D', $"not a DURATION: {value}");
            seconds += number * 86400;
            if (position == value.Length)
            {
                return TimeSpan.FromSeconds(seconds);
            }
        }

        Assert.True(value[position] == 'T' && position + 1 < value.Length, $"not a DURATION: {value}");
        position++;
        var last = -1;
        while (position < value.Length)
        {
            var (number, unit) = Number(value, ref position);
            var index = "HMS".IndexOf(unit, StringComparison.Ordinal);
            Assert.True(index >= 0 && (last < 0 || index == last + 1), $"not a DURATION (units out of order or with a gap): {value}");
            last = index;
            seconds += number * (unit switch { 'H' => 3600, 'M' => 60, _ => 1 });
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>RFC 5545 section 3.3.10, the parts this feed may write: FREQ (first), INTERVAL, UNTIL; others fail.</summary>
    public static (string Frequency, int Interval, DateTimeOffset? Until) ParseRecur(string value)
    {
        var parts = value.Split(';');
        Assert.StartsWith("FREQ=", parts[0], StringComparison.Ordinal); // RFC 5545 section 3.3.10: FREQ first for RFC 2445 programs
        var names = parts.Select(p => p.Split('=')[0]).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        string? frequency = null;
        var interval = 1;
        DateTimeOffset? until = null;
        foreach (var part in parts)
        {
            var pair = part.Split('=');
            Assert.Equal(2, pair.Length);
            switch (pair[0])
            {
                case "FREQ":
                    frequency = pair[1];
                    break;
                case "INTERVAL":
                    interval = int.Parse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture);
                    Assert.True(interval > 0);
                    break;
                case "UNTIL":
                    until = ParseUtc(pair[1]);
                    break;
                default:
                    throw new Xunit.Sdk.XunitException($"unexpected rule part {pair[0]} in: {value}");
            }
        }

        return (frequency!, interval, until);
    }

    private static (long Number, char Unit) Number(string value, ref int position)
    {
        var start = position;
        while (position < value.Length && char.IsAsciiDigit(value[position]))
        {
            position++;
        }

        Assert.True(position > start && position < value.Length, $"a number and its unit expected at {start} in: {value}");
        return (long.Parse(value.AsSpan(start, position - start), NumberStyles.None, CultureInfo.InvariantCulture), value[position++]);
    }

    /// <summary>name / param-name: 1*(ALPHA / DIGIT / "-") (RFC 5545 section 3.1).</summary>
    private static string Token(string line, ref int position)
    {
        var start = position;
        while (position < line.Length && (char.IsAsciiLetterOrDigit(line[position]) || line[position] == '-'))
        {
            position++;
        }

        Assert.True(position > start, $"no name at {start} in: {line}");
        return line[start..position];
    }

    /// <summary>param-value = paramtext / quoted-string (RFC 5545 section 3.1).</summary>
    private static string ParameterValue(string line, ref int position)
    {
        if (position < line.Length && line[position] == '"')
        {
            var close = line.IndexOf('"', position + 1);
            Assert.True(close > position, $"unterminated quoted parameter in: {line}");
            var quoted = line[(position + 1)..close];
            position = close + 1;
            return quoted;
        }

        var start = position;
        while (position < line.Length && line[position] is not (';' or ':' or ',' or '"'))
        {
            position++;
        }

        return line[start..position];
    }
}
