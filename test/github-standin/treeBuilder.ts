/**
 * Applies path-level edits ("a/b/c.txt" → blob X, "old.txt" → deleted) on top of an optional base
 * tree and writes only the subtrees that changed — what GitHub's create-tree does with nested
 * paths and base_tree, and what a Contents API PUT does to the branch's tree.
 */
import { GitError, GitStore, TreeEntry, isBadPathComponent } from './gitObjects';

interface DirNode {
  entries: Map<string, Slot>;
}

interface Slot {
  mode: string; // git form ('40000' for directories)
  sha?: string; // unchanged subtree or leaf
  dir?: DirNode; // loaded because something below it changed
}

export class TreeBuilder {
  private readonly root: DirNode;

  constructor(
    private readonly store: GitStore,
    baseTree?: string,
  ) {
    this.root = baseTree ? this.load(baseTree) : { entries: new Map() };
  }

  private load(treeSha: string): DirNode {
    const entries = this.store.readTree(treeSha);
    if (!entries) throw new GitError(`not a tree: ${treeSha}`);
    return { entries: new Map(entries.map(e => [e.name, { mode: e.mode, sha: e.sha }])) };
  }

  private static split(path: string): string[] {
    const parts = path.split('/');
    if (parts.some(isBadPathComponent)) throw new GitError('tree.path contains a malformed path component');
    return parts;
  }

  /** Walks to the directory holding `parts`' last component, creating directories on the way. */
  private dirFor(parts: string[], create: boolean): DirNode | undefined {
    let node = this.root;
    for (const name of parts.slice(0, -1)) {
      let slot = node.entries.get(name);
      if (!slot || slot.mode !== '40000') {
        if (!create) return undefined;
        // a file in the way becomes a directory, as on GitHub
        slot = { mode: '40000', dir: { entries: new Map() } };
        node.entries.set(name, slot);
      }
      if (!slot.dir) {
        slot.dir = this.load(slot.sha!);
        slot.sha = undefined;
      }
      node = slot.dir;
    }
    return node;
  }

  set(path: string, mode: string, sha: string): void {
    const parts = TreeBuilder.split(path);
    const dir = this.dirFor(parts, true)!;
    dir.entries.set(parts[parts.length - 1], { mode, sha });
  }

  /** Returns false when there was nothing at that path (GitHub refuses to delete a missing file). */
  remove(path: string): boolean {
    const parts = TreeBuilder.split(path);
    const dir = this.dirFor(parts, false);
    if (!dir) return false;
    const name = parts[parts.length - 1];
    // directories on the way are loaded now, so write() rewrites them (and drops emptied ones)
    return dir.entries.delete(name);
  }

  /** Writes changed subtrees bottom-up; empty directories vanish, as in git. */
  write(): string {
    return this.writeDir(this.root) ?? this.store.writeTree([]);
  }

  private writeDir(node: DirNode): string | undefined {
    const entries: TreeEntry[] = [];
    for (const [name, slot] of node.entries) {
      const sha = slot.dir ? this.writeDir(slot.dir) : slot.sha;
      if (sha) entries.push({ mode: slot.mode, name, sha });
    }
    if (entries.length === 0) return undefined;
    return this.store.writeTree(entries);
  }
}
