/**
 * The platform's reusable delivery workflow, run for real: its plan, tag
 * update and commit steps (the bash in platform/platform-workflows) against a
 * generated repository in a local Git remote, with git, kubectl kustomize and
 * kustomize (a stand-in for `kustomize edit set image` when no standalone
 * kustomize is installed; see test/support/kustomizeStandin.cjs).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { simulateApplicationSet } from '../cli/src/verify/platform/applicationSet';
import { RELEASE_RECORD_FIELDS } from '../cli/src/verify/platform/argocd';
import { pushStartsWorkflow } from '../cli/src/verify/platform/githubFilters';
import { whichSync } from '../cli/src/verify/util';
import { REPO_ROOT, writeFiles } from './support/rendered';
import { useSeedDryRun } from './support/seedDryRun';
import { Contexts, runStep, workflowStep } from './support/workflowSteps';

const WORKFLOW = path.join(REPO_ROOT, 'platform/platform-workflows/.github/workflows/stateful-delivery.yml');
const APPLICATION_SET = path.join(REPO_ROOT, 'platform/argocd/applicationset.yaml');
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const dryRun = useSeedDryRun();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-'));
const bin = path.join(tmp, 'bin');
let origin: string;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
const sha = (n: number) => n.toString(16).padStart(40, 'a');

beforeAll(async () => {
  fs.mkdirSync(bin);
  const realKustomize = whichSync('kustomize');
  const standin = path.join(REPO_ROOT, 'test/support/kustomizeStandin.cjs');
  fs.writeFileSync(
    path.join(bin, 'kustomize'),
    realKustomize ? `#!/bin/sh\nexec "${realKustomize}" "$@"\n` : `#!/bin/sh\nexec node "${standin}" "$@"\n`,
    { mode: 0o755 },
  );
  console.log(`kustomize for the delivery steps: ${realKustomize ?? 'stand-in (no standalone kustomize on PATH)'}`);

  const result = await dryRun({});
  if (!result.ok) throw new Error(result.errors.join('\n'));
  origin = path.join(tmp, 'origin.git');
  git(tmp, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  const seed = writeFiles(result.files, path.join(tmp, 'seed'));
  git(seed, 'init', '--quiet', '--initial-branch=main');
  git(seed, 'add', '-A');
  git(
    seed,
    '-c',
    'user.name=Scaffolder',
    '-c',
    'user.email=s@example.com',
    'commit',
    '--quiet',
    '-m',
    'Initial commit',
  );
  git(seed, 'push', '--quiet', origin, 'main');
}, 90_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fresh checkout of main, as actions/checkout gives the job. */
function checkout(name: string): string {
  const dir = path.join(tmp, name);
  git(tmp, 'clone', '--quiet', '--branch', 'main', origin, dir);
  return dir;
}

function contexts(over: {
  environment: string;
  event?: string;
  ref?: string;
  first?: string;
  commit?: string;
  needs?: any;
}): Contexts {
  return {
    inputs: {
      'app-name': 'my-redis',
      environment: over.environment,
      'first-environment': over.first ?? 'dev',
      'ecr-repository': 'my-redis',
      dockerfile: 'Dockerfile',
      environments: 'dev test staging prod',
      'overlays-dir': 'deploy/overlays',
    },
    github: {
      event_name: over.event ?? 'workflow_dispatch',
      ref: over.ref ?? 'refs/heads/main',
      sha: over.commit ?? sha(1),
      server_url: 'https://github.com',
      repository: 'goldenpathidp/my-redis',
      run_id: '42',
      event: { repository: { default_branch: 'main', name: 'my-redis' } },
    },
    vars: {
      GOLDEN_PATH_AWS_REGION: 'eu-west-1',
      GOLDEN_PATH_ECR_PUSH_ROLE_ARN: 'arn:aws:iam::123456789012:role/ecr-push',
      ARGOCD_SERVER: 'argocd.example.com',
    },
    secrets: { 'argocd-auth-token': 'x', 'delivery-app-id': '' },
    needs: over.needs ?? {},
  };
}

const step = (job: string, id: string) => workflowStep(WORKFLOW, job, id);
const run = (job: string, id: string, cwd: string, ctx: Contexts) =>
  runStep(step(job, id), { cwd, contexts: ctx, pathPrefix: [bin] });

