// Public surface of dashboards/: dashboards as code and alert rules.
export { RULES_FILE, RULES_TEST_FILE, alertNames } from './alerts/index.js';
