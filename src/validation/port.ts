import { RuleResult } from './result';
/** Lowest port a container can bind as a non-root user with every capability dropped. */
export const MIN_UNPRIVILEGED_PORT = 1024;
export const MAX_PORT = 65535;

/** Accepts a number or a numeric string (form values may arrive as either). */
export function parseContainerPort(raw: unknown, deniedPorts: readonly number[] = []): RuleResult<number> {
  let port: number;
  if (typeof raw === 'number') {
    port = raw;
  } else if (typeof raw === 'string' && /^\d+$/.test(raw.trim())) {
    port = Number(raw.trim());
  } else {
    return { ok: false, reason: 'must be a whole number' };
  }
  if (!Number.isInteger(port)) {
    return { ok: false, reason: 'must be a whole number' };
  }
  if (port < MIN_UNPRIVILEGED_PORT || port > MAX_PORT) {
    return {
      ok: false,
      reason: `must be between ${MIN_UNPRIVILEGED_PORT} and ${MAX_PORT}: the container runs as non-root with all capabilities dropped, so it cannot bind ports below ${MIN_UNPRIVILEGED_PORT}`,
    };
  }
  if (deniedPorts.includes(port)) {
    return { ok: false, reason: `is reserved on this platform (denied ports: ${deniedPorts.join(', ')})` };
  }
  return { ok: true, value: port };
}
