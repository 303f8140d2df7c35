import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { K8sObject } from './types';
import { asArray, isRecord } from './util';

/**
 * Maps a built object back to the repository file it came from, so a finding
 * names the file a person has to edit rather than "kustomize output". This is
 * a best effort: the object is looked up by kind and name in the files the
 * overlay's kustomization chain lists (the overlay's own files first); objects
 * made by a generator point at the kustomization that generates them; anything
 * else points at the overlay's kustomization. Fields set by a patch still point
 * at the resource file: the finding's message names the overlay.
 */
export type SourceIndex = {
  /** Repository-relative file an object came from. */
  fileOf(obj: K8sObject): string;
  /** The object as written in that file (before kustomize), when found. */
  sourceDoc(obj: K8sObject): any | undefined;
  /** Label keys the kustomization chain adds (commonLabels, labels[].pairs). */
  labelKeys: Set<string>;
  /** The overlay's own kustomization file. */
  kustomizationFile: string;
  /**
   * The kustomization `images:` entry that produced a built image, nearest
   * kustomization first (an overlay's entry wins over the base's), so an image
   * finding points where the tag is actually written.
   */
  imageSource(image: string): { file: string; field: string } | undefined;
  /** The nearest kustomization that sets `namespace:` (it overrides what the resources say). */
  namespaceSource?: string;
};

type ImageEntry = {
  file: string;
  index: number;
  depth: number;
  name?: string;
  newName?: string;
  newTag?: unknown;
  digest?: unknown;
};

type Entry = { kind: string; name: string; file: string; depth: number; doc: any };

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function findKustomizationFile(absDir: string): string | undefined {
  return KUSTOMIZATION_NAMES.map(n => path.join(absDir, n)).find(f => fs.existsSync(f));
}

export function indexSources(repoDir: string, overlayRelDir: string): SourceIndex {
  const root = path.resolve(repoDir);
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  const entries: Entry[] = [];
  const generators: Array<{ kind: string; name: string; file: string }> = [];
  const labelKeys = new Set<string>();
  const images: ImageEntry[] = [];
  const namespaceSetters: Array<{ file: string; depth: number }> = [];
  const seen = new Set<string>();
  const ownKustomization = findKustomizationFile(path.join(root, overlayRelDir));

  const visit = (absDir: string, depth: number) => {
    if (seen.has(absDir) || depth > 20 || !absDir.startsWith(root)) return;
    seen.add(absDir);
    const kFile = findKustomizationFile(absDir);
    if (!kFile) return;
    const k = readYaml(kFile)[0];
    if (!isRecord(k)) return;
    for (const key of Object.keys(isRecord(k.commonLabels) ? k.commonLabels : {})) labelKeys.add(key);
    for (const set of asArray(k.labels))
      if (isRecord(set?.pairs)) for (const key of Object.keys(set.pairs)) labelKeys.add(key);
    for (const [field, kind] of [
      ['configMapGenerator', 'ConfigMap'],
      ['secretGenerator', 'Secret'],
    ] as const) {
      for (const g of asArray(k[field]))
        if (typeof g?.name === 'string') generators.push({ kind, name: g.name, file: rel(kFile) });
    }
    if (typeof k.namespace === 'string') namespaceSetters.push({ file: rel(kFile), depth });
    asArray(k.images).forEach((img, index) => {
      if (isRecord(img))
        images.push({
          file: rel(kFile),
          index,
          depth,
          name: str(img.name),
          newName: str(img.newName),
          newTag: img.newTag,
          digest: img.digest,
        });
    });
    const subdirs: string[] = [];
    for (const item of [...asArray(k.resources), ...asArray(k.bases), ...asArray(k.components)]) {
      if (typeof item !== 'string' || /^[a-z]+:\/\/|^github\.com\//i.test(item)) continue; // remote: not in this repository
      const abs = path.resolve(absDir, item);
      if (!abs.startsWith(root) || !fs.existsSync(abs)) continue;
      if (fs.statSync(abs).isDirectory()) {
        subdirs.push(abs);
      } else {
        readYaml(abs).forEach(doc => {
          if (isRecord(doc) && typeof doc.kind === 'string' && typeof doc.metadata?.name === 'string') {
            entries.push({ kind: doc.kind, name: doc.metadata.name, file: rel(abs), depth, doc });
          }
        });
      }
    }
    for (const sub of subdirs) visit(sub, depth + 1);
  };
  visit(path.join(root, overlayRelDir), 0);
  entries.sort((a, b) => a.depth - b.depth);
  images.sort((a, b) => a.depth - b.depth);

  const kustomizationFile = ownKustomization ? rel(ownKustomization) : `${overlayRelDir}/kustomization.yaml`;
  const lookup = (obj: K8sObject): { file: string; doc?: any } => {
    const kind = obj.kind;
    const name = obj.metadata?.name;
    if (typeof kind !== 'string' || typeof name !== 'string') return { file: kustomizationFile };
    const exact = entries.find(e => e.kind === kind && e.name === name);
    if (exact) return { file: exact.file, doc: exact.doc };
    const generated = generators.find(
      g => g.kind === kind && (name === g.name || name.replace(/-[a-z0-9]{10}$/, '') === g.name),
    );
    if (generated) return { file: generated.file };
    // namePrefix / nameSuffix: the built name contains the written one.
    const renamed = entries
      .filter(e => e.kind === kind && name.includes(e.name))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (renamed) return { file: renamed.file, doc: renamed.doc };
    return { file: kustomizationFile };
  };
  return {
    fileOf: obj => lookup(obj).file,
    sourceDoc: obj => lookup(obj).doc,
    labelKeys,
    kustomizationFile,
    namespaceSource: namespaceSetters.sort((a, b) => a.depth - b.depth)[0]?.file,
    imageSource: image => {
      const repository = image.split('@')[0].replace(/:[^:/]*$/, '');
      const entry = images.find(
        e =>
          (e.newName ?? e.name) === repository &&
          (e.newTag !== undefined || e.digest !== undefined || e.newName !== undefined),
      );
      if (!entry) return undefined;
      const field = entry.digest !== undefined ? 'digest' : entry.newTag !== undefined ? 'newTag' : 'newName';
      return { file: entry.file, field: `images[${entry.index}].${field}` };
    },
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function readYaml(file: string): unknown[] {
  try {
    return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
      .filter(d => d.errors.length === 0)
      .map(d => d.toJS())
      .filter(d => d != null);
  } catch {
    return [];
  }
}
