using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Rendezvous.Api.Auth;

/// <summary>
/// Remembers successful LDAP binds for a short while, so that a client sending Basic
/// credentials on every request does not cost a bind per request. Only successes are kept:
/// a refused password is asked of the directory every time, so its lockout policy sees
/// every attempt.
/// </summary>
/// <remarks>
/// Entries are keyed by HMAC-SHA-256 of the user name and password under a random key made
/// when the process starts: the cache holds neither the password nor a plain hash of it
/// that could be attacked offline from a memory dump. A changed password, a disabled
/// account or a change of admin group membership takes effect when the entry expires.
/// </remarks>
internal sealed class LdapCredentialCache(TimeProvider time)
{
    /// <summary>More entries than this and the expired ones are dropped; if that is not enough, all are.</summary>
    public const int Capacity = 10_000;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, (CallerIdentity Identity, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public bool TryGet(string userName, string password, out CallerIdentity? identity)
    {
        var key = Key(userName, password);
        if (_entries.TryGetValue(key, out var entry))
        {
            if (entry.Expires > time.GetUtcNow())
            {
                identity = entry.Identity;
                return true;
            }

            _entries.TryRemove(KeyValuePair.Create(key, entry));
        }

        identity = null;
        return false;
    }

    public void Add(string userName, string password, CallerIdentity identity, TimeSpan lifetime)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_entries.Count >= Capacity)
        {
            foreach (var (key, entry) in _entries)
            {
                if (entry.Expires <= now)
                {
                    _entries.TryRemove(KeyValuePair.Create(key, entry));
                }
            }

            if (_entries.Count >= Capacity)
            {
                _entries.Clear();
            }
        }

        _entries[Key(userName, password)] = (identity, now + lifetime);
    }

    private string Key(string userName, string password)
    {
        // Length-prefixed, so that ("ab", "c") and ("a", "bc") never share a key.
        var name = Encoding.UTF8.GetBytes(userName);
        var secret = Encoding.UTF8.GetBytes(password);
        var message = new byte[4 + name.Length + secret.Length];
        try
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message, name.Length);
            name.CopyTo(message, 4);
            secret.CopyTo(message, 4 + name.Length);
            return Convert.ToBase64String(HMACSHA256.HashData(_key, message));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(message);
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
