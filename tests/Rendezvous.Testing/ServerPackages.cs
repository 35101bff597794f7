namespace Rendezvous.Testing;

/// <summary>
/// Makes sure PostgreSQL and OpenLDAP are installed, through the same script the local
/// run uses. A fixture never skips: when the packages cannot be installed, it fails and
/// says why.
/// </summary>
public static class ServerPackages
{
    private static readonly Lazy<Task> Installed = new(() =>
        ProcessRunner.RunAsync(Repository.PathOf("deploy", "local", "install-packages.sh"), [], TimeSpan.FromMinutes(10)));

    public static Task EnsureInstalledAsync() => Installed.Value;
}
