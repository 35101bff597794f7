namespace Rendezvous.Api.Cli;

/// <summary>A command's arguments: <c>--name value</c> options, <c>--flag</c>s and positional arguments.</summary>
internal sealed class CommandOptions
{
    private readonly Dictionary<string, string> _values = [];
    private readonly HashSet<string> _flags = [];
    private readonly List<string> _positional = [];

    public static bool TryParse(IEnumerable<string> args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> flags, out CommandOptions options, out string problem)
    {
        options = new CommandOptions();
        problem = "";
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var name = arg[2..];
                if (flags.Contains(name))
                {
                    options._flags.Add(name);
                }
                else if (valued.Contains(name))
                {
                    if (!e.MoveNext())
                    {
                        problem = $"{arg} needs a value";
                        return false;
                    }

                    options._values[name] = e.Current;
                }
                else
                {
                    problem = $"unknown option '{arg}'";
                    return false;
                }
            }
            else
            {
                options._positional.Add(arg);
            }
        }

        return true;
    }

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);

    public string OnePositional(string what) => _positional.Count == 1 ? _positional[0]
        : throw new UsageException(_positional.Count == 0 ? $"missing {what}" : $"unexpected argument '{_positional[1]}'");

    public void NoPositional()
    {
        if (_positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{_positional[0]}'");
        }
    }
}

/// <summary>A usage error found while running a command (exit status 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
