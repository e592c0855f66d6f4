using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Hostnet.Engine.Kernel.Filters;

/// <summary>One of Hostnet's tables as nft listed it: its shape and its sets' elements.</summary>
/// <param name="Family">The family.</param>
/// <param name="Shape">Its sets, chains and rules' comments, summed up as <see cref="HostnetRuleset.ShapeOf"/> does.</param>
/// <param name="Elements">Each set's elements, keyed as <see cref="FilterElement.Key"/> is.</param>
public sealed record FilterListing(FilterFamily Family, string Shape, IReadOnlyDictionary<string, IReadOnlyList<string>> Elements);

/// <summary>
/// libnftables' JSON: the element commands Hostnet sends, and the listings it reads back
/// (<c>list tables</c>, <c>list table FAMILY hostnet</c>). Written with <see cref="Utf8JsonWriter"/>
/// and read with <see cref="JsonDocument"/>: no reflection, NativeAOT-safe.
/// </summary>
public static class FilterJson
{
    /// <summary>One transaction that adds (<paramref name="add"/>) or deletes elements, one command per set.</summary>
    public static string ElementCommands(IEnumerable<FilterElement> elements, bool add)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("nftables");
            foreach (var group in elements.GroupBy(e => (e.Family, e.Set)))
            {
                var set = HostnetRuleset.For(group.Key.Family).FindSet(group.Key.Set)
                    ?? throw new InvalidOperationException($"no set {group.Key.Set} in the {group.Key.Family} table");
                w.WriteStartObject();
                w.WriteStartObject(add ? "add" : "delete");
                w.WriteStartObject("element");
                w.WriteString("family", FilterTable.FamilyName(group.Key.Family));
                w.WriteString("table", FilterTable.Name);
                w.WriteString("name", set.Name);
                w.WriteStartArray("elem");
                foreach (var e in group) WriteKey(w, set, e.Key);
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteKey(Utf8JsonWriter w, FilterSetDef set, string key)
    {
        var parts = key.Split(" . ");
        var types = set.Parts;
        if (parts.Length != types.Count) throw new InvalidOperationException($"element {key} does not fit set {set.Name} ({set.Type})");
        if (parts.Length == 1)
        {
            WritePart(w, types[0], parts[0]);
            return;
        }
        w.WriteStartObject();
        w.WriteStartArray("concat");
        for (int i = 0; i < parts.Length; i++) WritePart(w, types[i], parts[i]);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WritePart(Utf8JsonWriter w, string type, string value)
    {
        // nft lists a port as a number and takes it back as one.
        if (type == "inet_service") w.WriteNumberValue(int.Parse(value, CultureInfo.InvariantCulture));
        else w.WriteStringValue(value);
    }

    /// <summary>The families that hold a table named hostnet, from <c>list tables</c>.</summary>
    public static IReadOnlyList<FilterFamily> HostnetTables(string json)
    {
        var result = new List<FilterFamily>();
        foreach (var item in Items(json))
        {
            if (item.TryGetProperty("table", out var t) && Str(t, "name") == FilterTable.Name && Family(Str(t, "family")) is { } f)
                result.Add(f);
        }
        return result;
    }

    /// <summary>A table as <c>list table FAMILY hostnet</c> shows it.</summary>
    public static FilterListing Table(FilterFamily family, string json)
    {
        var sets = new List<(string, string)>();
        var chains = new List<(string, string, int)>();
        var rules = new List<(string, string?)>();
        var elements = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var item in Items(json))
        {
            if (item.TryGetProperty("set", out var s))
            {
                var name = Str(s, "name") ?? "";
                var type = s.TryGetProperty("type", out var ty) ? ty.ValueKind == JsonValueKind.Array
                    ? string.Join(",", ty.EnumerateArray().Select(Text)) : Text(ty) : "";
                sets.Add((name, type));
                var keys = new List<string>();
                if (s.TryGetProperty("elem", out var elems) && elems.ValueKind == JsonValueKind.Array)
                {
                    foreach (var e in elems.EnumerateArray()) keys.Add(Key(e));
                }
                elements[name] = keys;
            }
            else if (item.TryGetProperty("chain", out var c))
            {
                chains.Add((Str(c, "name") ?? "", Str(c, "hook") ?? "", c.TryGetProperty("prio", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 0));
            }
            else if (item.TryGetProperty("rule", out var r))
            {
                rules.Add((Str(r, "chain") ?? "", Str(r, "comment")));
            }
        }
        return new FilterListing(family, HostnetRuleset.ShapeOf(sets, chains, rules), elements);
    }

    /// <summary>An element as nft lists it: a value, a <c>concat</c> of values, or an <c>elem</c> object around one.</summary>
    private static string Key(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            if (e.TryGetProperty("concat", out var parts)) return string.Join(" . ", parts.EnumerateArray().Select(Text));
            if (e.TryGetProperty("elem", out var inner) && inner.TryGetProperty("val", out var val)) return Key(val);
        }
        return Text(e);
    }

    private static string Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.Number => e.GetRawText(),
        _ => e.GetRawText(),
    };

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static FilterFamily? Family(string? name) => name switch
    {
        "bridge" => FilterFamily.Bridge,
        "inet" => FilterFamily.Inet,
        "arp" => FilterFamily.Arp,
        _ => null,
    };

    private static List<JsonElement> Items(string json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("nftables", out var items) || items.ValueKind != JsonValueKind.Array) return [];
        return items.EnumerateArray().Select(i => i.Clone()).ToList();
    }
}
