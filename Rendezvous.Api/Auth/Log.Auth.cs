namespace Rendezvous.Api;

/// <summary>Authentication's log messages (2xxx). No message carries a token, a password or a user name that was refused.</summary>
internal static partial class Log
{
    [LoggerMessage(2002, LogLevel.Information, "Issued token {TokenId} acting as {Subject} (admin: {IsAdmin}) for {CreatedBy}")]
    public static partial void TokenIssued(ILogger logger, Guid tokenId, string subject, bool isAdmin, string createdBy);

    [LoggerMessage(2003, LogLevel.Information, "Token {TokenId} revoked by {RevokedBy}")]
    public static partial void TokenRevoked(ILogger logger, Guid tokenId, string revokedBy);

    [LoggerMessage(2004, LogLevel.Information, "Refused issued token {TokenId}: {Status}")]
    public static partial void IssuedTokenRefused(ILogger logger, Guid tokenId, string status);

    [LoggerMessage(2005, LogLevel.Warning, "Cannot check an issued token: the token store is unavailable")]
    public static partial void TokenStoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(2006, LogLevel.Warning, "Could not record the use of token {TokenId}")]
    public static partial void TokenTouchFailed(ILogger logger, Exception exception, Guid tokenId);

    [LoggerMessage(2010, LogLevel.Information, "Refused HTTP Basic credentials on {Path}: {Reason}")]
    public static partial void BasicCredentialsRefused(ILogger logger, PathString path, string reason);

    [LoggerMessage(2011, LogLevel.Warning, "Cannot check passwords against directory {Directory}: {Detail}")]
    public static partial void LdapUnavailable(ILogger logger, string directory, string detail);

    [LoggerMessage(2012, LogLevel.Warning, "The user search under {SearchBase} matched more than one entry; refusing the login (make UserSearchFilter match at most one entry)")]
    public static partial void LdapUserAmbiguous(ILogger logger, string searchBase);

    [LoggerMessage(2013, LogLevel.Warning, "The admin group {GroupDn} (Rendezvous:Auth:Ldap:AdminGroupDn) does not exist; no directory user is an administrator")]
    public static partial void LdapAdminGroupMissing(ILogger logger, string groupDn);

    [LoggerMessage(2014, LogLevel.Debug, "Authenticated {Subject} by an LDAP bind (admin: {IsAdmin})")]
    public static partial void LdapBindSucceeded(ILogger logger, string subject, bool isAdmin);

    [LoggerMessage(2015, LogLevel.Warning, "HTTP Basic passwords are checked against {Url} without TLS: they cross the network in clear text. Use an ldaps:// URL for directory {Directory}")]
    public static partial void LdapPasswordsInClearText(ILogger logger, string directory, string url);
}
