using System.Diagnostics;
using System.DirectoryServices.Protocols;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Xunit;

namespace Rendezvous.Testing;

/// <summary>
/// A private OpenLDAP directory (suffix o=Intranet, dds overlay, our schema) on
/// 127.0.0.1, started by deploy/ldap/slapd-run.sh: the script, schema and slapd.conf
/// that the local run and the container image use. Tests isolate themselves with
/// <see cref="CreateSubtreeAsync"/>: an organizational unit each.
/// Set <see cref="NamingContext"/> for another suffix (an AD-style TAPI partition), and
/// <see cref="Tls"/> to serve LDAPS and StartTLS with a throwaway CA made at start.
/// </summary>
public class SlapdServer : IAsyncLifetime
{
    public const string Suffix = "o=Intranet";
    public const string AdminDn = "cn=admin,o=Intranet";

    private static readonly string Script = Repository.PathOf("deploy", "ldap", "slapd-run.sh");
    private const string Kind = "ldap";

    private TestInstanceDirectory? _directory;
    private Process? _slapd;

    public int Port { get; private set; }

    /// <summary>The instance's private folder under /tmp/rendezvous-test-*.</summary>
    public string Folder => _directory?.Path ?? throw new InvalidOperationException("The server has not been started.");

    public string Url => $"ldap://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The database suffix; <see cref="Suffix"/> unless a fixture sets another.</summary>
    public string NamingContext { get; init; } = Suffix;

    /// <summary>The rootdn: cn=admin under <see cref="NamingContext"/>.</summary>
    public string AdministratorDn => $"cn=admin,{NamingContext}";

    /// <summary>Serve LDAPS on <see cref="LdapsPort"/> and StartTLS on <see cref="Port"/>, with a certificate for 127.0.0.1 and localhost.</summary>
    public bool Tls { get; init; }

    public int LdapsPort { get; private set; }

    public string LdapsUrl => $"ldaps://127.0.0.1:{LdapsPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The PEM of the throwaway CA that signed the server's certificate (with <see cref="Tls"/>).</summary>
    public string CaFile { get; private set; } = "";

    /// <summary>The PEM of another throwaway CA, which signed nothing this server presents.</summary>
    public string UnrelatedCaFile { get; private set; } = "";

    public string AdminPassword { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>A file holding <see cref="AdminPassword"/>, for settings that take a password file.</summary>
    public string AdminPasswordFile { get; private set; } = "";

    /// <summary>How often the dds overlay sweeps expired dynamic objects, in seconds.</summary>
    public int DdsIntervalSeconds { get; init; } = 2;

    public async Task InitializeAsync()
    {
        await ServerPackages.EnsureInstalledAsync().ConfigureAwait(false);
        TestInstanceDirectory.ReapOrphans(Kind, StopServersIn);
        _directory = TestInstanceDirectory.Create(Kind);
        AdminPasswordFile = _directory.WriteSecret("ldap-admin.password", AdminPassword);
        if (Tls)
        {
            await TestCertificates.CreateAsync(_directory.File("tls")).ConfigureAwait(false);
            CaFile = _directory.File(Path.Combine("tls", TestCertificates.CaFile));
            UnrelatedCaFile = _directory.File(Path.Combine("tls", TestCertificates.UnrelatedCaFile));
        }

        await FreePort.StartOnFreeTcpPortAsync(port =>
        {
            Port = port;
            LdapsPort = Tls ? FreePort.NextTcp() : 0;
            return StartAsync();
        }).ConfigureAwait(false);
    }

    /// <summary>Starts slapd (again, after <see cref="StopAsync"/>) on the same port and data, and waits until it answers.</summary>
    public async Task StartAsync()
    {
        var log = _directory!.File("slapd.log");
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            ArgumentList =
            {
                "-c", "exec \"$0\" \"$@\" >>\"$LOG\" 2>&1", Script,
                "--data", Path.Combine(_directory.Path, "ldap"),
                "--url", Tls ? $"{Url}/ {LdapsUrl}/" : Url + "/",
                "--rootpw-file", AdminPasswordFile,
                "--dds-interval", DdsIntervalSeconds.ToString(CultureInfo.InvariantCulture),
            },
            Environment = { ["LOG"] = log },
        };
        if (NamingContext != Suffix)
        {
            var ldif = _directory.File("base.ldif");
            await File.WriteAllTextAsync(ldif, BaseLdif(NamingContext)).ConfigureAwait(false);
            foreach (var argument in (string[])["--suffix", NamingContext, "--base-ldif", ldif])
            {
                start.ArgumentList.Add(argument);
            }
        }

        if (Tls)
        {
            foreach (var argument in (string[])["--tls-cert", _directory.File(Path.Combine("tls", TestCertificates.ServerCertificateFile)), "--tls-key", _directory.File(Path.Combine("tls", TestCertificates.ServerKeyFile))])
            {
                start.ArgumentList.Add(argument);
            }
        }

        _slapd = Process.Start(start) ?? throw new InvalidOperationException("Could not start slapd-run.sh.");

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_slapd.HasExited)
            {
                throw new InvalidOperationException($"slapd exited with {_slapd.ExitCode}:\n{await File.ReadAllTextAsync(log).ConfigureAwait(false)}");
            }

