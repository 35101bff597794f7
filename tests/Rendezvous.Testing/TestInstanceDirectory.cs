using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Testing;

/// <summary>
/// A private folder for one server instance under /tmp/rendezvous-test-*, tagged with
/// the pid of the test process that owns it. A test process that dies leaves its servers
/// running; the next fixture to start reaps every instance whose owner is gone.
/// </summary>
public sealed class TestInstanceDirectory : IDisposable
{
    private const string Prefix = "rendezvous-test-";
    private const string OwnerFile = "owner.pid";

    private TestInstanceDirectory(string path) => Path = path;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates a new folder readable by the postgres system user (PostgreSQL runs as that user when tests run as root).</summary>
    public static TestInstanceDirectory Create(string kind)
    {
        var path = System.IO.Directory.CreateTempSubdirectory($"{Prefix}{kind}-").FullName;
        System.IO.File.SetUnixFileMode(path,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        System.IO.File.WriteAllText(System.IO.Path.Combine(path, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new TestInstanceDirectory(path);
    }

    /// <summary>Writes a secret readable only by this user.</summary>
    public string WriteSecret(string name, string value)
    {
        var file = File(name);
        using (var stream = new FileStream(file, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(value);
        }

        return file;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A server may still be writing its log; the reaper takes it next time.
        }
    }

    /// <summary>
    /// Stops the servers in the <paramref name="kind"/> folders of test processes that are gone
    /// and deletes those folders. Each kind reaps only its own folders, because only it knows
    /// how to stop what runs in them.
    /// </summary>
    public static void ReapOrphans(string kind, Action<string> stopServersIn)
    {
        foreach (var dir in new DirectoryInfo(System.IO.Path.GetTempPath()).EnumerateDirectories($"{Prefix}{kind}-*"))
        {
            var owner = System.IO.Path.Combine(dir.FullName, OwnerFile);
            if (!System.IO.File.Exists(owner) || !int.TryParse(System.IO.File.ReadAllText(owner), out var pid) || IsAlive(pid))
            {
                continue;
            }

            // Claim the orphan by renaming it: of several fixtures starting at once, exactly one
            // wins and stops its servers; the others see it gone. (Servers find their data by the
            // pid files inside, so they can still be stopped under the new name.)
            // (The new name is outside the pattern above, so no other reaper looks at it again.)
            var claimed = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"rendezvous-reaping-{kind}-{Guid.NewGuid():N}");
            try
            {
                dir.MoveTo(claimed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // another reaper claimed it first
            }

            try
            {
                stopServersIn(claimed);
                System.IO.Directory.Delete(claimed, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // A server that would not stop, or files still in use: not this test's business.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>Free loopback ports.</summary>
public static class FreePort
{
    /// <summary>
    /// Starts a server on a free port. A port that was free a moment ago may be taken by the
    /// time the server binds it, so a start that fails is tried again on another port.
    /// </summary>
    public static async Task<int> StartOnFreeTcpPortAsync(Func<int, Task> start)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = NextTcp();
            try
            {
                await start(port).ConfigureAwait(false);
                return port;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>A TCP port that was free a moment ago.</summary>
    public static int NextTcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
