using System.Text;

namespace Hostnet.Cli.Output;

/// <summary>Rows under a header, in columns as wide as their widest cell.</summary>
internal sealed class Table(params string[] header)
{
    private readonly List<string[]> _rows = [header];

    public void Add(params string[] row) => _rows.Add(row);

    public void WriteTo(TextWriter output)
    {
        var widths = new int[_rows[0].Length];
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        }
        var sb = new StringBuilder();
        foreach (var row in _rows)
        {
            sb.Clear();
            for (var i = 0; i < row.Length; i++)
            {
                sb.Append(row[i]);
                if (i < row.Length - 1) sb.Append(' ', widths[i] - row[i].Length + 2);
            }
            output.WriteLine(sb.ToString().TrimEnd());
        }
    }
}
