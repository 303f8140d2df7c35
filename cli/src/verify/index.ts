/**
 * The verdict on a generated repository: does what the Stateful App golden
 * path rendered parse, build, validate against Kubernetes and Backstage,
 * follow the deployment policy, and run?
 *
 * Every check is named and reported as pass, fail, skip (its precondition
 * failed or a tool is missing, with the reason) or off (switched off by
 * config, with the reason). Nothing passes silently: `ok` is true only when
 * every check passed or was switched off, except a skip the caller asked for
 * (`runApp: false`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkAppReplicas, REPLICA_CHECK_NAMES, ReplicaOutcomes } from './appReplicas';
import { checkAppRuns } from './appRun';
import { checkCatalogEntity } from './catalogEntity';
import { CHECKS } from './checks';
import { validateVerifyConfig } from './config';
import { buildOverlays, checkKustomizeBuild, OverlayBuild, resolveKustomize } from './kustomize';
import { checkKubernetesSchema } from './kubernetesSchema';
import { acrossOverlays } from './overlays';
import { POLICY_RULES, RuleContext, TLS_EXEMPT_OVERLAY } from './policy/rules';
import { CheckOutcome, CheckResult, VerifyConfig, VerifyReport } from './types';
import { errorMessage, listFiles } from './util';
import { checkWorkflows } from './workflow';
import { checkNoStructureFromText, checkYamlParse, parseYamlFiles } from './yamlChecks';
import { loadPlatform, PlatformFiles } from './platform/load';
import { RepoView } from './platform/context';
import { modulePlatformDir, moduleTemplateFile, templateRepoTopics } from './platform/defaults';
import { checkDeliveryContract, checkNoRetrigger } from './platform/delivery';
import { checkArgoSchema, checkArgoStatefulSync, checkArgoWiring, checkOverlaysAwaitBuild } from './platform/argocd';
import {
  checkBaseImagePinned,
  checkCatalogPluginAnnotations,
  checkCodeowners,
  checkImageMetadata,
  checkTechdocs,
} from './repoFiles';

export type { Finding, CheckResult, VerifyReport, VerifyConfig } from './types';
export { loadVerifyConfig } from './config';
export { formatReport } from './report';
export { POLICY_RULES } from './policy/rules';
export type { Rule, RuleContext } from './policy/rules';
export { CHECKS } from './checks';

const BUILD_DEPENDENTS = [
  'kustomize-build',
  'kubernetes-schema',
  ...POLICY_RULES.map(r => r.name),
  'catalog-plugin-annotations',
  'argocd-wiring',
  'argocd-stateful-sync',
];
const PLATFORM_DEPENDENTS = [
  'delivery-workflow-contract',
  'delivery-no-retrigger',
  'argocd-schema',
  'argocd-wiring',
  'argocd-stateful-sync',
  'overlays-await-build',
];

/**
 * Verifies a generated repository in `dir`.
 * - `config`: checks switched off by name, each with a reason (see loadVerifyConfig).
 * - `runApp` (default true): start `python3 app.py` and exercise it (app-runs), and as three
 *   pods (app-replicas-forward, app-bad-requests, app-replicas-restart, app-graceful-shutdown).
 * - `kustomize`: 'auto' (kubectl, else kustomize, from PATH) or the path of a kubectl or kustomize binary.
 * - `platformDir`: the platform folder (Argo CD objects, reusable delivery workflow) the repository
 *   must agree with; default: the one the module package ships. `false`: none (those checks skip).
 * - `repoTopics`: the topics the template gives the repository; default: the module template's.
 * - `defaultBranch`: the branch delivery and Argo CD track (default main).
 * Throws only for a missing directory or an invalid config; every other problem is a finding.
 */
