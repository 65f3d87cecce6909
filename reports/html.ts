// Shared HTML pieces for the report pages: escaping, number formats, the page shell and its CSS.
// Every string that came from a run goes through `esc` or `jsonForScript`; nothing else is trusted.
import type { Validity } from './model.js';

export const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON that is safe inside a <script> element: no `<` can end the element or open a comment. */
export const jsonForScript = (v: unknown): string =>
  JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const numFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
export const fmtNum = (n: number): string => (Number.isFinite(n) ? numFmt.format(n) : String(n));
/** Milliseconds since run start as seconds, the unit every table and chart axis uses. */
export const fmtS = (ms: number | undefined): string => (ms === undefined ? '—' : (ms / 1000).toFixed(1));

export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export const validityText = (v: Validity): string => (v === true ? 'VALID' : v === false ? 'INVALID' : 'UNKNOWN');
export const validityClass = (v: Validity): string => (v === true ? 'ok' : v === false ? 'bad' : 'unk');
export const validityPill = (v: Validity): string => `<span class="pill ${validityClass(v)}">${validityText(v)}</span>`;

const CSS = `
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa; --ok:#1a7f37; --okbg:#dafbe1; --bad:#cf222e; --badbg:#ffebe9; --unk:#9a6700; --unkbg:#fff8c5; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 36px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; }
p { margin: 6px 0; } .muted { color: var(--muted); } code, pre { font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { background: var(--bg); font-weight: 600; font-size: 12.5px; color: var(--muted); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 700; letter-spacing: .3px; white-space: nowrap; }
.ok { color: var(--ok); background: var(--okbg); } .bad { color: var(--bad); background: var(--badbg); } .unk { color: var(--unk); background: var(--unkbg); }
.stat { display: inline-block; margin: 0 4px 3px 0; padding: 0 6px; border-radius: 4px; background: var(--bg); border: 1px solid var(--line); font-size: 12px; white-space: nowrap; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
`;

export function page(title: string, body: string, extraCss = '', scripts = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}${extraCss}</style>
</head>
<body>
<main>
${body}
</main>
${scripts}
</body>
</html>
`;
}
