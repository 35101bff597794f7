using System.Globalization;

namespace Rendezvous.LoadDriver;

/// <summary>
/// CPU time (user + system, seconds) of named processes and all their descendants, read from
/// /proc, so that a phase can say where its CPU went: the service, PostgreSQL's backends,
/// slapd, and this driver. Each name also has a "name.system" entry: the part spent in the kernel.
/// Linux only; elsewhere every reading is zero.
/// </summary>
internal static class Cpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux this runs on

    public static Dictionary<string, double> Snapshot(IReadOnlyDictionary<string, int> roots)
    {
        var parents = new Dictionary<int, int>();
        var seconds = new Dictionary<int, double>();
        var system = new Dictionary<int, double>();
        if (System.IO.Directory.Exists("/proc"))
        {
            foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    // pid (comm) state ppid ... ; comm may hold spaces, so split after the last ')'.
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                    // utime and stime: fields 14 and 15 of proc(5), 12 and 13 after the comm.
                    system[pid] = long.Parse(fields[12], CultureInfo.InvariantCulture) / TicksPerSecond;
                    seconds[pid] = (long.Parse(fields[11], CultureInfo.InvariantCulture) / TicksPerSecond) + system[pid];
                }
                catch (IOException)
                {
                    // the process ended while we looked
                }
            }
        }

        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, root) in roots)
        {
            var within = seconds.Keys.Where(pid => IsWithin(pid, root, parents)).ToList();
            result[name] = within.Sum(pid => seconds[pid]);
            result[name + ".system"] = within.Sum(pid => system[pid]);
        }

        return result;
    }

    public static Dictionary<string, double> Delta(Dictionary<string, double> before, Dictionary<string, double> after) =>
        after.ToDictionary(a => a.Key, a => a.Value - before.GetValueOrDefault(a.Key), StringComparer.Ordinal);

    private static bool IsWithin(int pid, int root, Dictionary<int, int> parents)
    {
        for (var depth = 0; depth < 64 && pid > 1; depth++)
        {
            if (pid == root)
            {
                return true;
            }

            if (!parents.TryGetValue(pid, out pid))
            {
                return false;
            }
        }

        return false;
    }
}
