namespace Osr.Orleans.Models.Catalog;

/// <summary>What can be recommended (docs/contract.md "Files": items CSV).</summary>
public enum ItemKind : byte { Program, Post, User, Product }

public static class ItemKinds
{
    public static string Name(this ItemKind kind) => kind switch
    {
        ItemKind.Program => "program",
        ItemKind.Post => "post",
        ItemKind.User => "user",
        _ => "product",
    };

    public static bool TryParse(ReadOnlySpan<char> text, out ItemKind kind)
    {
        switch (text)
        {
            case "program": kind = ItemKind.Program; return true;
            case "post": kind = ItemKind.Post; return true;
            case "user": kind = ItemKind.User; return true;
            case "product": kind = ItemKind.Product; return true;
            default: kind = default; return false;
        }
    }
}

/// <summary>One catalogue item: <c>itemId,kind,category,tags</c> (tags <c>;</c>-separated).</summary>
[GenerateSerializer, Immutable, Alias("osr.item")]
public sealed record ItemRecord(
    [property: Id(0)] string ItemId,
    [property: Id(1)] ItemKind Kind,
    [property: Id(2)] string Category,
    [property: Id(3)] string[] Tags);
