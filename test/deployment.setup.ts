// The live deployment the dashboard's page needs: reused if it runs, started (and put back by undeploy) if not.
import { test as setup } from '@playwright/test';
import { up } from './live-deployment.js';

setup('the deployment is up', () => {
  setup.setTimeout(15 * 60_000);
  up();
});
