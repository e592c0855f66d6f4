using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hostnet.Addressing;

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

    /// <summary>The number of bytes of an Ethernet address.</summary>
    public const int Length = 6;

    /// <summary>The six bytes in wire order into <paramref name="destination"/> (at least <see cref="Length"/> long).</summary>
    public void WriteBytes(Span<byte> destination)
    {
        if (destination.Length < Length) throw new ArgumentException("a MAC address needs 6 bytes", nameof(destination));
        for (var i = 0; i < Length; i++) destination[i] = (byte)(Value >> (40 - 8 * i));
    }

    public static MacAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 6) throw new ArgumentException("a MAC address has 6 bytes", nameof(bytes));
        ulong v = 0;
        foreach (var b in bytes) v = (v << 8) | b;
        return new MacAddress(v);
    }

    /// <summary>The first byte of every host-side MAC (<see cref="HostSide"/>).</summary>
    public const byte HostSideFirstByte = 0xFE;

    /// <summary>Whether this is the host side of some guest MAC: its first byte is <c>fe</c>.</summary>
    public bool IsHostSide => (byte)(Value >> 40) == HostSideFirstByte;

    /// <summary>
    /// The guest MAC of an adapter: locally administered, unicast, never a host side
    /// (<see cref="IsHostSide"/>), and stable — the same VM UUID and adapter index give the same
    /// address on every host. <paramref name="attempt"/> &gt; 0 gives other candidates, for the
    /// rare UUID whose first candidate shares its host side with another adapter's MAC.
    /// </summary>
    public static MacAddress Generate(Guid vmUuid, int adapterIndex, int attempt = 0)
    {
        var seed = vmUuid.ToString("D") + "/" + adapterIndex.ToString(CultureInfo.InvariantCulture)
            + (attempt == 0 ? "" : "/" + attempt.ToString(CultureInfo.InvariantCulture));
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(seed), hash);
        // Unicast and locally administered: (b & 0xFC) | 0x02. That is fe — every vme's own first
        // byte — for b = fc..ff, and a guest with its tap's MAC is never reached through a bridge
        // (the bridge keeps it as the port's local entry). The first byte then comes from the next
        // hash byte that gives something else; bytes 1-5 stay, so every MAC that never began with fe
        // is what earlier releases generated.
        var first = (byte)0x02;
        for (var i = 0; i < hash.Length; i = i == 0 ? 6 : i + 1)
        {
            var candidate = (byte)((hash[i] & 0xFC) | 0x02);
            if (candidate == HostSideFirstByte) continue;
            first = candidate;
            break;
        }
        hash[0] = first;
        var mac = FromBytes(hash[..6]);
        return mac.Value == 0x020000000000 ? new MacAddress(mac.Value | 1) : mac;
    }

    /// <summary>
    /// The server-side MAC of an adapter: first byte <c>fe</c>, so a bridge that
    /// takes the lowest port MAC never adopts it; the rest follows the guest MAC.
    /// Two guest MACs that differ only in their first byte have the same host side.
    /// </summary>
    public MacAddress HostSide() => new(((ulong)HostSideFirstByte << 40) | (Value & 0xFFFFFFFFFFUL));

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{(byte)(Value >> 40):x2}:{(byte)(Value >> 32):x2}:{(byte)(Value >> 24):x2}:{(byte)(Value >> 16):x2}:{(byte)(Value >> 8):x2}:{(byte)Value:x2}");
}
