namespace Rendezvous.Api.Auth;

/// <summary>
/// The credentials could not be checked at all: the token store (PostgreSQL) or the
/// password directory (LDAP) did not answer. Answered with 503 and Retry-After instead of
/// 401, so that a client with good credentials is told to retry rather than that its
/// credentials are wrong. The message is shown to the caller; it names no secret.
/// </summary>
public sealed class CredentialsUnavailableException : Exception
{
    public CredentialsUnavailableException()
    {
    }

    public CredentialsUnavailableException(string message)
        : base(message)
    {
    }

    public CredentialsUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
