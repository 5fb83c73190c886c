/**
 * A full page load of `path`: used where leaving must also drop every bit of in-memory state
 * (an expired token). Its own module so tests can observe it.
 */
export function goTo(path: string): void {
  window.location.assign(path);
}