/** plan → set-image → commit, as the release job runs them after a build or for a promotion. */
function deliver(environment: string, builtImage?: string, event = 'workflow_dispatch', builtFrom = sha(1)) {
  const dir = checkout(`${environment}-${Date.now()}`);
  const plan = run('plan', 'plan', dir, contexts({ environment, event, commit: builtFrom }));
  if (plan.code !== 0) return { dir, plan };
  const needs = { plan: { outputs: plan.outputs }, build: { outputs: { image: builtImage ?? '' } } };
  const ctx = contexts({ environment, event, commit: builtFrom, needs });
  // The release job's env: IMAGE is the build's image, or the promoted one from plan.
  const setImage = run('release', 'set-image', dir, ctx);
  const commit = setImage.code === 0 ? run('release', 'commit', dir, ctx) : undefined;
  return { dir, plan, setImage, commit };
}

const built = (env: string, dir: string) =>
  YAML.parseAllDocuments(
    execFileSync('kubectl', ['kustomize', path.join(dir, 'deploy/overlays', env)], { encoding: 'utf8' }),
  )
    .map(d => d.toJS())
    .find(o => o?.kind === 'StatefulSet').spec.template.spec.containers[0].image;

describe('the delivery workflow steps, run for real', () => {
  const devImage = `${REGISTRY}/my-redis:${sha(1)}`;

  test('a push to main builds into the first environment and commits exactly the tag and the release record', () => {
    const d = deliver('dev', devImage, 'push');
    expect(d.plan.outputs).toMatchObject({
      mode: 'build',
      overlay: 'deploy/overlays/dev',
      commit: sha(1),
      application: 'my-redis-dev',
    });
    expect(d.setImage).toMatchObject({ code: 0, outputs: { image: devImage } });
    expect(d.commit!.stderr + d.commit!.stdout).toMatch(/dev now runs/);
    expect(d.commit!.code).toBe(0);

    const fresh = checkout('after-dev');
    expect(built('dev', fresh)).toBe(devImage);
    expect(built('test', fresh)).toMatch(/:not-yet-delivered$/);
    const message = git(fresh, 'log', '-1', '--format=%B');
    expect(message).toContain('[skip ci]');
    const changed = git(fresh, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort();
    expect(changed).toEqual(['deploy/overlays/dev/kustomization.yaml', 'deploy/overlays/dev/release.yaml']);
    const record = YAML.parse(fs.readFileSync(path.join(fresh, 'deploy/overlays/dev/release.yaml'), 'utf8'));
    expect(Object.keys(record).sort()).toEqual([...RELEASE_RECORD_FIELDS].sort());
    expect(record).toMatchObject({ component: 'my-redis', environment: 'dev', image: devImage, commit: sha(1) });

    // The caller's own trigger ignores this very commit: no delivery loop.
    const caller = YAML.parse(fs.readFileSync(path.join(fresh, '.github/workflows/delivery.yml'), 'utf8'));
    expect(pushStartsWorkflow(caller.on, 'main', changed)).toMatchObject({ runs: false });
    expect(pushStartsWorkflow(caller.on, 'main', ['app.py'])).toMatchObject({ runs: true });
  });

  test("the platform's ApplicationSet now makes the dev Application the sync step waits for, and only that one", () => {
    const dir = checkout('appset');
    const files = new Map<string, unknown>();
    for (const f of git(dir, 'ls-files').split('\n'))
      files.set(
        f,
        /\.ya?ml$/.test(f) ? YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))[0]?.toJS() : undefined,
      );
    const appSet = YAML.parse(fs.readFileSync(APPLICATION_SET, 'utf8'));
    const sim = simulateApplicationSet(appSet, {
      owner: 'goldenpathidp',
      name: 'my-redis',
      branch: 'main',
      topics: ['stateful', 'golden-path'],
      files,
    });
    expect(sim.unsupported).toEqual([]);
    expect(sim.applications.map(a => [a.metadata.name, a.spec.source.path, a.spec.destination.name])).toEqual([
      ['my-redis-dev', 'deploy/overlays/dev', 'dev'],
    ]);
    const plan = run('plan', 'plan', dir, contexts({ environment: 'dev' }));
    expect(plan.outputs.application).toBe(sim.applications[0].metadata.name);
    const catalog = YAML.parse(fs.readFileSync(path.join(dir, 'catalog-info.yaml'), 'utf8'));
    const [key, value] = catalog.metadata.annotations['argocd/app-selector'].split('=');
    expect(sim.applications[0].metadata.labels[key]).toBe(value);
  });

  test('promotion moves the image the previous environment runs, without a build', () => {
    const d = deliver('test');
    expect(d.plan.outputs).toMatchObject({
      mode: 'promote',
      'source-environment': 'dev',
      image: devImage,
      commit: sha(1),
    });
    expect(d.commit!.code).toBe(0);
    expect(built('test', checkout('after-test'))).toBe(devImage);
  });

  test('refuses to deliver from a branch other than main, even to dev', () => {
    for (const environment of ['prod', 'dev']) {
      const dir = checkout(`branch-${environment}`);
      const plan = run('plan', 'plan', dir, contexts({ environment, ref: 'refs/heads/feature/x' }));
      expect(plan.code).not.toBe(0);
      expect(plan.stdout).toMatch(/::error::delivery runs only from main; this run is on refs\/heads\/feature\/x/);
      expect(plan.outputs).toEqual({});
    }
  });

  test('refuses to skip an environment, to deliver before the first one, or to promote on a push', () => {
    const dir = checkout('refusals');
    const prod = run('plan', 'plan', dir, contexts({ environment: 'prod' }));
    expect(prod.code).not.toBe(0);
    expect(prod.stdout).toMatch(/staging has no delivered build to promote/);
    const before = run('plan', 'plan', dir, contexts({ environment: 'dev', first: 'staging' }));
    expect(before.stdout).toMatch(/builds enter at staging; dev comes before it/);
    const push = run('plan', 'plan', dir, contexts({ environment: 'test', event: 'push' }));
    expect(push.stdout).toMatch(/a push delivers to dev only/);
    const unknown = run('plan', 'plan', dir, contexts({ environment: 'qa' }));
    expect(unknown.stdout).toMatch(/unknown environment "qa"/);
    for (const r of [before, push, unknown]) expect(r.code).not.toBe(0);
  });

  test('a delivery racing another commit on main replays its commit on top and pushes', () => {
    const dir = checkout('race');
    const plan = run('plan', 'plan', dir, contexts({ environment: 'dev', commit: sha(2) }));
    // Someone else pushes while the build runs.
    const other = checkout('other');
    fs.appendFileSync(path.join(other, 'README.md'), '\nA note.\n');
    git(other, '-c', 'user.name=Dev', '-c', 'user.email=d@example.com', 'commit', '--quiet', '-am', 'Docs');
    git(other, 'push', '--quiet', 'origin', 'main');

    const image = `${REGISTRY}/my-redis:${sha(2)}`;
    const ctx = contexts({
      environment: 'dev',
      commit: sha(2),
      needs: { plan: { outputs: plan.outputs }, build: { outputs: { image } } },
    });
    expect(run('release', 'set-image', dir, ctx).code).toBe(0);
    const commit = run('release', 'commit', dir, ctx);
    expect(commit.stdout).toMatch(/main moved on \(attempt 1\)/);
    expect(commit.code).toBe(0);
    const fresh = checkout('after-race');
    expect(git(fresh, 'log', '-2', '--format=%s').split('\n')).toEqual([`deliver(dev): ${image} [skip ci]`, 'Docs']);
    expect(commit.outputs.revision).toBe(git(fresh, 'rev-parse', 'HEAD'));
    expect(built('dev', fresh)).toBe(image);

    // A re-run of that delivery changes nothing and still succeeds.
    const again = deliver('dev', image, 'workflow_dispatch', sha(2));
    expect(again.commit!.stdout).toMatch(/dev already runs .*: nothing to commit/);
    expect(again.commit!.code).toBe(0);
    expect(git(checkout('after-again'), 'rev-parse', 'HEAD')).toBe(commit.outputs.revision);
  });

  test('never commits an overlay that would not run the image (images entry under another name)', () => {
    const dir = checkout('wrong-name');
    const plan = run('plan', 'plan', dir, contexts({ environment: 'dev' }));
    const ctx = contexts({ environment: 'dev', needs: { plan: { outputs: plan.outputs } } });
    ctx.inputs = { ...(ctx.inputs as object), 'app-name': 'someone-else' };
    const s = step('release', 'set-image');
    const result = runStep(
      { ...s, env: { ...s.env, IMAGE: `${REGISTRY}/my-redis:${sha(3)}` } },
      { cwd: dir, contexts: ctx, pathPrefix: [bin] },
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/does not run .* is the images entry named someone-else\?/);
    const bad = runStep(
      { ...s, env: { ...s.env, IMAGE: 'my-redis:latest; rm -rf /' } },
      { cwd: dir, contexts: ctx, pathPrefix: [bin] },
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/not an image reference with a tag/);
  });
});
