// Log lines of the services carry their time: a stage's log is read against a run's fault windows, and a line
// without a time cannot say whether it came before or after a kill.
export function timestampLogs(): void {
  for (const level of ['log', 'error', 'warn'] as const) {
    const write = console[level].bind(console);
    console[level] = (...args: unknown[]) => write(new Date().toISOString(), ...args);
  }
}