export async function verifyGeneratedRepo(
  dir: string,
  options?: {
    config?: VerifyConfig;
    runApp?: boolean;
    kustomize?: 'auto' | string;
    platformDir?: string | false;
    repoTopics?: string[];
    defaultBranch?: string;
  },
): Promise<VerifyReport> {
  const startedAt = Date.now();
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`${dir} is not a directory`);
  const config = validateVerifyConfig(options?.config ?? {}, 'options.config');
  const offReason = (name: string) => config.rules?.[name]?.reason;
  const requestedSkips = new Set<string>();

  const files = listFiles(root);
  const parsed = parseYamlFiles(root, files);

  // The slow, independent parts start together: the overlay builds (in
  // parallel among themselves) and the app run.
  const needBuilds = BUILD_DEPENDENTS.some(name => !offReason(name));
  const kustomize = needBuilds ? resolveKustomize(options?.kustomize ?? 'auto') : undefined;
  const buildsPromise: Promise<OverlayBuild[] | undefined> =
    kustomize && 'tool' in kustomize ? buildOverlays(root, kustomize.tool) : Promise.resolve(undefined);
  const platformDir = options?.platformDir === undefined ? modulePlatformDir() : options.platformDir;
  const needPlatform = PLATFORM_DEPENDENTS.some(name => !offReason(name));
  let platformMissing: string | undefined;
  let platformPromise: Promise<PlatformFiles | undefined> = Promise.resolve(undefined);
  if (!platformDir) platformMissing = 'no platform folder given';
  else if (!fs.existsSync(platformDir)) platformMissing = `the platform folder ${platformDir} does not exist`;
  else if (needPlatform)
    platformPromise = loadPlatform(platformDir, kustomize && 'tool' in kustomize ? kustomize.tool : undefined).catch(
      err => {
        platformMissing = `the platform folder ${platformDir} could not be read: ${errorMessage(err)}`;
        return undefined;
      },
    );
  const crashed = (err: unknown): CheckOutcome => ({
    status: 'fail',
    findings: [{ file: 'app.py', message: `could not run the app: ${errorMessage(err)}` }],
  });
  const notRun: CheckOutcome = { status: 'skip', findings: [], reason: 'not run: runApp is false' };
  const appStartedAt = Date.now();
  let appPromise: Promise<CheckOutcome> | undefined;
  if (!offReason('app-runs')) {
    if (options?.runApp === false) {
      requestedSkips.add('app-runs');
      appPromise = Promise.resolve(notRun);
    } else {
      appPromise = checkAppRuns(root)
        .then(outcome => ({ ...outcome, durationMs: Date.now() - appStartedAt }))
        .catch(crashed);
    }
  }
  // The three-process checks share their processes: one run, whichever of them are on.
  let replicasPromise: Promise<ReplicaOutcomes> | undefined;
  if (REPLICA_CHECK_NAMES.some(name => !offReason(name))) {
    if (options?.runApp === false) {
      REPLICA_CHECK_NAMES.forEach(name => requestedSkips.add(name));
    } else {
      replicasPromise = checkAppReplicas(root).catch(
        err => Object.fromEntries(REPLICA_CHECK_NAMES.map(name => [name, crashed(err)])) as ReplicaOutcomes,
      );
    }
  }
  const appDone = Promise.all([appPromise, replicasPromise]).then(() => Date.now() - appStartedAt);
  const builds = await buildsPromise.catch(() => undefined);
  const noBuilds =
    kustomize && 'missing' in kustomize ? `no kustomize output: ${kustomize.missing}` : 'no kustomize output';
  const view: RepoView = {
    root,
    files,
    parsed,
    builds,
    noBuilds,
    platform: await platformPromise,
    platformMissing,
    repoTopics: options?.repoTopics ?? templateRepoTopics(moduleTemplateFile()),
    defaultBranch: options?.defaultBranch ?? 'main',
  };

  const outcomes = new Map<string, () => CheckOutcome | Promise<CheckOutcome>>([
    ['yaml-parse', () => checkYamlParse(parsed)],
    ['no-structure-from-text', () => checkNoStructureFromText(parsed)],
    [
      'kustomize-build',
      () =>
        kustomize && 'tool' in kustomize && builds
          ? checkKustomizeBuild(builds, kustomize.tool)
          : {
              status: 'skip',
              findings: [],
              reason: kustomize && 'missing' in kustomize ? kustomize.missing : 'the builds did not run',
            },
    ],
    ['kubernetes-schema', () => checkKubernetesSchema(builds, noBuilds)],
    ...POLICY_RULES.map(
      rule =>
        [
          rule.name,
          () =>
            acrossOverlays(builds, noBuilds, (objects, build) => {
              const ctx: RuleContext = {
                env: build.env,
                tlsRequired: !TLS_EXEMPT_OVERLAY.test(build.env),
                fileOf: build.sources.fileOf,
                sourceDoc: build.sources.sourceDoc,
                kustomizeLabelKeys: build.sources.labelKeys,
                imageSource: build.sources.imageSource,
                namespaceSource: build.sources.namespaceSource,
              };
              return rule.check(objects, ctx);
            }),
        ] as [string, () => CheckOutcome],
    ),
    ['catalog-entity', () => checkCatalogEntity(parsed)],
    ['catalog-plugin-annotations', () => checkCatalogPluginAnnotations(view)],
    ['techdocs', () => checkTechdocs(view)],
    ['codeowners', () => checkCodeowners(view)],
    ['base-image-pinned', () => checkBaseImagePinned(view)],
    ['image-metadata', () => checkImageMetadata(view)],
    ['workflow-syntax', () => checkWorkflows(root, files)],
    ['delivery-workflow-contract', () => checkDeliveryContract(view)],
    ['delivery-no-retrigger', () => checkNoRetrigger(view)],
    ['argocd-schema', () => checkArgoSchema(view)],
    ['argocd-wiring', () => checkArgoWiring(view)],
    ['argocd-stateful-sync', () => checkArgoStatefulSync(view)],
    ['overlays-await-build', () => checkOverlaysAwaitBuild(view)],
    ['app-runs', () => appPromise ?? { status: 'skip', findings: [], reason: 'not run' }],
    ...REPLICA_CHECK_NAMES.map(
      name =>
        [name, async () => (replicasPromise ? (await replicasPromise)[name] : notRun)] as [
          string,
          () => Promise<CheckOutcome>,
        ],
    ),
  ]);

  // Every check starts at once (the app run is already under way); the report keeps CHECKS order.
  const checks: CheckResult[] = await Promise.all(
    CHECKS.map(async (info): Promise<CheckResult> => {
      const reason = offReason(info.name);
      if (reason) return { ...info, status: 'off', reason, findings: [] };
      let result: CheckOutcome;
      try {
        result = await outcomes.get(info.name)!();
      } catch (err) {
        // A crash in a check is a failure of that check, never a pass.
        result = { status: 'fail', findings: [{ file: '.', message: `the check crashed: ${errorMessage(err)}` }] };
      }
      return { ...info, ...result, ...(result.reason ? { reason: result.reason } : {}) };
    }),
  );
  const ok = checks.every(
    c => c.status === 'pass' || c.status === 'off' || (c.status === 'skip' && requestedSkips.has(c.name)),
  );
  const ranApp = appPromise !== undefined || replicasPromise !== undefined;
  const appMs = ranApp && options?.runApp !== false ? await appDone : undefined;
  return {
    dir: root,
    ok,
    checks,
    timings: { totalMs: Date.now() - startedAt, ...(appMs !== undefined ? { appMs } : {}) },
  };
}
