// Playwright's own runner for every page a person opens: the chaos report, the runs index with its comparison, the
// campaign page (offline, file://), and the live dashboard (against the deployment, which the `deployment` project
// brings up for it and `undeploy` puts back). Debian's Chromium; a screenshot and a trace kept for every failure.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from './test/browser.js';

export default defineConfig({
  testDir: '.',
  testIgnore: ['**/node_modules/**', '**/reports/out/**'],
  outputDir: 'test-results/playwright',
  reporter: [['list'], ['html', { outputFolder: 'test-results/playwright-report', open: 'never' }]],
  // one shared deployment: the pages are opened one at a time
  workers: 1,
  timeout: 120_000,
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'reports', testMatch: 'reports/**/*.spec.ts' },
    { name: 'deployment', testMatch: 'test/deployment.setup.ts', teardown: 'undeploy' },
    { name: 'undeploy', testMatch: 'test/deployment.teardown.ts' },
    // its waits add up to 270 s on a cluster just deployed (Tempo's search lags): as long as jest gave it
    { name: 'dashboard', testMatch: 'pipeline/**/*.spec.ts', dependencies: ['deployment'], timeout: 300_000 },
  ],
});
