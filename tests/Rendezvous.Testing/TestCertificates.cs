namespace Rendezvous.Testing;

/// <summary>
/// A throwaway PKI made with openssl for TLS tests: a CA, a server certificate it signs for
/// 127.0.0.1 and localhost, and an unrelated CA that signed nothing the server presents.
/// Keys are unencrypted and live only in the fixture's own folder.
/// </summary>
public static class TestCertificates
{
    public const string CaFile = "ca.pem";
    public const string UnrelatedCaFile = "unrelated-ca.pem";
    public const string ServerCertificateFile = "server.pem";
    public const string ServerKeyFile = "server.key";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task CreateAsync(string folder)
    {
        System.IO.Directory.CreateDirectory(folder);
        string In(string name) => Path.Combine(folder, name);

        await CreateCaAsync(In("ca.key"), In(CaFile), "Rendezvous test CA").ConfigureAwait(false);
        await CreateCaAsync(In("unrelated-ca.key"), In(UnrelatedCaFile), "Rendezvous unrelated test CA").ConfigureAwait(false);

        await File.WriteAllTextAsync(In("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n").ConfigureAwait(false);
        await ProcessRunner.RunAsync("openssl",
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", In(ServerKeyFile), "-out", In("server.csr"), "-subj", "/CN=localhost"],
            Timeout).ConfigureAwait(false);
        await ProcessRunner.RunAsync("openssl",
            ["x509", "-req", "-in", In("server.csr"), "-CA", In(CaFile), "-CAkey", In("ca.key"), "-CAcreateserial", "-days", "2", "-out", In(ServerCertificateFile), "-extfile", In("server.ext")],
            Timeout).ConfigureAwait(false);
    }

    private static Task<string> CreateCaAsync(string key, string certificate, string name) =>
        ProcessRunner.RunAsync("openssl",
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
                "-subj", $"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            Timeout);
}
