/**
 * A Dockerfile read the way BuildKit reads it, as far as the checks need:
 * instructions with their line, continuation lines joined, comments dropped,
 * `FROM` stages with `ARG` defaults substituted, and `LABEL` key/value pairs.
 */

export type Instruction = { keyword: string; args: string; line: number };
export type Stage = { image: string; written: string; alias?: string; line: number };

export function dockerInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let current: { text: string; line: number } | undefined;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!current && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current && trimmed.startsWith('#')) return; // comment lines inside a continuation are dropped
    const continued = /\\\s*$/.test(raw);
    const piece = continued ? raw.replace(/\\\s*$/, '') : raw;
    current = current
      ? { text: `${current.text} ${piece.trim()}`, line: current.line }
      : { text: piece.trim(), line: i + 1 };
    if (!continued) {
      const m = /^(\S+)\s*([\s\S]*)$/.exec(current.text);
      if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: current.line });
      current = undefined;
    }
  });
  if (current) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(current.text);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: current.line });
  }
  return out;
}

/** `key=value key2="value two"` (LABEL, ENV, ARG) as pairs, quotes removed. */
export function keyValues(args: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of args.matchAll(re)) {
    let value = m[2];
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (value.startsWith("'")) value = value.slice(1, -1);
    pairs.push([m[1], value]);
  }
  return pairs;
}

const substitute = (text: string, args: Map<string, string>) =>
  text.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (whole, a, fallback, b) => {
    const value = args.get(a ?? b);
    return value !== undefined && value !== '' ? value : (fallback ?? whole);
  });

/** The FROM stages, with global ARG defaults (those before the first FROM) substituted. */
export function dockerStages(instructions: Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [name, value] = ins.args.split('=', 2);
      globalArgs.set(name.trim(), (value ?? '').replace(/^"|"$/g, ''));
    }
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter(w => !w.startsWith('--'));
      const written = words[0] ?? '';
      const alias = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
      stages.push({ image: substitute(written, globalArgs), written, alias, line: ins.line });
    }
  }
  return stages;
}

/** The labels an image gets (every LABEL instruction of the last stage). */
export function dockerLabels(instructions: Instruction[]): Map<string, { value: string; line: number }> {
  let start = 0;
  instructions.forEach((ins, i) => {
    if (ins.keyword === 'FROM') start = i;
  });
  const labels = new Map<string, { value: string; line: number }>();
  for (const ins of instructions.slice(start))
    if (ins.keyword === 'LABEL')
      for (const [k, v] of keyValues(ins.args)) labels.set(k.replace(/^"|"$/g, ''), { value: v, line: ins.line });
  return labels;
}

/** `registry/repo:tag@digest` split into repository, tag and digest. */
export function imageReference(image: string): { repository: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const rest = at >= 0 ? image.slice(0, at) : image;
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : undefined;
  return { repository: tag !== undefined ? rest.slice(0, colon) : rest, tag, digest };
}
