import { RuleResult } from './result';

/**
 * Parsing of Kubernetes resource quantities as used for disk sizes
 * (`volumeClaimTemplates[].spec.resources.requests.storage`).
 *
 * Kubernetes accepts more than a disk size should: plain byte counts, `1e3`,
 * `m` (milli) suffixes. For a persistent volume request we only accept a
 * positive decimal number with one of the suffixes people actually mean,
 * and we compute exact byte counts with BigInt so `16Ti` and `1.5Gi` are exact.
 */

const BINARY_SUFFIXES = { Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n } as const;
const DECIMAL_SUFFIXES = { M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n } as const;
const SUFFIX_FACTORS: Record<string, bigint> = { ...BINARY_SUFFIXES, ...DECIMAL_SUFFIXES };
// Output may need the smaller units Kubernetes also knows (0.5Mi is 512Ki).
const BINARY_CANONICAL_UNITS = { Ki: 2n ** 10n, ...BINARY_SUFFIXES };
const DECIMAL_CANONICAL_UNITS = { k: 10n ** 3n, ...DECIMAL_SUFFIXES };

/** Suffixes a user may write, most common first (used in messages). */
export const DISK_SUFFIXES = ['Gi', 'Mi', 'Ti', 'G', 'M', 'T'] as const;

export type DiskQuantity = {
  /** Canonical form: the largest suffix of the same family that keeps the number whole, e.g. `1.5Gi` → `1536Mi`. */
  canonical: string;
  /** Exact size in bytes. */
  bytes: bigint;
};

const QUANTITY_SHAPE = /^(\d+)(?:\.(\d+))?([A-Za-z]*)$/;

export function parseDiskQuantity(raw: unknown): RuleResult<DiskQuantity> {
  if (typeof raw !== 'string' || raw.trim() === '') {
    return { ok: false, reason: 'must be a size such as 10Gi' };
  }
  const text = raw.trim();
  if (text !== raw) {
    return { ok: false, reason: 'must not have surrounding spaces' };
  }
  if (/^[-+]/.test(text)) {
    return { ok: false, reason: 'must be positive, without a sign' };
  }
  if (/^\d+(\.\d+)?[eE][-+]?\d+$/.test(text)) {
    return {
      ok: false,
      reason: `exponent notation is not accepted for disk sizes; write it with a unit such as ${DISK_SUFFIXES.slice(0, 3).join(', ')}`,
    };
  }
  const match = QUANTITY_SHAPE.exec(text);
  if (!match) {
    return { ok: false, reason: 'is not a number followed by a unit (e.g. 10Gi, 500Mi, 1Ti)' };
  }
  const [, whole, fraction = '', suffix] = match;
  if (suffix === '') {
    return { ok: false, reason: 'needs a unit: Mi, Gi, Ti (binary) or M, G, T (decimal)' };
  }
  const factor = SUFFIX_FACTORS[suffix];
  if (factor === undefined) {
    const caseFixed = Object.keys(SUFFIX_FACTORS).find(s => s.toLowerCase() === suffix.toLowerCase());
    if (caseFixed) {
      return { ok: false, reason: `unit "${suffix}" is case-sensitive: write "${caseFixed}"` };
    }
    const binaryGuess = /^([KMGTPE])B$/i.exec(suffix);
    if (binaryGuess) {
      const letter = binaryGuess[1].toUpperCase();
      return {
        ok: false,
        reason: `unit "${suffix}" is not a Kubernetes unit: write "${letter}i" (binary, 2^n) or "${letter}" (decimal, 10^n)`,
      };
    }
    return { ok: false, reason: `unit "${suffix}" is not accepted: use Mi, Gi, Ti (binary) or M, G, T (decimal)` };
  }

  const scale = 10n ** BigInt(fraction.length);
  const numerator = BigInt(whole + fraction) * factor;
  if (numerator % scale !== 0n) {
    return { ok: false, reason: 'must be a whole number of bytes' };
  }
  const bytes = numerator / scale;
  if (bytes <= 0n) {
    return { ok: false, reason: 'must be greater than zero' };
  }
  const family = suffix in BINARY_SUFFIXES ? BINARY_CANONICAL_UNITS : DECIMAL_CANONICAL_UNITS;
  return { ok: true, value: { bytes, canonical: canonicalQuantity(bytes, family) } };
}

function canonicalQuantity(bytes: bigint, family: Record<string, bigint>): string {
  // Largest unit first: 1536Mi stays 1536Mi, 1024Gi becomes 1Ti.
  const units = Object.entries(family).sort(([, a], [, b]) => (a > b ? -1 : 1));
  for (const [unit, factor] of units) {
    if (bytes % factor === 0n) return `${bytes / factor}${unit}`;
  }
  return bytes.toString(); // a plain byte count is a valid quantity too
}

/** Formats a byte count for messages, in the binary family. */
export function formatBytes(bytes: bigint): string {
  return canonicalQuantity(bytes, BINARY_CANONICAL_UNITS);
}
