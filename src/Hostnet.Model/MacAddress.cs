using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hostnet.Model;

/// <summary>A 48-bit Ethernet address held in the low bits of a number.</summary>
public readonly record struct MacAddress(ulong Value)
{
    public bool IsMulticast => ((Value >> 40) & 0x01) != 0;
    public bool IsLocallyAdministered => ((Value >> 40) & 0x02) != 0;
    public bool IsZero => Value == 0;

    public static MacAddress Parse(string text) =>
        TryParse(text, out var m) ? m : throw new FormatException($"'{text}' is not a MAC address");

    /// <summary>Six two-digit hex bytes separated by colons (or dashes).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null || text.Length != 17) return false;
        ulong v = 0;
        for (var i = 0; i < 6; i++)
        {
            var part = text.AsSpan(i * 3, 2);
            if (i < 5 && text[i * 3 + 2] is not (':' or '-')) return false;
            if (!byte.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b)) return false;
            v = (v << 8) | b;
        }
        mac = new MacAddress(v);
        return true;
    }

    public byte[] GetBytes()
    {
        var b = new byte[6];
        for (var i = 0; i < 6; i++) b[i] = (byte)(Value >> (40 - 8 * i));
        return b;
    }

    public static MacAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 6) throw new ArgumentException("a MAC address has 6 bytes", nameof(bytes));
        ulong v = 0;
        foreach (var b in bytes) v = (v << 8) | b;
        return new MacAddress(v);
    }

    /// <summary>
    /// The guest MAC of an adapter: locally administered, unicast, and stable —
    /// the same VM UUID and adapter index give the same address on every host.
    /// </summary>
    public static MacAddress Generate(Guid vmUuid, int adapterIndex)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(vmUuid.ToString("D") + "/" + adapterIndex.ToString(CultureInfo.InvariantCulture)), hash);
        hash[0] = (byte)((hash[0] & 0xFC) | 0x02); // unicast, locally administered
        var mac = FromBytes(hash[..6]);
        return mac.Value == 0x020000000000 ? new MacAddress(mac.Value | 1) : mac;
    }

    /// <summary>
    /// The server-side MAC of an adapter: first byte <c>fe</c>, so a bridge that
    /// takes the lowest port MAC never adopts it; the rest follows the guest MAC.
    /// </summary>
    public MacAddress HostSide() => new(0xFE0000000000UL | (Value & 0xFFFFFFFFFFUL));

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{(byte)(Value >> 40):x2}:{(byte)(Value >> 32):x2}:{(byte)(Value >> 24):x2}:{(byte)(Value >> 16):x2}:{(byte)(Value >> 8):x2}:{(byte)Value:x2}");
}
