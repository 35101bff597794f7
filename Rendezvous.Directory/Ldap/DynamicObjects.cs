using System.DirectoryServices.Protocols;

namespace Rendezvous.Directory.Ldap;

/// <summary>RFC 2589 dynamic objects: the refresh extended operation.</summary>
internal static class DynamicObjects
{
    /// <summary>RFC 2589 section 4.1: refresh request name.</summary>
    public const string RefreshOid = "1.3.6.1.4.1.1466.101.119.1";

    /// <summary>RFC 2589 section 3: entryTtl ranges from 0 to 31557600 (one year).</summary>
    public const int MaxTtlSeconds = 31557600;

    /// <summary>
    /// The lowest dds-max-ttl slapd accepts, and AD's default dynamic object TTL: a TTL every
    /// server we know grants. Used as the fallback when a longer TTL is refused.
    /// </summary>
    public const int UniversallyGrantedTtlSeconds = 86400;

    public static void CheckTtl(int ttlSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttlSeconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ttlSeconds, MaxTtlSeconds);
    }

    /// <summary>
    /// Sends the refresh and returns the TTL the server granted (slapd raises a TTL below its
    /// dds-min-ttl to that minimum); null when the entry does not exist. A TTL above the
    /// server's maximum is answered with sizeLimitExceeded (slapd, and pitfall 5); the server
    /// does not say its maximum, so the refresh is retried once with 86400 s, which every
    /// server grants, and the caller sees the shorter TTL in the result.
    /// </summary>
    public static int? Refresh(LdapConnection connection, string dn, int ttlSeconds)
    {
        CheckTtl(ttlSeconds);
        try
        {
            return Send(connection, dn, ttlSeconds);
        }
        catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.NoSuchObject)
        {
            return null;
        }
        catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.SizeLimitExceeded && ttlSeconds > UniversallyGrantedTtlSeconds)
        {
            try
            {
                return Send(connection, dn, UniversallyGrantedTtlSeconds);
            }
            catch (DirectoryOperationException retry) when (retry.Response?.ResultCode == ResultCode.NoSuchObject)
            {
                return null;
            }
        }
    }

    private static int Send(LdapConnection connection, string dn, int ttlSeconds)
    {
        // RFC 2589 section 4.1: SEQUENCE { entryName [0] LDAPDN, requestTtl [1] INTEGER }.
        var request = new ExtendedRequest(RefreshOid, BerConverter.Encode("{tsti}", 0x80, dn, 0x81, ttlSeconds));
        var response = (ExtendedResponse)connection.SendRequest(request);
        // Section 4.2: the response value is SEQUENCE { responseTtl [1] INTEGER }.
        return response.ResponseValue is { Length: > 0 } value ? (int)BerConverter.Decode("{i}", value)[0] : ttlSeconds;
    }
}
