/**
 * Real git objects in a real bare repository, written in-process.
 *
 * Spawning `git hash-object`/`mktree` per object costs ~2-5 ms each, far too slow for a
 * 1,000-file tree, so objects are written the way git itself writes them: sha1 over
 * `<type> <len>\0<content>`, zlib-deflated, either as loose objects (objects/xx/yyyy…) or — when
 * one API call creates many objects — as one packfile + v2 index. Creating a file costs ~1 ms on
 * some disks, so a 1,000-blob create-tree as loose objects took 1.4 s; as one pack it takes a few
 * ms. Refs are plain files. `git fsck --strict` and `git clone` are the judges (see the tests).
 *
 * Objects git itself may have put there (a test that pushes into gitDir) can be packed; those are
 * read through `git cat-file --batch` as a fallback.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import zlib from 'zlib';
import { spawnSync } from 'child_process';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface GitObject {
  type: ObjectType;
  content: Buffer;
}

/** A tree entry as git stores it: mode without leading zero ('40000' for a directory). */
export interface TreeEntry {
  mode: string;
  name: string;
  sha: string;
}

export interface Ident {
  name: string;
  email: string;
  /** seconds since the epoch */
  time: number;
  /** minutes east of UTC */
  tzOffset: number;
}

export interface CommitData {
  tree: string;
  parents: string[];
  author: Ident;
  committer: Ident;
  message: string;
  /** other headers (e.g. gpgsig) kept verbatim for round-tripping */
  extraHeaders?: Array<[string, string]>;
}

export const GIT_MODES = ['100644', '100755', '120000', '40000', '160000'] as const;

export function modeType(mode: string): ObjectType {
  if (mode === '40000') return 'tree';
  if (mode === '160000') return 'commit';
  return 'blob';
}

export class GitError extends Error {}

const SHA_RE = /^[0-9a-f]{40}$/;

export function isSha(s: unknown): s is string {
  return typeof s === 'string' && SHA_RE.test(s);
}

/** git's tree order: byte-wise on names, where a directory sorts as if its name ended in '/'. */
export function compareTreeEntries(a: TreeEntry, b: TreeEntry): number {
  const ka = Buffer.from(a.mode === '40000' ? `${a.name}/` : a.name);
  const kb = Buffer.from(b.mode === '40000' ? `${b.name}/` : b.name);
  return Buffer.compare(ka, kb);
}

/** Path components fsck --strict refuses (and GitHub with it). */
export function isBadPathComponent(name: string): boolean {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) return true;
  // '.git' in any case (fsck: hasDotgit); also the NTFS short name 'git~1'
  const lower = name.toLowerCase().replace(/[. ]+$/, '');
  return lower === '.git' || lower === 'git~1';
}

