/**
 * npm run bench — our goldenpath:github:repo:create + goldenpath:github:push next to Backstage's
 * own publish:github (@backstage/plugin-scaffolder-backend-module-github, its real action:
 * REST for the repository, isomorphic-git over git's smart HTTP for the content), in one run,
 * against the GitHub stand-in, for skeletons of 10, 100 and 1,000 text files and one 1 MiB
 * binary file. Both with their defaults (default-branch protection on).
 *
 * Per run: requests (REST and git, the git client's 401 credential challenge included), bytes
 * the client sent (request lines, headers, bodies), wall time with 100 ms added to every answer,
 * the same with GitHub's recommended 1 s between content-creating requests, and the end state
 * (commits reachable from the branches, `git fsck --strict`).
 *
 * Figures only: nothing here passes or fails.
 */
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { createPublishGithubAction } from '@backstage/plugin-scaffolder-backend-module-github';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_GITHUB_CLIENT_OPTIONS } from '../../src/github/clientOptions';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin } from '../github-standin';
import { actionContext } from '../support/actionContext';
import { githubActions } from '../support/githubHarness';

const LATENCY_MS = 100;
const PACING_MS = 1000;

type Skeleton = { label: string; make(dir: string): void };

const textFiles = (n: number): Skeleton => ({
  label: `${n.toLocaleString('en')} text files`,
  make(dir) {
    for (let i = 0; i < n; i++) {
      const sub = path.join(dir, `dir${i % 10}`);
      fs.mkdirSync(sub, { recursive: true });
      fs.writeFileSync(path.join(sub, `file${i}.yaml`), `name: file-${i}\nvalue: ${'x'.repeat(200)}\n`);
    }
  },
});

const binaryFile: Skeleton = {
  label: '1 MiB binary',
  make(dir) {
    // incompressible, and the same in every run (xorshift32)
    const bytes = Buffer.alloc(1024 * 1024);
    let x = 2463534242;
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    fs.writeFileSync(path.join(dir, 'data.bin'), bytes);
  },
};

type Measure = { requests: number; bytes: number; ms: number; commits: number; fsck: string };

function endState(github: GithubStandin, repo: string): Pick<Measure, 'commits' | 'fsck'> {
  const dir = github.gitDir('bench', repo);
  let fsck = 'ok';
  try {
    execFileSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: dir, stdio: 'pipe' });
  } catch (error) {
    fsck = `FAILED: ${
      String((error as { stderr?: Buffer }).stderr ?? error)
        .trim()
        .split('\n')[0]
    }`;
  }
  const commits = Number(execFileSync('git', ['rev-list', '--count', '--branches'], { cwd: dir, encoding: 'utf8' }));
  return { commits, fsck };
}

async function measure(github: GithubStandin, repo: string, run: () => Promise<void>): Promise<Measure> {
  github.resetRequests();
  const started = process.hrtime.bigint();
  await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const requests = github.requests.length;
  const bytes = github.requests.reduce((sum, r) => sum + r.bytes, 0);
  return { requests, bytes, ms, ...endState(github, repo) };
}

function copyOf(dir: string): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ws-'));
  fs.cpSync(dir, copy, { recursive: true });
  return copy;
}

