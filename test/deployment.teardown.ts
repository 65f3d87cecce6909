// Puts back what deployment.setup.ts started (a deployment that already ran is left running).
import { test as teardown } from '@playwright/test';
import { down } from './live-deployment.js';

teardown('the deployment is put back', () => {
  teardown.setTimeout(5 * 60_000);
  down();
});