            if (Answers())
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                _slapd.Kill();
                throw new InvalidOperationException($"slapd did not answer at {Url} within 20 s:\n{await File.ReadAllTextAsync(log).ConfigureAwait(false)}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Stops slapd (SIGTERM, then SIGKILL after 10 s); the data stays for <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_slapd is null || _slapd.HasExited)
        {
            return;
        }

        await ProcessRunner.RunAsync("kill", ["-TERM", _slapd.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _slapd.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _slapd.Kill();
        }
    }

    /// <summary>A connection bound as the directory's administrator.</summary>
    public LdapConnection ConnectAsAdmin() => Connect(new NetworkCredential(AdministratorDn, AdminPassword));

    /// <summary>An anonymous connection.</summary>
    public LdapConnection ConnectAnonymously() => Connect(null);

    /// <summary>Creates an organizational unit of its own for one test and returns its DN.</summary>
    public Task<string> CreateSubtreeAsync() => Task.Run(() =>
    {
        var dn = $"ou=t-{Guid.NewGuid():N},{NamingContext}";
        using var connection = ConnectAsAdmin();
        connection.SendRequest(new AddRequest(dn, new DirectoryAttribute("objectClass", "organizationalUnit")));
        return dn;
    });

    public async Task DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _slapd?.Dispose();
        _directory?.Dispose();
    }

    private LdapConnection Connect(NetworkCredential? credential)
    {
        var connection = new LdapConnection(new LdapDirectoryIdentifier("127.0.0.1", Port))
        {
            AuthType = credential is null ? AuthType.Anonymous : AuthType.Basic,
            Timeout = TimeSpan.FromSeconds(5),
        };
        connection.SessionOptions.ProtocolVersion = 3;
        if (credential is null)
        {
            connection.Bind();
        }
        else
        {
            connection.Bind(credential);
        }

        return connection;
    }

    /// <summary>
    /// Whether our slapd answers. Binding with this instance's own random password proves
    /// the server is ours: another test run's slapd may hold the port for a moment while
    /// ours is failing to bind it.
    /// </summary>
    private bool Answers()
    {
        try
        {
            using var connection = ConnectAsAdmin();
            connection.SendRequest(new SearchRequest(NamingContext, "(objectClass=*)", SearchScope.Base, "1.1"));
            return _slapd is { HasExited: false };
        }
        catch (LdapException)
        {
            return false;
        }
        catch (DirectoryOperationException)
        {
            return false;
        }
    }

    /// <summary>The suffix entry: a domain for dc=..., an organization for o=..., an organizational unit for ou=....</summary>
    private static string BaseLdif(string suffix)
    {
        var rdn = suffix.Split(',')[0].Split('=', 2);
        var (objectClass, attribute) = rdn[0].Trim().ToLowerInvariant() switch
        {
            "dc" => ("domain", "dc"),
            "o" => ("organization", "o"),
            "ou" => ("organizationalUnit", "ou"),
            _ => throw new ArgumentException($"Cannot make a suffix entry for '{suffix}': its first RDN must be dc=, o= or ou=."),
        };
        return $"dn: {suffix}\nobjectClass: top\nobjectClass: {objectClass}\n{attribute}: {rdn[1].Trim()}\n";
    }

    private static void StopServersIn(string folder)
    {
        var pidFile = Path.Combine(folder, "ldap", "slapd.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                if (process.ProcessName == "slapd")
                {
                    process.Kill();
                    process.WaitForExit(10_000);
                }
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }
}