async function runMode(pacingMs: number, skeletons: Array<{ label: string; dir: string }>) {
  const github = await startGithubStandin({ orgs: ['bench'], latencyMs: LATENCY_MS });
  const results = new Map<string, { ours: Measure; publish: Measure }>();
  try {
    const ours = githubActions(github, {
      clientOptions: { ...DEFAULT_GITHUB_CLIENT_OPTIONS, writePacingMs: pacingMs },
    });
    const config = new ConfigReader({
      integrations: { github: [{ host: github.host, apiBaseUrl: github.apiBaseUrl, token: DEFAULT_TOKEN }] },
    });
    const publish = createPublishGithubAction({ integrations: ScmIntegrations.fromConfig(config), config }) as any;
    // warm-up, not measured: module loading, first connections, libsodium, isomorphic-git
    const warm = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-warm-'));
    fs.writeFileSync(path.join(warm, 'README.md'), 'warm-up\n');
    const warmInput = { repoUrl: `${github.host}?owner=bench&repo=warm-ours` };
    await ours.create.handler(actionContext({ input: warmInput, workspacePath: warm }).ctx);
    await ours.push.handler(actionContext({ input: warmInput, workspacePath: warm }).ctx);
    await publish.handler(
      actionContext({ input: { repoUrl: `${github.host}?owner=bench&repo=warm-publish` }, workspacePath: warm }).ctx,
    );
    fs.rmSync(warm, { recursive: true, force: true });
    let n = 0;
    for (const skeleton of skeletons) {
      n += 1;
      const oursRepo = `ours-${n}`;
      const oursWorkspace = copyOf(skeleton.dir);
      const oursMeasure = await measure(github, oursRepo, async () => {
        const input = { repoUrl: `${github.host}?owner=bench&repo=${oursRepo}` };
        const checkpoints = new Map();
        await ours.create.handler(actionContext({ input, workspacePath: oursWorkspace, checkpoints }).ctx);
        await ours.push.handler(actionContext({ input, workspacePath: oursWorkspace, checkpoints }).ctx);
      });
      const publishRepo = `publish-${n}`;
      const publishWorkspace = copyOf(skeleton.dir); // publish:github runs git init in it
      const publishMeasure = await measure(github, publishRepo, async () => {
        const input = { repoUrl: `${github.host}?owner=bench&repo=${publishRepo}`, defaultBranch: 'main' };
        await publish.handler(actionContext({ input, workspacePath: publishWorkspace }).ctx);
      });
      results.set(skeleton.label, { ours: oursMeasure, publish: publishMeasure });
      for (const dir of [oursWorkspace, publishWorkspace]) fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await github.close();
  }
  return results;
}

async function main() {
  const skeletons = [textFiles(10), textFiles(100), textFiles(1000), binaryFile].map(s => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    s.make(dir);
    return { label: s.label, dir };
  });
  process.stderr.write(`Running the unpaced round (${LATENCY_MS} ms per request)…\n`);
  const unpaced = await runMode(0, skeletons);
  process.stderr.write(`Running the paced round (${PACING_MS} ms between our writes)…\n`);
  const paced = await runMode(PACING_MS, skeletons);

  const kib = (bytes: number) => (bytes / 1024).toLocaleString('en', { maximumFractionDigits: 1 });
  const header = [
    'skeleton',
    'action',
    'requests',
    'KiB sent',
    `wall ms (${LATENCY_MS} ms latency)`,
    `wall ms (+ ${PACING_MS / 1000} s write pacing)`,
    'commits',
    'git fsck --strict',
  ];
  const rows: string[][] = [];
  for (const { label } of skeletons) {
    for (const action of ['ours', 'publish'] as const) {
      const a = unpaced.get(label)![action];
      const b = paced.get(label)![action];
      rows.push([
        label,
        action === 'ours' ? 'goldenpath:github:repo:create + push' : 'publish:github',
        String(a.requests),
        kib(a.bytes),
        a.ms.toFixed(0),
        b.ms.toFixed(0),
        String(a.commits),
        a.fsck === 'ok' && b.fsck === 'ok' ? 'ok' : `${a.fsck} / ${b.fsck}`,
      ]);
    }
  }
  const table = [header, header.map(() => '---'), ...rows].map(r => `| ${r.join(' | ')} |`).join('\n');
  process.stdout.write(
    `${table}\n\nNode ${process.version}, ${os.cpus().length} CPUs, GitHub stand-in on loopback with ${LATENCY_MS} ms added to every answer. ` +
      `Both with their defaults (branch protection on). publish:github's octokit paces its REST writes at 1 s in both columns ` +
      `(@octokit/plugin-throttling's default); its git push is not paced. Ours: writePacingMs 0, then ${PACING_MS}.\n`,
  );
  for (const { dir } of skeletons) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
