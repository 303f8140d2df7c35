import path from 'node:path';
import { RuleResult } from './result';

/** Paths the image's operating system owns; a volume mounted there would hide or break it. */
export const SYSTEM_PATHS = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var/run',
] as const;

/**
 * Paths the generated image itself uses: the app code lives in /app and the
 * read-only root filesystem gets a writable emptyDir at /tmp. Mounting the
 * data volume on either would hide the app or clash with that volume.
 */
export const IMAGE_PATHS = ['/app', '/tmp'] as const;

export function parseMountPath(raw: unknown): RuleResult<string> {
  if (typeof raw !== 'string' || raw === '') {
    return { ok: false, reason: 'is required' };
  }
  if (!raw.startsWith('/')) {
    return { ok: false, reason: 'must be an absolute path (start with /)' };
  }
  if (/[\u0000-\u001f\u007f]/.test(raw)) {
    return { ok: false, reason: 'must not contain control characters' };
  }
  if (raw.includes(':')) {
    // Kubernetes rejects ':' in mountPath (it was the Docker volume separator).
    return { ok: false, reason: 'must not contain ":"' };
  }
  if (!/^[A-Za-z0-9._/-]+$/.test(raw)) {
    // The path is written into the Dockerfile's shell commands and app.py: keep it plain.
    return { ok: false, reason: 'may only contain letters, digits, ".", "_", "-" and "/"' };
  }
  if (raw.split('/').includes('..')) {
    return { ok: false, reason: 'must not contain a ".." segment' };
  }
  const normalised = path.posix.normalize(raw).replace(/\/+$/, '') || '/';
  if (normalised === '/') {
    return { ok: false, reason: 'must not be the root directory' };
  }
  const system = SYSTEM_PATHS.find(p => normalised === p || normalised.startsWith(`${p}/`));
  if (system) {
    return { ok: false, reason: `must not be inside the system path ${system}` };
  }
  if ((IMAGE_PATHS as readonly string[]).includes(normalised)) {
    return {
      ok: false,
      reason: `must not be ${normalised}, which the generated image uses (${IMAGE_PATHS.join(', ')})`,
    };
  }
  return { ok: true, value: normalised };
}
