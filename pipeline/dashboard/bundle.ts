// The page: one HTML shell and one script bundled by esbuild from ui/app.ts
// (lit + Faro) when the server starts, kept in memory.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ENTRY = fileURLToPath(new URL('./ui/app.ts', import.meta.url));

export async function bundlePage(): Promise<string> {
  const r = await build({ entryPoints: [ENTRY], bundle: true, write: false, format: 'esm', target: 'es2022', minify: true, legalComments: 'none', logLevel: 'silent' });
  return r.outputFiles[0]!.text;
}

export const pageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Faultline: live pipeline</title>
<style>
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: #f6f7f9; color: #1d232b; }
</style>
</head>
<body>
<faultline-dashboard></faultline-dashboard>
<script type="module" src="/app.js"></script>
</body>
</html>
`;
