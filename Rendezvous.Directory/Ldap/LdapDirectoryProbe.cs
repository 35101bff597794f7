using System.Diagnostics;
using System.DirectoryServices.Protocols;

namespace Rendezvous.Directory.Ldap;

/// <summary>The outcome of probing one directory.</summary>
/// <param name="Reachable">True when the bind and the read of the base entry succeeded.</param>
/// <param name="Detail">What failed, in words an operator can act on; null when reachable.</param>
/// <param name="Elapsed">How long the probe took.</param>
public sealed record LdapProbeResult(bool Reachable, string? Detail, TimeSpan Elapsed);

/// <summary>
/// Checks that a directory answers: connect, bind as configured, and read the base
/// entry. A missing base entry counts as a failure, because nothing can be published.
/// </summary>
public static class LdapDirectoryProbe
{
    public static async Task<LdapProbeResult> ProbeAsync(LdapDirectoryOptions directory, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // System.DirectoryServices.Protocols is synchronous; keep it off the caller's thread.
            await Task.Run(() => ReadBaseEntry(directory), cancellationToken).WaitAsync(TimeSpan.FromSeconds(directory.TimeoutSeconds + 1), cancellationToken).ConfigureAwait(false);
            return new LdapProbeResult(true, null, Stopwatch.GetElapsedTime(started));
        }
        catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.NoSuchObject)
        {
            return new LdapProbeResult(false, $"base entry '{directory.BaseDn}' does not exist", Stopwatch.GetElapsedTime(started));
        }
        catch (LdapException e)
        {
            return new LdapProbeResult(false, $"{directory.Url}: {e.Message} (LDAP error {e.ErrorCode})", Stopwatch.GetElapsedTime(started));
        }
        catch (DirectoryException e)
        {
            return new LdapProbeResult(false, $"{directory.Url}: {e.Message}", Stopwatch.GetElapsedTime(started));
        }
        catch (TimeoutException)
        {
            return new LdapProbeResult(false, $"{directory.Url}: no answer within {directory.TimeoutSeconds} s", Stopwatch.GetElapsedTime(started));
        }
        catch (IOException e)
        {
            return new LdapProbeResult(false, $"cannot read the bind password: {e.Message}", Stopwatch.GetElapsedTime(started));
        }
    }

    private static void ReadBaseEntry(LdapDirectoryOptions directory)
    {
        using var connection = LdapConnectionFactory.Open(directory);
        var request = new SearchRequest(directory.BaseDn, "(objectClass=*)", SearchScope.Base, "1.1");
        connection.SendRequest(request);
    }
}
