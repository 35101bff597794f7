using System.Text.RegularExpressions;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;
using YamlDotNet.RepresentationModel;

namespace Rendezvous.Api.Tests;

/// <summary>
/// Docker does not run on these machines, so docker-compose.yml and the images are
/// checked from outside: every file they build from exists, the LDAP image runs the
/// script the fixtures run (tested by every LDAP test), and the service's environment
/// is a configuration that starts.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly YamlMappingNode Compose = LoadCompose();

    private static YamlMappingNode LoadCompose()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Repository.PathOf("docker-compose.yml"));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    private static YamlMappingNode Service(string name) => Map(Map(Compose, "services"), name);

    private static (string Context, string Dockerfile) Build(string service)
    {
        var build = Service(service).Children[new YamlScalarNode("build")];
        if (build is YamlScalarNode context)
        {
            return (Repository.PathOf(context.Value!), Path.Combine(Repository.PathOf(context.Value!), "Dockerfile"));
        }

        var map = (YamlMappingNode)build;
        var root = Repository.PathOf(((YamlScalarNode)map.Children[new YamlScalarNode("context")]).Value!);
        return (root, Path.Combine(root, ((YamlScalarNode)map.Children[new YamlScalarNode("dockerfile")]).Value!));
    }

    [Fact]
    public void The_deployment_has_postgresql_the_directory_and_the_service()
    {
        var services = Map(Compose, "services").Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();
        Assert.Equal(["postgres", "ldap", "rendezvous"], services);
    }

    [Theory]
    [InlineData("ldap")]
    [InlineData("rendezvous")]
    public void Every_file_an_image_copies_exists(string service)
    {
        var (context, dockerfile) = Build(service);
        Assert.True(File.Exists(dockerfile), $"{dockerfile} is missing");
        var sources = File.ReadLines(dockerfile)
            .Select(line => CopyLine().Match(line))
            .Where(m => m.Success)
            .SelectMany(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var path = Path.Combine(context, source);
            Assert.True(File.Exists(path) || System.IO.Directory.Exists(path), $"{dockerfile} copies {source}, which is not in {context}");
        }
    }

    [Fact]
    public void The_ldap_image_runs_the_script_the_fixtures_run()
    {
        var (_, dockerfile) = Build("ldap");
        var text = File.ReadAllText(dockerfile);
        Assert.Contains("COPY slapd.conf.in base.ldif slapd-run.sh /opt/rendezvous/ldap/", text, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"/opt/rendezvous/ldap/slapd-run.sh\"", text, StringComparison.Ordinal);
        Assert.Contains("\"--rootpw-file\", \"/run/secrets/ldap_admin_password\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_secret_a_service_uses_is_declared()
    {
        var declared = Map(Compose, "secrets").Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet();
        foreach (var (_, service) in Map(Compose, "services").Children)
        {
            if (((YamlMappingNode)service).Children.TryGetValue(new YamlScalarNode("secrets"), out var secrets))
            {
                Assert.All((YamlSequenceNode)secrets, s => Assert.Contains(((YamlScalarNode)s).Value, declared));
            }
        }
    }

    [Fact]
    public async Task The_service_environment_is_a_configuration_that_starts()
    {
        var secretsDir = System.IO.Directory.CreateTempSubdirectory("rendezvous-secrets-");
        try
        {
            var settings = new Dictionary<string, string?>();
            foreach (var (key, value) in Map(Service("rendezvous"), "environment").Children)
            {
                var text = ((YamlScalarNode)value).Value!;
                // Secrets are mounted as files; stand in for them with files of plausible content.
                if (text.StartsWith("/run/secrets/", StringComparison.Ordinal))
                {
                    var file = Path.Combine(secretsDir.FullName, Path.GetFileName(text));
                    await File.WriteAllTextAsync(file, "compose-secret-0123456789abcdef0123456789\n");
                    text = file;
                }

                // Environment variable names use "__" where configuration keys use ":".
                settings[((YamlScalarNode)key).Value!.Replace("__", ":", StringComparison.Ordinal)] = text;
            }

            Assert.Contains("Rendezvous:PostgreSql:ConnectionString", settings.Keys);
            Assert.Empty(await ServiceStart.TryStartAsync(settings));
        }
        finally
        {
            secretsDir.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"^COPY\s+(?!--from)(?<args>.+)$")]
    private static partial Regex CopyLine();
}
