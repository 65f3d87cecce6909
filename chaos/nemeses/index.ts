// Public surface of the nemeses: every local fault, by name, and role lookups.
export * from './faults.js';
export { activeController, coordinators, leaderOf, coordinatorPartition, javaHash } from './roles.js';
