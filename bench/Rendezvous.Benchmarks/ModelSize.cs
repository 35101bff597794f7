using System.Reflection;
using System.Runtime.CompilerServices;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Benchmarks;

/// <summary>
/// Compares the bytes one parse allocates with the size of the model it returns.
/// The model's size is the sum of the heap sizes of every object reachable from the
/// <see cref="SdpParseResult"/> that belongs to this parse alone: objects reachable from two
/// independent parses of the same text (interned strings such as "IN", "IP4", "rtpmap", payload
/// numbers, empty arrays) are shared and cost nothing per parse. Each object's heap size is
/// measured, not guessed: the bytes the runtime allocates for a string of the same length, an
/// array of the same type and length, or an uninitialised instance of the same class.
/// </summary>
public static class ModelSize
{
    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    private static readonly SdpParseOptions NoValidation = SdpParseOptions.Strict with { Validate = false };

    private static readonly Dictionary<(Type Type, int Length), long> Sizes = [];

    public static int Run()
    {
        Console.WriteLine("file                chars  model objects (strings/arrays/other)  model bytes  allocated/parse: validate  no-validate  utf8 (validate)");
        foreach (var file in Corpus.Files)
        {
            var text = Corpus.ReadText(file);
            var utf8 = Corpus.ReadBytes(file);
            CorpusCheck.ParseClean(file, text);
            var model = Measure(SdpParser.Parse(text), SdpParser.Parse(text));
            var validate = AllocatedPerCall(() => SdpParser.Parse(text));
            var noValidate = AllocatedPerCall(() => SdpParser.Parse(text, NoValidation));
            var fromBytes = AllocatedPerCall(() => SdpParser.Parse(utf8.AsSpan()));
            Console.WriteLine(
                $"{file,-18} {text.Length,6}  {model.Objects,5} ({model.Strings}/{model.Arrays}/{model.Objects - model.Strings - model.Arrays})" +
                $"{"",-14}{model.Bytes,8}  {validate,24:F0}  {noValidate,11:F0}  {fromBytes,15:F0}");
            Console.WriteLine(
                $"{"",-18} model: strings {model.StringBytes} B, arrays {model.ArrayBytes} B, records {model.Bytes - model.StringBytes - model.ArrayBytes} B;" +
                $" beyond the model: validate {validate - model.Bytes:F0} B, no-validate {noValidate - model.Bytes:F0} B, utf8 {fromBytes - model.Bytes:F0} B" +
                $" (the decoded string alone is {SizeOf(text)} B)");
        }

        return 0;
    }

    private static double AllocatedPerCall(Func<SdpParseResult> parse)
    {
        // Warm up for a second, so that tiered compilation has replaced the first, unoptimised
        // code (which can allocate where the optimised code does not).
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds < 1000)
        {
            parse();
        }

        const int Count = 20_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Count; i++)
        {
            parse();
        }

        return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / Count;
    }

    private sealed record Totals(int Objects, int Strings, int Arrays, long Bytes, long StringBytes, long ArrayBytes);

    private static Totals Measure(SdpParseResult result, SdpParseResult other)
    {
        var mine = Reachable(result);
        var shared = Reachable(other);
        int objects = 0, strings = 0, arrays = 0;
        long bytes = 0, stringBytes = 0, arrayBytes = 0;
        foreach (var item in mine)
        {
            if (shared.Contains(item))
            {
                continue;
            }

            var size = SizeOf(item);
            objects++;
            bytes += size;
            if (item is string)
            {
                strings++;
                stringBytes += size;
            }
            else if (item is Array)
            {
                arrays++;
                arrayBytes += size;
            }
        }

        return new Totals(objects, strings, arrays, bytes, stringBytes, arrayBytes);
    }

    private static HashSet<object> Reachable(object root)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>();
        pending.Push(root);
        while (pending.TryPop(out var item))
        {
            if (!seen.Add(item) || item is string)
            {
                continue;
            }

            if (item is Array array)
            {
                foreach (var element in array)
                {
                    Visit(element, pending);
                }

                continue;
            }

            VisitFields(item, item.GetType(), pending);
        }

        return seen;
    }

    private static void Visit(object? value, Stack<object> pending)
    {
        if (value is null || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        if (value.GetType().IsValueType)
        {
            // A struct is stored inline: follow its fields, the box is not part of the model.
            VisitFields(value, value.GetType(), pending);
            return;
        }

        pending.Push(value);
    }

    private static void VisitFields(object item, Type type, Stack<object> pending)
    {
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            foreach (var field in t.GetFields(InstanceFields))
            {
                Visit(field.GetValue(item), pending);
            }
        }
    }

    /// <summary>The heap size of an object like <paramref name="item"/>, measured by allocating one.</summary>
    private static long SizeOf(object item)
    {
        var key = item switch
        {
            string s => (typeof(string), s.Length),
            Array a => (a.GetType(), a.Length),
            _ => (item.GetType(), 0),
        };
        if (Sizes.TryGetValue(key, out var size))
        {
            return size;
        }

        // The first allocation of a type may allocate runtime data of its own: measure the second.
        for (var i = 0; i < 2; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var copy = item switch
            {
                string s => new string(' ', s.Length),
                Array a => Array.CreateInstance(a.GetType().GetElementType()!, a.Length),
                _ => RuntimeHelpers.GetUninitializedObject(item.GetType()),
            };
            size = GC.GetAllocatedBytesForCurrentThread() - before;
            GC.KeepAlive(copy);
        }

        Sizes[key] = size;
        return size;
    }
}
