/**
 * A task resumed by scaffolder task recovery without its workspace: the fingerprint step records
 * what was rendered, and the push refuses a workspace that does not hold it (before any request)
 * instead of publishing it. Against the GitHub stand-in; the cross-process proof is the replica
 * suite (npm run test:replicas:backstage).
 */
import { JsonValue } from '@backstage/types';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorkspaceFingerprintAction } from '../src/actions/workspaceFingerprint';
import { ConfigReader } from '@backstage/config';
import { GithubStandin, startGithubStandin } from './github-standin';
import { actionContext } from './support/actionContext';
import { endState, git, githubActions, textWorkspace } from './support/githubHarness';

let github: GithubStandin;

beforeAll(async () => {
  github = await startGithubStandin({ orgs: ['acme'] });
});
afterAll(() => github?.close());
beforeEach(() => github.resetRequests());

const RECOVERY_WITHOUT_PROVIDER = { scaffolder: { taskRecovery: { enabled: true } } };

async function fingerprint(workspacePath: string, config?: object) {
  const { ctx, record } = actionContext({ input: {}, workspacePath });
  await createWorkspaceFingerprintAction({ config: config ? new ConfigReader(config) : undefined }).handler(ctx);
  return record.outputs as { treeSha: string; fileCount: number };
}

const emptyDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'empty-ws-'));

describe('goldenpath:workspace:fingerprint', () => {
  it('outputs the tree SHA git itself computes for the workspace, executable bits and folders included', async () => {
    const dir = textWorkspace(12);
    fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const result = await fingerprint(dir);

    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'fingerprint-git-'));
    git(['init', '-q'], repo);
    fs.cpSync(dir, repo, { recursive: true });
    git(['add', '-A'], repo);
    expect(result).toEqual({ treeSha: git(['write-tree'], repo), fileCount: 13 });
  });

  it('refuses an empty workspace, naming the missing workspace provider when recovery is on without one', async () => {
    await expect(fingerprint(emptyDir(), RECOVERY_WITHOUT_PROVIDER)).rejects.toThrow(
      /The workspace holds no files.*resumed without its workspace.*without a workspace provider.*scaffolder\.taskRecovery\.workspaceProvider/s,
    );
  });
});

describe('goldenpath:github:push with expectedTreeSha', () => {
  async function createRepo(repo: string, checkpoints: Map<string, JsonValue>) {
    const { create } = githubActions(github);
    const { ctx } = actionContext({ input: { repoUrl: `${github.host}?owner=acme&repo=${repo}` }, checkpoints });
    await create.handler(ctx);
  }

  async function push(repo: string, workspacePath: string, expectedTreeSha: string, config?: object) {
    const { push: action } = githubActions(github, { config: config as any });
    const { ctx, record } = actionContext({
      input: { repoUrl: `${github.host}?owner=acme&repo=${repo}`, expectedTreeSha },
      workspacePath,
    });
    // another task id: the push reads the repository, as one resumed on another replica does
    ctx.task = { id: `resumed-${repo}` };
    await action.handler(ctx);
    return record.outputs;
  }

  it.each([
    [
      'empty (no workspace provider)',
      (dir: string) => fs.rmSync(dir, { recursive: true, force: true }),
      /holds no files/,
    ],
    [
      'missing a rendered file',
      (dir: string) => fs.rmSync(path.join(dir, 'dir3/file3.txt')),
      /holds 19 files \(tree [0-9a-f]{40}\), not the tree/,
    ],
    [
      'holding a changed file',
      (dir: string) => fs.appendFileSync(path.join(dir, 'dir0/file0.txt'), 'x'),
      /holds 20 files/,
    ],
  ])(
    'refuses a workspace %s before any request, and the repository keeps only its first commit',
    async (_, spoil, holds) => {
      const repo = `lost-${github.requests.length}-${Date.now()}`;
      await createRepo(repo, new Map());
      const rendered = textWorkspace(20);
      const { treeSha } = await fingerprint(rendered);
      spoil(rendered);
      fs.mkdirSync(rendered, { recursive: true });
      github.resetRequests();

      const refusal = push(repo, rendered, treeSha, RECOVERY_WITHOUT_PROVIDER);
      await expect(refusal).rejects.toThrow(holds);
      await expect(refusal).rejects.toThrow(
        new RegExp(
          `^expectedTreeSha: refusing to push acme/${repo}: .*${treeSha}.*Nothing was pushed\\. .*without a workspace provider.*scaffolder\\.taskRecovery\\.workspaceProvider.*Start Over`,
          's',
        ),
      );
      await expect(refusal).rejects.toMatchObject({ name: 'InputError' });
      expect(github.requests).toEqual([]);
      expect(endState(github, 'acme', repo)).toMatchObject({ commits: 1, files: ['README.md'] });
    },
  );

  it('pushes a workspace that holds exactly what was fingerprinted', async () => {
    const repo = `kept-${Date.now()}`;
    await createRepo(repo, new Map());
    const rendered = textWorkspace(20);
    const { treeSha } = await fingerprint(rendered);
    const outputs = await push(repo, rendered, treeSha);
    expect(outputs.commitHash).toMatch(/^[0-9a-f]{40}$/);
    expect(git(['rev-parse', 'main^{tree}'], github.gitDir('acme', repo))).toBe(treeSha);
    expect(endState(github, 'acme', repo).commits).toBe(1);
  });

  it('refuses an expectedTreeSha that is not a tree SHA, naming the input', async () => {
    await expect(push('whatever', textWorkspace(2), '${{ steps.fingerprint.output.treeSha }}')).rejects.toThrow(
      /^expectedTreeSha: ".*" is not a git tree SHA/,
    );
    expect(github.requests).toEqual([]);
  });
});
