using Rendezvous.Directory.Ldap;

namespace Rendezvous.Directory.Tests.Ldap;

/// <summary>Escaping of user names into DNs (RFC 4514) and filters (RFC 4515), with the RFCs' own examples.</summary>
public sealed class LdapEscapingTests
{
    [Theory]
    // RFC 4514 section 4: CN=James \"Jim\" Smith\, III
    [InlineData("James \"Jim\" Smith, III", "James \\\"Jim\\\" Smith\\, III")]
    // RFC 4514 section 4: CN=Before\0dAfter is a hex pair for a control character.
    [InlineData("Before\rAfter", "Before\\0dAfter")]
    [InlineData("a,b", "a\\,b")]
    [InlineData("a+b;c<d>e", "a\\+b\\;c\\<d\\>e")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("x=y", "x\\=y")]
    [InlineData("#lead", "\\#lead")]
    [InlineData("mid#dle", "mid#dle")]
    [InlineData(" both ", "\\ both\\ ")]
    [InlineData("in side", "in side")]
    [InlineData(" ", "\\ ")]
    [InlineData("nul\0", "nul\\00")]
    [InlineData("*)(uid=*", "*)(uid\\=*")]
    [InlineData("Lučić", "Lučić")]
    public void A_dn_value_is_escaped_per_rfc_4514(string value, string escaped) =>
        Assert.Equal(escaped, LdapNames.EscapeDnValue(value));

    [Theory]
    // RFC 4515 section 4 examples.
    [InlineData("Parens R Us (for all your parenthetical needs)", "Parens R Us \\28for all your parenthetical needs\\29")]
    [InlineData("*", "\\2a")]
    [InlineData("C:\\MyFile", "C:\\5cMyFile")]
    [InlineData("\0", "\\00")]
    [InlineData("*)(uid=*", "\\2a\\29\\28uid=\\2a")]
    [InlineData("uid=a\\,b,o=x", "uid=a\\5c,b,o=x")]
    [InlineData("tab\there", "tab\\09here")]
    [InlineData("Lučić", "Lučić")]
    public void A_filter_value_is_escaped_per_rfc_4515(string value, string escaped) =>
        Assert.Equal(escaped, LdapNames.EscapeFilterValue(value));

    [Fact]
    public void Escaped_values_never_contain_structure()
    {
        // Seeded fuzzing over the characters that carry meaning.
        var random = new Random(4514);
        const string alphabet = "ab,+\"\\<>;=#* ()\0\r\n";
        for (var i = 0; i < 5000; i++)
        {
            var value = new string([.. Enumerable.Range(0, random.Next(1, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);

            var filter = LdapNames.EscapeFilterValue(value);
            Assert.DoesNotContain('*', filter);
            Assert.DoesNotContain('(', filter);
            Assert.DoesNotContain(')', filter);
            Assert.DoesNotContain('\0', filter);

            // In the DN value every special is preceded by an escaping backslash.
            var dn = LdapNames.EscapeDnValue(value);
            Assert.DoesNotContain('\0', dn);
            for (var k = 0; k < dn.Length; k++)
            {
                if (dn[k] == '\\')
                {
                    k++; // skip the escaped character (or the first hex digit)
                    continue;
                }

                Assert.DoesNotContain(dn[k], ",+\"<>;=");
            }

            Assert.False(dn.EndsWith(' ') && !dn.EndsWith("\\ ", StringComparison.Ordinal), dn);
        }
    }
}