export function formatIdent(i: Ident): string {
  const sign = i.tzOffset < 0 ? '-' : '+';
  const abs = Math.abs(i.tzOffset);
  const tz = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${i.name} <${i.email}> ${i.time} ${tz}`;
}

export function parseIdent(s: string): Ident {
  const m = /^(.*) <(.*)> (\d+) ([+-])(\d\d)(\d\d)$/.exec(s);
  if (!m) throw new GitError(`bad ident: ${s}`);
  const offset = Number(m[5]) * 60 + Number(m[6]);
  return { name: m[1], email: m[2], time: Number(m[3]), tzOffset: m[4] === '-' ? -offset : offset };
}

const PACK_TYPE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
/** Below this many new objects per API call, loose objects are cheaper than a pack. */
const PACK_THRESHOLD = 8;

export class GitStore {
  /** Objects this process wrote or read; avoids re-inflating on every read. */
  private readonly cache = new Map<string, GitObject>();
  /** Objects written during the current batch, not yet on disk. */
  private pending = new Map<string, GitObject>();
  private readonly knownDirs = new Set<string>();

  private static batchDepth = 0;
  private static dirty = new Set<GitStore>();

  constructor(readonly dir: string) {}

  /**
   * Runs `fn` (one API call) with object writes buffered, then puts them on disk — as a single
   * pack when there are many. Everything is on disk before `batch` returns, i.e. before the HTTP
   * answer, so a test may run `git` against the repository as soon as it has the response.
   */
  static batch<T>(fn: () => T): T {
    GitStore.batchDepth++;
    try {
      return fn();
    } finally {
      if (--GitStore.batchDepth === 0) {
        const stores = [...GitStore.dirty];
        GitStore.dirty.clear();
        for (const store of stores) store.flush();
      }
    }
  }

  /** The same layout `git init --bare` makes (minus sample hooks). */
  static init(dir: string, headBranch = 'main'): GitStore {
    for (const d of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info', 'hooks']) {
      fs.mkdirSync(path.join(dir, d), { recursive: true });
    }
    fs.writeFileSync(path.join(dir, 'HEAD'), `ref: refs/heads/${headBranch}\n`);
    fs.writeFileSync(
      path.join(dir, 'config'),
      '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n',
    );
    fs.writeFileSync(
      path.join(dir, 'description'),
      "Unnamed repository; edit this file 'description' to name the repository.\n",
    );
    fs.writeFileSync(path.join(dir, 'info', 'exclude'), '');
    return new GitStore(dir);
  }

  // -------------------------------------------------------------------------------------------
  // objects

  static hash(type: ObjectType, content: Buffer): string {
    return crypto.createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
  }

  private objectPath(sha: string): string {
    return path.join(this.dir, 'objects', sha.slice(0, 2), sha.slice(2));
  }

  writeObject(type: ObjectType, content: Buffer): string {
    const sha = GitStore.hash(type, content);
    if (this.cache.has(sha)) return sha;
    const obj = { type, content };
    this.cache.set(sha, obj);
    if (GitStore.batchDepth > 0) {
      this.pending.set(sha, obj);
      GitStore.dirty.add(this);
    } else {
      this.writeLoose(sha, obj);
    }
    return sha;
  }

  private writeLoose(sha: string, { type, content }: GitObject): void {
    const file = this.objectPath(sha);
    const dir = path.dirname(file);
    if (!this.knownDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      this.knownDirs.add(dir);
    }
    if (fs.existsSync(file)) return;
    const data = zlib.deflateSync(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]));
    const tmp = `${file}.tmp${process.pid}`;
    fs.writeFileSync(tmp, data, { mode: 0o444 }); // git makes loose objects read-only
    fs.renameSync(tmp, file);
  }

  private flush(): void {
    const objects = [...this.pending];
    this.pending = new Map();
    if (objects.length < PACK_THRESHOLD) {
      for (const [sha, obj] of objects) this.writeLoose(sha, obj);
    } else {
      this.writePack(objects);
    }
  }

  /** A version-2 pack of whole (undeltified) objects plus its version-2 .idx, as
   * Documentation/gitformat-pack.txt describes them. */
  private writePack(objects: Array<[string, GitObject]>): void {
    const header = Buffer.alloc(12);
    header.write('PACK', 0);
    header.writeUInt32BE(2, 4);
    header.writeUInt32BE(objects.length, 8);
    const parts: Buffer[] = [header];
    const entries: Array<{ sha: string; offset: number; crc: number }> = [];
    let offset = header.length;
    for (const [sha, { type, content }] of objects) {
      // object header: type in bits 4-6 of the first byte, size as a little-endian base-128 varint
      const head: number[] = [];
      let size = content.length;
      let byte = (PACK_TYPE[type] << 4) | (size & 0x0f);
      size = Math.floor(size / 16);
      while (size > 0) {
        head.push(byte | 0x80);
        byte = size & 0x7f;
        size = Math.floor(size / 128);
      }
      head.push(byte);
      const packed = Buffer.concat([Buffer.from(head), zlib.deflateSync(content, { level: 1 })]);
      entries.push({ sha, offset, crc: zlib.crc32(packed) >>> 0 });
      parts.push(packed);
      offset += packed.length;
    }
    const body = Buffer.concat(parts);
    const packSha = crypto.createHash('sha1').update(body).digest();
    const pack = Buffer.concat([body, packSha]);

    entries.sort((a, b) => (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0));
    const fanout = Buffer.alloc(256 * 4);
    for (let i = 0, j = 0; i < 256; i++) {
      while (j < entries.length && parseInt(entries[j].sha.slice(0, 2), 16) <= i) j++;
      fanout.writeUInt32BE(j, i * 4);
    }
    const names = Buffer.concat(entries.map(e => Buffer.from(e.sha, 'hex')));
    const crcs = Buffer.alloc(entries.length * 4);
    const offsets = Buffer.alloc(entries.length * 4);
    entries.forEach((e, i) => {
      crcs.writeUInt32BE(e.crc, i * 4);
      offsets.writeUInt32BE(e.offset, i * 4); // packs here stay far below 2 GiB
    });
    const idxBody = Buffer.concat([
      Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]),
      fanout,
      names,
      crcs,
      offsets,
      packSha,
    ]);
    const idx = Buffer.concat([idxBody, crypto.createHash('sha1').update(idxBody).digest()]);

    const base = path.join(this.dir, 'objects', 'pack', `pack-${packSha.toString('hex')}`);
    // .pack first: git only looks at packs that have an .idx
    fs.writeFileSync(`${base}.pack`, pack, { mode: 0o444 });
    fs.writeFileSync(`${base}.idx`, idx, { mode: 0o444 });
  }

  readObject(sha: string): GitObject | undefined {
    if (!isSha(sha)) return undefined;
    const hit = this.cache.get(sha);
    if (hit) return hit;
    let obj: GitObject | undefined;
    const file = this.objectPath(sha);
    if (fs.existsSync(file)) {
      const raw = zlib.inflateSync(fs.readFileSync(file));
      const nul = raw.indexOf(0);
      const [type] = raw.subarray(0, nul).toString().split(' ');
      obj = { type: type as ObjectType, content: raw.subarray(nul + 1) };
    } else {
      obj = this.readPacked(sha);
    }
    if (obj) this.cache.set(sha, obj);
    return obj;
  }

  /** Fallback for objects git put into a pack (only if someone pushed into gitDir directly). */
  private readPacked(sha: string): GitObject | undefined {
    if (!fs.readdirSync(path.join(this.dir, 'objects', 'pack')).some(f => f.endsWith('.pack'))) return undefined;
    const r = spawnSync('git', ['cat-file', '--batch'], { cwd: this.dir, input: `${sha}\n`, maxBuffer: 1 << 30 });
    if (r.status !== 0) return undefined;
    const out = r.stdout as Buffer;
    const nl = out.indexOf(10);
    const header = out.subarray(0, nl).toString().split(' ');
    if (header[1] === 'missing') return undefined;
    const size = Number(header[2]);
    return { type: header[1] as ObjectType, content: out.subarray(nl + 1, nl + 1 + size) };
  }

  objectType(sha: string): ObjectType | undefined {
    return this.readObject(sha)?.type;
  }

  // -------------------------------------------------------------------------------------------
  // trees

  /** Writes a tree; entries are sorted here (callers, like GitHub's API, send any order). */
  writeTree(entries: TreeEntry[]): string {
    const sorted = [...entries].sort(compareTreeEntries);
    const seen = new Set<string>();
    const parts: Buffer[] = [];
    for (const e of sorted) {
      if (!(GIT_MODES as readonly string[]).includes(e.mode)) throw new GitError(`bad mode ${e.mode}`);
      if (isBadPathComponent(e.name)) throw new GitError(`bad path component ${JSON.stringify(e.name)}`);
      if (seen.has(e.name)) throw new GitError(`duplicate entry ${e.name}`);
      if (!isSha(e.sha)) throw new GitError(`bad sha ${e.sha}`);
      seen.add(e.name);
      parts.push(Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex'));
    }
    return this.writeObject('tree', Buffer.concat(parts));
  }

  readTree(sha: string): TreeEntry[] | undefined {
    const obj = this.readObject(sha);
    if (!obj || obj.type !== 'tree') return undefined;
    const entries: TreeEntry[] = [];
    const buf = obj.content;
    let i = 0;
    while (i < buf.length) {
      const sp = buf.indexOf(32, i);
      const nul = buf.indexOf(0, sp);
      entries.push({
        mode: buf.subarray(i, sp).toString(),
        name: buf.subarray(sp + 1, nul).toString(),
        sha: buf.subarray(nul + 1, nul + 21).toString('hex'),
      });
      i = nul + 21;
    }
    return entries;
  }

  // -------------------------------------------------------------------------------------------
  // commits

  writeCommit(c: CommitData): string {
    for (const i of [c.author, c.committer]) {
      if (/[<>\n]/.test(i.name) || /[<>\n]/.test(i.email)) throw new GitError('bad ident');
    }
    let text = `tree ${c.tree}\n`;
    for (const p of c.parents) text += `parent ${p}\n`;
    text += `author ${formatIdent(c.author)}\ncommitter ${formatIdent(c.committer)}\n`;
    for (const [k, v] of c.extraHeaders ?? []) text += `${k} ${v.replace(/\n/g, '\n ')}\n`;
    text += `\n${c.message}`;
    return this.writeObject('commit', Buffer.from(text));
  }

  readCommit(sha: string): CommitData | undefined {
    const obj = this.readObject(sha);
    if (!obj || obj.type !== 'commit') return undefined;
    const text = obj.content.toString();
    const split = text.indexOf('\n\n');
    const headerLines = (split < 0 ? text : text.slice(0, split)).split('\n');
    const message = split < 0 ? '' : text.slice(split + 2);
    const commit: CommitData = {
      tree: '',
      parents: [],
      author: undefined!,
      committer: undefined!,
      message,
      extraHeaders: [],
    };
    for (const line of headerLines) {
      if (line.startsWith(' ') && commit.extraHeaders!.length) {
        const last = commit.extraHeaders![commit.extraHeaders!.length - 1];
        last[1] += `\n${line.slice(1)}`;
        continue;
      }
      const sp = line.indexOf(' ');
      const key = line.slice(0, sp);
      const value = line.slice(sp + 1);
      if (key === 'tree') commit.tree = value;
      else if (key === 'parent') commit.parents.push(value);
      else if (key === 'author') commit.author = parseIdent(value);
      else if (key === 'committer') commit.committer = parseIdent(value);
      else commit.extraHeaders!.push([key, value]);
    }
    return commit;
  }

  /** Is `ancestor` reachable from `descendant` (following parents)? Used for fast-forward checks. */
  isAncestor(ancestor: string, descendant: string): boolean {
    const queue = [descendant];
    const seen = new Set<string>();
    while (queue.length) {
      const sha = queue.shift()!;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.readCommit(sha)?.parents ?? []));
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // refs (loose files; packed-refs is read, and rewritten only when a packed ref is deleted)

  private packedRefs(): Map<string, string> {
    const map = new Map<string, string>();
    const file = path.join(this.dir, 'packed-refs');
    if (!fs.existsSync(file)) return map;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const m = /^([0-9a-f]{40}) (refs\/\S+)$/.exec(line);
      if (m) map.set(m[2], m[1]);
    }
    return map;
  }

  readRef(name: string): string | undefined {
    const file = path.join(this.dir, name);
    if (name.startsWith('refs/') && fs.existsSync(file) && fs.statSync(file).isFile()) {
      return fs.readFileSync(file, 'utf8').trim();
    }
    return this.packedRefs().get(name);
  }

  listRefs(prefix = 'refs/'): Array<{ name: string; sha: string }> {
    const found = this.packedRefs();
    const walk = (rel: string) => {
      const abs = path.join(this.dir, rel);
      if (!fs.existsSync(abs)) return;
      for (const ent of fs.readdirSync(abs, { withFileTypes: true })) {
        const child = `${rel}/${ent.name}`;
        if (ent.isDirectory()) walk(child);
        else if (!ent.name.endsWith('.lock'))
          found.set(child, fs.readFileSync(path.join(this.dir, child), 'utf8').trim());
      }
    };
    walk('refs');
    return [...found.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, sha]) => ({ name, sha }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  updateRef(name: string, sha: string): void {
    const file = path.join(this.dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const lock = `${file}.lock`;
    fs.writeFileSync(lock, `${sha}\n`);
    fs.renameSync(lock, file);
  }

  deleteRef(name: string): void {
    const file = path.join(this.dir, name);
    if (fs.existsSync(file)) fs.unlinkSync(file);
    const packed = this.packedRefs();
    if (packed.delete(name)) {
      const body = [...packed].map(([n, s]) => `${s} ${n}\n`).join('');
      fs.writeFileSync(path.join(this.dir, 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted \n${body}`);
    }
  }

  setHead(branch: string): void {
    fs.writeFileSync(path.join(this.dir, 'HEAD'), `ref: refs/heads/${branch}\n`);
  }

  /** GitHub's notion of an empty repository: nothing has ever been pushed (no branch, no tag). */
  isEmpty(): boolean {
    return this.listRefs('refs/heads/').length === 0 && this.listRefs('refs/tags/').length === 0;
  }
}

/** `git check-ref-format` rules, which GitHub applies to ref names. */
export function isValidRefName(ref: string): boolean {
  if (!/^refs\/[^/]+\/.+/.test(ref)) return false;
  if (/(^|\/)\.|\.\.|\/\/|@\{|[\x00-\x20\x7f~^:?*[\\]|\.lock(\/|$)|\/$|\.$/.test(ref)) return false;
  return ref !== '@';
}
