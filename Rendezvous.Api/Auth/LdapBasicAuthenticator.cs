using System.DirectoryServices.Protocols;
using System.Net;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Configuration;
using Rendezvous.Directory.Ldap;

namespace Rendezvous.Api.Auth;

internal enum LdapLoginStatus
{
    /// <summary>The directory accepted the bind.</summary>
    Authenticated,

    /// <summary>Wrong password, unknown user, or credentials refused before any bind: all look the same to the caller.</summary>
    Refused,

    /// <summary>The directory could not be asked (down, timed out, or the service's own bind failed).</summary>
    Unavailable,
}

/// <param name="Reason">Why, for the log only; never shown to the caller, never a secret.</param>
internal sealed record LdapLoginResult(LdapLoginStatus Status, CallerIdentity? Identity, string Reason);

/// <summary>
/// Checks a user name and password by binding to the configured directory as that user
/// (RFC 4513 section 5.1.3, simple bind). The user's DN comes from
/// <see cref="LdapAuthOptions.UserDnTemplate"/> with the name escaped per RFC 4514, or from a
/// search with the directory's own bind for <see cref="LdapAuthOptions.UserSearchFilter"/>
/// with the name escaped per RFC 4515 that must match exactly one entry. The caller's
/// subject is <c>ldap:</c> followed by the entry's DN as the directory stores it.
/// </summary>
internal sealed class LdapBasicAuthenticator(
    IOptionsMonitor<AuthOptions> auth,
    IOptionsMonitor<LdapDirectoryOptionsCollection> directories,
    LdapCredentialCache cache,
    ILogger<LdapBasicAuthenticator> logger)
{
    public const string Method = "ldap-bind";
    public const string SubjectPrefix = "ldap:";
    public const int MaxUserNameLength = 256;
    public const int MaxPasswordLength = 1024;

    // The DN bound in search mode when no entry matched, so that an unknown user costs the
    // same round trips as a wrong password. No entry has it, so the bind always fails.
    private const string NoSuchUserRdn = "cn=rendezvous-no-such-user";

    // Bind results that mean "these credentials are not accepted". Anything else (the
    // server down, busy, a timeout, or a code nobody expected) is "cannot check now":
    // logged for the operator and answered with 503, never taken as a success.
    // (RFC 4511 appendix A; LdapException.ErrorCode carries the bind's result code.)
    private static readonly HashSet<int> RefusalCodes =
    [
        49, // invalidCredentials: a wrong password or, from most servers, an unknown DN
        48, // inappropriateAuthentication
        53, // unwillingToPerform: a locked or disabled account on many servers
        50, // insufficientAccessRights
        32, // noSuchObject
        34, // invalidDNSyntax
        19, // constraintViolation: password policy
    ];

    public bool IsEnabled => auth.CurrentValue.Ldap is not null;

    public async Task<LdapLoginResult> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken)
    {
        var options = auth.CurrentValue.Ldap ?? throw new InvalidOperationException("HTTP Basic authentication is not configured (Rendezvous:Auth:Ldap).");

        // RFC 4513 section 5.1.2: a simple bind with a DN and an empty password is an
        // "unauthenticated bind", which some servers answer with success. Never send one.
        if (password.Length == 0)
        {
            return Refused("empty password");
        }

        // libldap reads the password as a C string: "\0x" would become an empty password
        // (see above), and "secret\0anything" would pass as "secret".
        if (password.Contains('\0', StringComparison.Ordinal) || password.Length > MaxPasswordLength)
        {
            return Refused("password not acceptable");
        }

        if (userName.Length is 0 or > MaxUserNameLength || userName.Any(char.IsControl))
        {
            return Refused("user name not acceptable");
        }

        if (cache.TryGet(userName, password, out var cached))
        {
            return new LdapLoginResult(LdapLoginStatus.Authenticated, cached, "cached");
        }

        var directory = directories.CurrentValue.FirstOrDefault(d => d.Name == options.Directory)
            ?? throw new InvalidOperationException($"Rendezvous:Auth:Ldap:Directory names no configured directory ('{options.Directory}').");

        // A search, a bind, an entry read and a group check, each bounded by the directory's timeout.
        var budget = TimeSpan.FromSeconds((directory.TimeoutSeconds * 4) + 1);
        LdapLoginResult result;
        try
        {
            // System.DirectoryServices.Protocols is synchronous; keep it off the request's thread.
            result = await Task.Run(() => Login(options, directory, userName, password), cancellationToken).WaitAsync(budget, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            result = Unavailable($"{directory.Url}: no answer within {budget.TotalSeconds} s");
        }

        if (result.Status == LdapLoginStatus.Authenticated)
        {
            cache.Add(userName, password, result.Identity!, TimeSpan.FromSeconds(options.CacheSeconds));
            Log.LdapBindSucceeded(logger, result.Identity!.Subject, result.Identity.IsAdmin);
        }
        else if (result.Status == LdapLoginStatus.Unavailable)
        {
            Log.LdapUnavailable(logger, directory.Name, result.Reason);
        }

        return result;
    }

    private LdapLoginResult Login(LdapAuthOptions options, LdapDirectoryOptions directory, string userName, string password)
    {
        LdapConnection? service = null;
        try
        {
            if (options.SearchesForUsers || options.AdminGroupDn is not null)
            {
                try
                {
                    service = LdapConnectionFactory.Open(directory);
                }
                catch (LdapException e)
                {
                    // Also when the service's own credentials are refused: a configuration
                    // problem, not the caller's, so it must not read as "wrong password".
                    return Unavailable($"the service's own bind to {directory.Url} failed: {e.Message} (LDAP error {e.ErrorCode})");
                }
                catch (IOException e)
                {
                    return Unavailable($"cannot read the directory's bind password: {e.Message}");
                }
            }

            string userDn;
            string? displayName = null;
            if (options.SearchesForUsers)
            {
                if (FindUser(service!, options, userName) is not { } found)
                {
                    BindExpectingFailure(directory, $"{NoSuchUserRdn},{options.UserSearchBase}", password);
                    return Refused("no single entry matches the user name");
                }

                (userDn, displayName) = found;
            }
            else
            {
                userDn = options.UserDnTemplate!.Replace(LdapAuthOptions.Placeholder, LdapNames.EscapeDnValue(userName), StringComparison.Ordinal);
            }

            using var user = Connect(directory);
            try
            {
                user.Bind(new NetworkCredential(userDn, password));
            }
            catch (LdapException e) when (RefusalCodes.Contains(e.ErrorCode))
            {
                return Refused($"the directory refused the bind (LDAP error {e.ErrorCode})");
            }

            if (!options.SearchesForUsers)
            {
                (userDn, displayName) = ReadOwnEntry(user, userDn);
            }

            var isAdmin = options.AdminGroupDn is { } group && IsMember(service!, group, userDn);
            var identity = new CallerIdentity(SubjectPrefix + userDn, displayName ?? userName, isAdmin, Method);
            return new LdapLoginResult(LdapLoginStatus.Authenticated, identity, "bound");
        }
        catch (LdapException e)
        {
            return Unavailable($"{directory.Url}: {e.Message} (LDAP error {e.ErrorCode})");
        }
        catch (DirectoryOperationException e)
        {
            return Unavailable($"{directory.Url}: {e.Message} (result {e.Response?.ResultCode})");
        }
        catch (DirectoryException e)
        {
            return Unavailable($"{directory.Url}: {e.Message}");
        }
        finally
        {
            service?.Dispose();
        }
    }

    /// <summary>The one entry the filter matches under the search base, or null for none or several.</summary>
    private (string Dn, string? Name)? FindUser(LdapConnection service, LdapAuthOptions options, string userName)
    {
        var filter = options.UserSearchFilter.Replace(LdapAuthOptions.Placeholder, LdapNames.EscapeFilterValue(userName), StringComparison.Ordinal);
        // Two are enough to know the match is not unique.
        var request = new SearchRequest(options.UserSearchBase, filter, SearchScope.Subtree, "displayName", "cn") { SizeLimit = 2 };
        SearchResponse response;
        try
        {
            response = (SearchResponse)service.SendRequest(request);
        }
        catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.SizeLimitExceeded)
        {
            Log.LdapUserAmbiguous(logger, options.UserSearchBase!);
            return null;
        }

        if (response.Entries.Count > 1)
        {
            Log.LdapUserAmbiguous(logger, options.UserSearchBase!);
        }

        return response.Entries.Count == 1 ? (response.Entries[0].DistinguishedName, NameOf(response.Entries[0])) : null;
    }

    /// <summary>
    /// The entry's DN as the directory stores it, and its display name. Reading it back
    /// makes the subject independent of how the user typed the name ("Alice" or "alice").
    /// A user that may not read its own entry keeps the DN it bound with.
    /// </summary>
    private static (string Dn, string? Name) ReadOwnEntry(LdapConnection user, string userDn)
    {
        try
        {
            var response = (SearchResponse)user.SendRequest(new SearchRequest(userDn, "(objectClass=*)", SearchScope.Base, "displayName", "cn"));
            if (response.Entries.Count == 1)
            {
                return (response.Entries[0].DistinguishedName, NameOf(response.Entries[0]));
            }
        }
        catch (DirectoryOperationException)
        {
            // Not readable by the user: fall through.
        }

        return (userDn, null);
    }

    /// <summary>Whether the group lists the user's DN in <c>member</c> (groupOfNames) or <c>uniqueMember</c> (groupOfUniqueNames).</summary>
    private bool IsMember(LdapConnection service, string groupDn, string userDn)
    {
        // The server compares DNs with distinguishedNameMatch, so case and spacing do not matter.
        var value = LdapNames.EscapeFilterValue(userDn);
        var request = new SearchRequest(groupDn, $"(|(member={value})(uniqueMember={value}))", SearchScope.Base, "1.1");
        try
        {
            return ((SearchResponse)service.SendRequest(request)).Entries.Count > 0;
        }
        catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.NoSuchObject)
        {
            Log.LdapAdminGroupMissing(logger, groupDn);
            return false;
        }
    }

    private static void BindExpectingFailure(LdapDirectoryOptions directory, string dn, string password)
    {
        try
        {
            using var connection = Connect(directory);
            connection.Bind(new NetworkCredential(dn, password));
        }
        catch (LdapException)
        {
            // Expected: no entry has this DN.
        }
    }

    /// <summary>A connection with the directory's URLs and TLS in place, ready for a user's simple bind.</summary>
    private static LdapConnection Connect(LdapDirectoryOptions directory)
    {
        var connection = LdapConnectionFactory.Connect(directory);
        connection.AuthType = AuthType.Basic;
        return connection;
    }

    private static string? NameOf(SearchResultEntry entry) =>
        FirstValue(entry, "displayName") ?? FirstValue(entry, "cn");

    private static string? FirstValue(SearchResultEntry entry, string attribute) =>
        entry.Attributes.Contains(attribute) && entry.Attributes[attribute].GetValues(typeof(string)) is [string first, ..] ? first : null;

    private static LdapLoginResult Refused(string reason) => new(LdapLoginStatus.Refused, null, reason);

    private static LdapLoginResult Unavailable(string reason) => new(LdapLoginStatus.Unavailable, null, reason);
}
