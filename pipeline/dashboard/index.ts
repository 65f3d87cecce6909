// Public surface of the live dashboard: the server (WebSocket push, Faro receiver) and the shapes it pushes.
export { startDashboard, type DashboardConfig, type RunningDashboard } from './server.js';
export { WindowTable, type Snapshot, type AggregatesPush, type Push, type WindowRow, type LagRow, type DlqRow } from './view.js';
