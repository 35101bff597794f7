namespace Rendezvous.Testing;

/// <summary>A private slapd that also serves LDAPS and StartTLS (see <see cref="SlapdServer.Tls"/>).</summary>
public sealed class TlsSlapdServer : SlapdServer
{
    public TlsSlapdServer() => Tls = true;
}

/// <summary>
/// A private slapd laid out like an Active Directory TAPI application partition: the
/// naming context is the partition itself (tapicfg's default name TAPI3Directory), and
/// msTAPI-* objects live directly under it.
/// </summary>
public sealed class TapiPartitionSlapdServer : SlapdServer
{
    public const string Partition = "dc=TAPI3Directory,dc=example,dc=test";

    public TapiPartitionSlapdServer() => NamingContext = Partition;
}
