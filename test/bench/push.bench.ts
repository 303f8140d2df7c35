/**
 * npm run bench — GitHub requests and wall time to push skeletons of 10, 100
 * and 1,000 text files and one 1 MiB binary, against the GitHub stand-in:
 * our one-commit Git Data API push next to the same files written one at a
 * time through the Contents API, measured in the same run.
 *
 * Figures only: nothing here passes or fails. Write pacing is off for both
 * (GitHub asks for ~1 s between writes; with it the Contents API column grows
 * by about one second per file, ours by about six seconds in all).
 */
import { ConfigReader } from '@backstage/config';
import { DefaultGithubCredentialsProvider, ScmIntegrations } from '@backstage/integration';
import { Octokit } from '@octokit/rest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGithubPushAction } from '../../src/actions/githubPush';
import { createGithubRepoCreateAction } from '../../src/actions/githubRepoCreate';
import { DEFAULT_GITHUB_CLIENT_OPTIONS } from '../../src/github/clientOptions';
import { listFiles } from '../../cli/src/util/listFiles';
import { DEFAULT_TOKEN, startGithubStandin } from '../github-standin';
import { actionContext } from '../support/actionContext';

type Case = { label: string; make(dir: string): void };

const textFiles = (n: number): Case => ({
  label: `${n} text files`,
  make(dir) {
    for (let i = 0; i < n; i++) {
      const sub = path.join(dir, `dir${i % 10}`);
      fs.mkdirSync(sub, { recursive: true });
      fs.writeFileSync(path.join(sub, `file${i}.yaml`), `name: file-${i}\nvalue: ${'x'.repeat(200)}\n`);
    }
  },
});
const binaryFile: Case = {
  label: '1 MiB binary',
  make(dir) {
    const bytes = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    fs.writeFileSync(path.join(dir, 'data.bin'), bytes);
  },
};

async function main() {
  const github = await startGithubStandin({ orgs: ['bench'] });
  const integrations = ScmIntegrations.fromConfig(
    new ConfigReader({
      integrations: { github: [{ host: github.host, apiBaseUrl: github.apiBaseUrl, token: DEFAULT_TOKEN }] },
    }),
  );
  const deps = {
    integrations,
    githubCredentialsProvider: DefaultGithubCredentialsProvider.fromIntegrations(integrations),
    clientOptions: { ...DEFAULT_GITHUB_CLIENT_OPTIONS, writePacingMs: 0 },
  };
  const create = createGithubRepoCreateAction(deps);
  const push = createGithubPushAction(deps);
  const octokit = new Octokit({ auth: DEFAULT_TOKEN, baseUrl: github.apiBaseUrl });
  const rows: string[][] = [];
  let n = 0;

  for (const c of [textFiles(10), textFiles(100), textFiles(1000), binaryFile]) {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    c.make(workspace);
    const files = listFiles(workspace);

    // Ours: one commit through the Git Data API.
    const ours = `ours-${++n}`;
    const repoUrl = `${github.host}?owner=bench&repo=${ours}`;
    await create.handler(actionContext({ input: { repoUrl } }).ctx);
    github.resetRequests();
    let started = process.hrtime.bigint();
    await push.handler(actionContext({ input: { repoUrl }, workspacePath: workspace }).ctx);
    const oursMs = Number(process.hrtime.bigint() - started) / 1e6;
    const oursRequests = github.requests.length;

    // Baseline: one Contents API PUT per file, one commit each.
    const baseline = `contents-${n}`;
    await octokit.rest.repos.createInOrg({ org: 'bench', name: baseline });
    github.resetRequests();
    started = process.hrtime.bigint();
    for (const file of files) {
      await octokit.rest.repos.createOrUpdateFileContents({
        owner: 'bench',
        repo: baseline,
        path: file,
        message: `Add ${file}`,
        content: fs.readFileSync(path.join(workspace, file)).toString('base64'),
      });
    }
    const baselineMs = Number(process.hrtime.bigint() - started) / 1e6;
    rows.push([
      c.label,
      String(oursRequests),
      oursMs.toFixed(0),
      String(github.requests.length),
      baselineMs.toFixed(0),
      String(files.length),
    ]);
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  await github.close();

  const header = [
    'skeleton',
    'Git Data push: requests',
    'ms',
    'Contents API per file: requests',
    'ms',
    'commits (Contents API)',
  ];
  const table = [header, header.map(() => '---'), ...rows].map(r => `| ${r.join(' | ')} |`).join('\n');
  process.stdout.write(
    `${table}\n\nNode ${process.version}, ${os.cpus().length} CPUs, GitHub stand-in on loopback, write pacing off.\n`,
  );
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
