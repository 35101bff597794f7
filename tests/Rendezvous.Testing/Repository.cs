namespace Rendezvous.Testing;

/// <summary>Paths inside the checkout, found from the test assembly's location.</summary>
public static class Repository
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Rendezvous.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Rendezvous.sln above {AppContext.BaseDirectory}: tests must run from the checkout.");
    });

    public static string Root => LazyRoot.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
