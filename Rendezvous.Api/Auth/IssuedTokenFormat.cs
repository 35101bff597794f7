using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Rendezvous.Api.Auth;

/// <summary>
/// Issued bearer tokens: <c>rv_</c> followed by 32 random bytes in base64url without
/// padding (RFC 4648 section 5), 46 characters in all. The prefix lets secret scanners and
/// people recognise a Rendezvous token, and lets the validator skip the database for
/// anything that is not one. Only the SHA-256 of the token text is stored: the token is a
/// 256-bit random secret, so an unsalted fast hash cannot be reversed or guessed.
/// </summary>
internal static class IssuedTokenFormat
{
    public const string Prefix = "rv_";
    public const int SecretBytes = 32;

    /// <summary>43: the unpadded base64url length of <see cref="SecretBytes"/>.</summary>
    public static readonly int EncodedSecretLength = Base64Url.GetEncodedLength(SecretBytes);

    public static int Length => Prefix.Length + EncodedSecretLength;

    private static readonly SearchValues<char> Base64UrlAlphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static string NewToken()
    {
        Span<byte> secret = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(secret);
        try
        {
            return Prefix + Base64Url.EncodeToString(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Whether <paramref name="token"/> has the shape of an issued token (it may still be unknown).</summary>
    public static bool IsWellFormed(string token) =>
        token.Length == Length
        && token.StartsWith(Prefix, StringComparison.Ordinal)
        && token.AsSpan(Prefix.Length).IndexOfAnyExcept(Base64UrlAlphabet) < 0;

    /// <summary>The stored form: SHA-256 of the token's UTF-8 text, prefix included.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
