namespace Hostnet.Daemon.Tests.Console;

/// <summary>What the console tests run in the page: observers of what a person sees, not of the console's code.</summary>
internal static class PageScripts
{
    /// <summary>
    /// Records in <c>window.hnconRed</c> every change of whether an element marked <paramref name="mark"/> is drawn
    /// red (drift, or mended a moment ago), starting with its state now: a MutationObserver sees each redraw.
    /// </summary>
    public static string RecordRed(string mark) => $$"""
        (() => {
          const red = () => !!document.querySelector('[data-mark="{{mark}}"].drift, [data-mark="{{mark}}"].mended');
          let last = red();
          window.hnconRed = [last];
          new MutationObserver(() => {
            const now = red();
            if (now !== last) { last = now; window.hnconRed.push(now); }
          }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
          return last;
        })()
        """;

    /// <summary>
    /// The WCAG contrast ratio of every visible piece of text against what is drawn behind it (the first filled
    /// shape or background under its centre), from the computed styles. Returns
    /// <c>{checked, failures: [{text, ratio, fg, bg}]}</c>.
    /// </summary>
    public const string Contrast = """
        (() => {
          const parse = (c) => {
            const m = c && c.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/);
            return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
          };
          const lum = ([r, g, b]) => {
            const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const over = (top, below) => top[3] >= 1 ? top : [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
          const paint = (e) => {
            const s = getComputedStyle(e);
            // An SVG shape paints its fill; the <svg> element and a line paint none (their computed fill is no paint).
            const shape = e instanceof SVGGeometryElement && e.tagName !== 'line';
            if (e instanceof SVGElement && !shape && e.tagName !== 'svg') return null;
            const c = parse(shape ? s.fill : s.backgroundColor);
            return c && c[3] > 0 ? c : null;
          };
          const background = (e) => {
            const r = e.getBoundingClientRect();
            const stack = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            const layers = [];
            for (const under of stack) {
              // An element's own background is behind its text; an SVG text's own fill is the text.
              if (under === e ? e instanceof SVGElement : e.contains(under) || under.tagName === 'text') continue;
              const c = paint(under);
              if (c) { layers.push(c); if (c[3] >= 1) break; }
            }
            let bg = [255, 255, 255, 1];
            for (const c of layers.reverse()) bg = over(c, bg);
            return bg;
          };
          const texts = [];
          for (const e of document.querySelectorAll('body *')) {
            if (e.closest('[hidden]') || e.tagName === 'SCRIPT' || e.tagName === 'title') continue;
            const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
            if (!own) continue;
            const r = e.getBoundingClientRect();
            if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue;
            texts.push(e);
          }
          const failures = [];
          for (const e of texts) {
            const s = getComputedStyle(e);
            const bg = background(e);
            const fg = over(parse(e instanceof SVGElement ? s.fill : s.color), bg);
            const [a, b] = [lum(fg), lum(bg)];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 4.5) failures.push({ text: e.textContent.trim().slice(0, 60), ratio: Math.round(ratio * 100) / 100, fg: fg.join(','), bg: bg.join(',') });
          }
          return { checked: texts.length, failures };
        })()
        """;
}
