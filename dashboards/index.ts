// Public surface of dashboards/: dashboards as code (Grafana Foundation SDK) and alert rules.
export { RULES_FILE, RULES_TEST_FILE, alertNames } from './alerts/index.js';
export { dashboards, type GeneratedDashboard } from './grafana/dashboards.js';
export { writeGrafana, panelQueries, validateDashboard, datasourcesYaml, providersYaml, type PanelQuery } from './grafana/provision.js';
