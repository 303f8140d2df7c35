/**
 * The generated repository against the platform's Argo CD objects: they are
 * valid Argo CD resources, the ApplicationSet picks this repository up and
 * makes one Application per delivered overlay that its AppProject permits,
 * the sync policy suits a StatefulSet with volumes, and nothing is deployed
 * before a build reached it.
 */
import { objectFindings } from '../kubernetesSchema';
import { OverlayBuild, OVERLAYS_DIR } from '../kustomize';
import { objectLabel } from '../overlays';
import { CLUSTER_SCOPED, kindIs, nameOf, podTemplates, containers, stringMap } from '../policy/k8s';
import { CheckOutcome, Finding, K8sObject } from '../types';
import { asArray, isRecord } from '../util';
import { filterPatternRegExp } from './githubFilters';
import {
  parseSelectorString,
  sameRepoUrl,
  Simulation,
  simulateApplicationSet,
  SimulatedRepository,
} from './applicationSet';
import { catalogEntity, firstDoc, needPlatform, outcomeOf, overlayNames, RepoView } from './context';
import { callerLiteral, RELEASE_RECORD_FILE } from './delivery';

/** The fields of the release record the delivery workflow writes (its set-image step; tested against it). */
export const RELEASE_RECORD_FIELDS = ['component', 'environment', 'image', 'commit', 'run'] as const;

const CATALOG_FILE = 'catalog-info.yaml';
const SIMULATED_COMMIT = 'c0ffee'.padEnd(40, '0');

type Platform = NonNullable<RepoView['platform']>;
type ArgoObjects = Extract<Platform['argocd'], { ok: true }>;

function argoObjects(view: RepoView): ArgoObjects | CheckOutcome {
  const skip = needPlatform(view);
  if (skip) return skip;
  const argocd = view.platform!.argocd;
  if (!argocd.ok)
    return { status: 'fail', findings: [{ file: view.platform!.display(view.platform!.dir), message: argocd.error }] };
  return argocd;
}

function repoIdentity(view: RepoView): { owner: string; name: string } | undefined {
  const slug = firstDoc(view, CATALOG_FILE)?.metadata?.annotations?.['github.com/project-slug'];
  const m = typeof slug === 'string' ? /^([^/\s]+)\/([^/\s]+)$/.exec(slug) : null;
  return m ? { owner: m[1], name: m[2] } : undefined;
}

/** The image an overlay runs once delivered: its built StatefulSet's image repository, tagged with a commit. */
function deliveredImage(build: OverlayBuild | undefined): string {
  const objects = build?.ok ? build.objects : [];
  const image = podTemplates(objects)
    .filter(t => kindIs(t.owner, 'StatefulSet'))
    .flatMap(t => containers(t, { includeInit: false }))
    .map(c => String(c.container.image ?? ''))[0];
  return `${(image ?? 'registry.invalid/app').replace(/[:@][^/]*$/, '')}:${SIMULATED_COMMIT}`;
}

/** The repository as Argo CD would see it: as generated, or after a delivery to every overlay. */
function simulatedRepository(
  view: RepoView,
  identity: { owner: string; name: string },
  delivered: boolean,
): SimulatedRepository {
  const files = new Map<string, unknown>();
  for (const f of view.files) {
    const p = view.parsed.get(f);
    files.set(f, p?.ok ? p.docs[0] : undefined);
  }
  if (delivered) {
    const component = callerLiteral(view, 'app-name') ?? String(firstDoc(view, CATALOG_FILE)?.metadata?.name ?? '');
    for (const env of overlayNames(view)) {
      const record: Record<(typeof RELEASE_RECORD_FIELDS)[number], string> = {
        component,
        environment: env,
        image: deliveredImage(view.builds?.find(b => b.env === env)),
        commit: SIMULATED_COMMIT,
        run: `https://github.com/${identity.owner}/${identity.name}/actions/runs/1`,
      };
      files.set(`${OVERLAYS_DIR}/${env}/${RELEASE_RECORD_FILE}`, record);
    }
  }
  return {
    owner: identity.owner,
    name: identity.name,
    branch: view.defaultBranch,
    topics: view.repoTopics ?? [],
    files,
  };
}

type Run = { appSet: K8sObject; simulation: Simulation };

/** Every GitHub organization the ApplicationSets' SCM-provider generators scan (matrix/merge children included). */
function scannedOrganizations(appSets: K8sObject[]): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isRecord(value)) {
      const org = value.scmProvider?.github?.organization;
      if (typeof org === 'string' && org) found.add(org);
      Object.values(value).forEach(walk);
    }
  };
  appSets.forEach(a => walk(a.spec?.generators));
  return [...found];
}

/**
 * The repository Argo CD would be asked about. Which organization a platform
 * scans is deployment data that lives in platform/, while the owner comes from
 * the form: a repository of an organization the sample platform does not scan
 * is checked as if it were in the first scanned one (everything else about the
 * wiring still has to hold), with a note saying what to add before delivering.
 */
function simulatedIdentity(
  view: RepoView,
  argo: ArgoObjects,
): { owner: string; name: string; note?: string } | undefined {
  const identity = repoIdentity(view);
  if (!identity) return undefined;
  const scanned = scannedOrganizations(argo.objects.filter(o => kindIs(o, 'ApplicationSet')));
  if (scanned.length === 0 || scanned.some(org => org.toLowerCase() === identity.owner.toLowerCase())) return identity;
  return {
    owner: scanned[0],
    name: identity.name,
    note: `the platform's ApplicationSets scan ${scanned.join(', ')}, not ${identity.owner}: checked as ${scanned[0]}/${identity.name}; add ${identity.owner} to platform/argocd before delivering from it`,
  };
}

function simulateAll(view: RepoView, argo: ArgoObjects, delivered: boolean): Run[] | CheckOutcome {
  const catalog = catalogEntity(view);
  if ('outcome' in catalog) return catalog.outcome;
  const identity = simulatedIdentity(view, argo);
  if (!identity)
    return {
      status: 'fail',
      findings: [
        {
          file: CATALOG_FILE,
          field: 'metadata.annotations["github.com/project-slug"]',
          message:
            'has no github.com/project-slug annotation (owner/repository): the repository Argo CD would read is unknown',
        },
      ],
    };
  const appSets = argo.objects.filter(o => kindIs(o, 'ApplicationSet'));
  if (appSets.length === 0)
    return {
      status: 'fail',
      findings: [
        {
          file: view.platform!.display(view.platform!.dir),
          message: 'the platform has no ApplicationSet: no repository is ever deployed',
        },
      ],
    };
  const repo = simulatedRepository(view, identity, delivered);
  return appSets.map(appSet => ({ appSet, simulation: simulateApplicationSet(appSet, repo) }));
}

const sourcePath = (app: K8sObject): string | undefined =>
  app.spec?.source?.path ?? asArray(app.spec?.sources).find(s => typeof s?.path === 'string')?.path;
const sourceRepo = (app: K8sObject): string | undefined =>
  app.spec?.source?.repoURL ?? asArray(app.spec?.sources).find(s => typeof s?.repoURL === 'string')?.repoURL;
const syncOptions = (app: K8sObject): string[] => asArray(app.spec?.syncPolicy?.syncOptions).map(String);

/** argocd-schema: the platform's Argo CD objects, and the Applications they make for this repository, match the CRD schemas. */
export function checkArgoSchema(view: RepoView): CheckOutcome {
  const argo = argoObjects(view);
  if ('status' in argo) return argo;
  const findings: Finding[] = [];
  for (const obj of argo.objects) findings.push(...objectFindings(obj, argo.fileOf(obj)));
  const runs = simulateAll(view, argo, true);
  if (!Array.isArray(runs)) return findings.length ? outcomeOf(findings) : runs;
  for (const { appSet, simulation } of runs)
    for (const app of simulation.applications)
      for (const f of objectFindings(app, argo.fileOf(appSet)))
        findings.push({ ...f, message: `rendered for this repository by ${objectLabel(appSet)}: ${f.message}` });
  return outcomeOf(findings);
}

/** Does an AppProject glob (Argo CD's, `*` within a segment, and `*` alone for anything) match? */
const projectGlob = (pattern: unknown, value: string) =>
  pattern === '*' ||
  (typeof pattern === 'string' && filterPatternRegExp(pattern.replace(/\*\*/g, '*').replace(/\*/g, '**')).test(value));

function apiGroup(obj: K8sObject): string {
  const v = String(obj.apiVersion ?? '');
  return v.includes('/') ? v.split('/')[0] : '';
}
const kindListed = (list: unknown, obj: K8sObject) =>
  asArray(list).some(e => projectGlob(e?.group ?? '', apiGroup(obj)) && projectGlob(e?.kind, String(obj.kind)));

/** argocd-wiring: this repository is picked up, and each overlay becomes one Application its project permits. */
export function checkArgoWiring(view: RepoView): CheckOutcome {
  const argo = argoObjects(view);
  if ('status' in argo) return argo;
  const runs = simulateAll(view, argo, true);
  if (!Array.isArray(runs)) return runs;
  const findings: Finding[] = [];
  const identity = simulatedIdentity(view, argo)!;
  const repoUrl = `https://github.com/${identity.owner}/${identity.name}`;
  const apps = runs.flatMap(r => r.simulation.applications.map(app => ({ app, appSet: r.appSet })));
  for (const { appSet, simulation } of runs)
    for (const problem of simulation.unsupported)
      findings.push({
        file: argo.fileOf(appSet),
        message: `${objectLabel(appSet)}: cannot be checked offline: ${problem}`,
      });
  if (apps.length === 0) {
    const notes = runs.flatMap(r => r.simulation.notes.map(n => `${objectLabel(r.appSet)}: ${n}`));
    findings.push({
      file: argo.fileOf(runs[0].appSet),
      message: `no ApplicationSet picks up ${identity.owner}/${identity.name} (topics: ${view.repoTopics?.join(', ') || 'unknown'}): ${notes.join('; ') || 'no parameters'}`,
    });
    return outcomeOf(findings);
  }

  const names = new Map<string, number>();
  for (const { app } of apps) names.set(nameOf(app), (names.get(nameOf(app)) ?? 0) + 1);
  for (const [name, count] of names)
    if (count > 1)
      findings.push({
        file: argo.fileOf(apps[0].appSet),
        message: `${count} Applications for this repository are named ${name}`,
      });

  const projects = argo.objects.filter(o => kindIs(o, 'AppProject'));
  for (const build of view.builds ?? []) {
    const dir = `${OVERLAYS_DIR}/${build.env}`;
    const deploying = apps.filter(({ app }) => sourcePath(app)?.replace(/\/+$/, '') === dir);
    if (deploying.length === 0) {
      findings.push({
        file: build.sources.kustomizationFile,
        message: `no Application deploys ${dir} once a build is delivered to it (Applications: ${apps.map(a => `${nameOf(a.app)} → ${sourcePath(a.app)}`).join(', ')})`,
      });
      continue;
    }
    if (deploying.length > 1)
      findings.push({
        file: build.sources.kustomizationFile,
        message: `${deploying.length} Applications deploy ${dir}: ${deploying.map(a => nameOf(a.app)).join(', ')}`,
      });
    for (const { app, appSet } of deploying) {
      const at = (message: string): Finding => ({
        file: argo.fileOf(appSet),
        message: `Application ${nameOf(app)} (${dir}): ${message}`,
      });
      const url = sourceRepo(app);
      if (typeof url !== 'string' || !sameRepoUrl(url, repoUrl)) findings.push(at(`reads ${url}, not ${repoUrl}`));
      const revision = app.spec?.source?.targetRevision ?? 'HEAD';
      if (revision !== view.defaultBranch && revision !== 'HEAD')
        findings.push(at(`tracks ${revision}, but the delivery workflow commits to ${view.defaultBranch}`));
      const destNs = app.spec?.destination?.namespace;
      const objects = build.ok ? build.objects : [];
      const namespaces = [
        ...new Set(objects.filter(o => !CLUSTER_SCOPED.has(String(o.kind))).map(o => o.metadata?.namespace ?? destNs)),
      ];
      for (const ns of namespaces)
        if (ns !== destNs)
          findings.push({
            file: build.sources.namespaceSource ?? build.sources.kustomizationFile,
            field: 'namespace',
            message: `the overlay deploys into namespace ${JSON.stringify(ns)}, but Application ${nameOf(app)} targets ${JSON.stringify(destNs)}`,
          });
      const projectName = app.spec?.project;
      const project = projects.find(p => nameOf(p) === projectName);
      if (!project) {
        findings.push(
          at(
            `project ${JSON.stringify(projectName)} is not among the platform's AppProjects (${projects.map(nameOf).join(', ') || 'none'})`,
          ),
        );
        continue;
      }
      const pspec = project.spec ?? {};
      if (!asArray(pspec.sourceRepos).some(r => projectGlob(r, url ?? '') || projectGlob(r, `${repoUrl}.git`)))
        findings.push(
          at(
            `AppProject ${projectName} does not allow source ${url} (sourceRepos: ${asArray(pspec.sourceRepos).join(', ')})`,
          ),
        );
      const dest = app.spec?.destination ?? {};
      const allowed = asArray(pspec.destinations).some(
        d =>
          (dest.name !== undefined
            ? projectGlob(d?.name ?? '', dest.name)
            : projectGlob(d?.server ?? '', String(dest.server))) &&
          projectGlob(d?.namespace ?? '', String(dest.namespace)),
      );
      if (!allowed)
        findings.push(
          at(`AppProject ${projectName} does not allow destination ${dest.name ?? dest.server}/${dest.namespace}`),
        );
      for (const obj of objects) {
        const clusterScoped = CLUSTER_SCOPED.has(String(obj.kind));
        const whitelist = clusterScoped ? pspec.clusterResourceWhitelist : pspec.namespaceResourceWhitelist;
        const blacklist = clusterScoped ? pspec.clusterResourceBlacklist : pspec.namespaceResourceBlacklist;
        const permitted =
          (clusterScoped ? kindListed(whitelist, obj) : whitelist === undefined || kindListed(whitelist, obj)) &&
          !kindListed(blacklist, obj);
        if (!permitted)
          findings.push({
            file: build.sources.fileOf(obj),
            message: `${objectLabel(obj)} (${apiGroup(obj) || 'core'}/${String(obj.kind)}) is not permitted by AppProject ${projectName}: Argo CD refuses to sync ${dir} [overlay ${build.env}]`,
          });
      }
    }
  }

  // Backstage's Argo CD plugin finds the Applications through the catalog annotation.
  const annotations = firstDoc(view, CATALOG_FILE)?.metadata?.annotations ?? {};
  const appName = annotations['argocd/app-name'];
  const appSelector = annotations['argocd/app-selector'];
  if (appName === undefined && appSelector === undefined)
    findings.push({
      file: CATALOG_FILE,
      field: 'metadata.annotations',
      message: 'has neither argocd/app-name nor argocd/app-selector: Backstage shows no deployments',
    });
  if (typeof appName === 'string' && !names.has(appName))
    findings.push({
      file: CATALOG_FILE,
      field: 'metadata.annotations["argocd/app-name"]',
      message: `names ${appName}, but the Applications are ${[...names.keys()].join(', ')}`,
    });
  if (typeof appSelector === 'string') {
    const selector = parseSelectorString(appSelector);
    const missed = apps.filter(
      ({ app }) => !selector || !Object.entries(selector).every(([k, v]) => stringMap(app.metadata?.labels)[k] === v),
    );
    if (missed.length)
      findings.push({
        file: CATALOG_FILE,
        field: 'metadata.annotations["argocd/app-selector"]',
        message: `${JSON.stringify(appSelector)} does not select ${missed.map(a => `${nameOf(a.app)} (labels: ${JSON.stringify(stringMap(a.app.metadata?.labels))})`).join(', ')}`,
      });
  }
  const result = outcomeOf(findings);
  return identity.note && result.status === 'pass' ? { ...result, note: identity.note } : result;
}

/** argocd-stateful-sync: the sync policy of this repository's Applications suits a StatefulSet with volumes. */
export function checkArgoStatefulSync(view: RepoView): CheckOutcome {
  const argo = argoObjects(view);
  if ('status' in argo) return argo;
  const runs = simulateAll(view, argo, true);
  if (!Array.isArray(runs)) return runs;
  const findings: Finding[] = [];
  for (const { appSet, simulation } of runs) {
    const file = argo.fileOf(appSet);
    if (simulation.applications.length && appSet.spec?.syncPolicy?.preserveResourcesOnDeletion !== true)
      findings.push({
        file,
        field: 'spec.syncPolicy.preserveResourcesOnDeletion',
        message: `${objectLabel(appSet)}: deleting it, or a repository losing its topic, deletes the Applications and with them the StatefulSets (set preserveResourcesOnDeletion: true)`,
      });
    for (const app of simulation.applications) {
      const build = (view.builds ?? []).find(b => `${OVERLAYS_DIR}/${b.env}` === sourcePath(app)?.replace(/\/+$/, ''));
      const objects = build?.ok ? build.objects : [];
      const at = (field: string, message: string): Finding => ({
        file,
        field: `spec.template.${field}`,
        message: `Application ${nameOf(app)}: ${message}`,
      });
      const options = syncOptions(app);
      if (!options.includes('ServerSideApply=true'))
        findings.push(
          at(
            'spec.syncPolicy.syncOptions',
            'does not use ServerSideApply=true (field ownership with the StatefulSet controller and HPA; no last-applied annotation size limit)',
          ),
        );
      for (const bad of ['Replace=true', 'Force=true'])
        if (options.includes(bad))
          findings.push(
            at('spec.syncPolicy.syncOptions', `uses ${bad}: a StatefulSet would be deleted and recreated on sync`),
          );
      const prunes = app.spec?.syncPolicy?.automated?.prune === true;
      for (const obj of objects.filter(o => kindIs(o, 'PersistentVolumeClaim'))) {
        const opts = String(obj.metadata?.annotations?.['argocd.argoproj.io/sync-options'] ?? '');
        if (prunes && !/\bPrune=false\b/.test(opts))
          findings.push({
            file: build!.sources.fileOf(obj),
            message: `${objectLabel(obj)} is managed from Git with automated pruning: removing it from Git deletes the volume (let the StatefulSet's volumeClaimTemplates make PVCs, or annotate argocd.argoproj.io/sync-options: Prune=false) [overlay ${build!.env}]`,
          });
      }
      for (const sts of objects.filter(
        o => kindIs(o, 'StatefulSet') && asArray(o.spec?.volumeClaimTemplates).length > 0,
      )) {
        const ignored = asArray(app.spec?.ignoreDifferences).some(
          d =>
            (d?.group ?? '') === 'apps' &&
            d?.kind === 'StatefulSet' &&
            (d?.name === undefined || d.name === nameOf(sts)) &&
            (asArray(d?.jsonPointers).includes('/spec/volumeClaimTemplates') ||
              asArray(d?.jqPathExpressions).includes('.spec.volumeClaimTemplates')),
        );
        if (!ignored)
          findings.push(
            at(
              'spec.ignoreDifferences',
              `does not ignore /spec/volumeClaimTemplates of ${objectLabel(sts)}: a storage size change in Git makes every sync fail (the field is immutable)`,
            ),
          );
        else if (!options.includes('RespectIgnoreDifferences=true'))
          findings.push(
            at(
              'spec.syncPolicy.syncOptions',
              `ignores /spec/volumeClaimTemplates of ${objectLabel(sts)} in the diff but still applies it (add RespectIgnoreDifferences=true), so the sync still fails`,
            ),
          );
      }
    }
  }
  return outcomeOf(findings);
}

/**
 * overlays-await-build: as generated, no overlay is deployed: each waits for
 * the delivery workflow to build an image and record it, so Argo CD never
 * pulls a tag nobody built.
 */
export function checkOverlaysAwaitBuild(view: RepoView): CheckOutcome {
  const findings: Finding[] = [];
  for (const f of view.files)
    if (new RegExp(`^${OVERLAYS_DIR}/[^/]+/${RELEASE_RECORD_FILE.replace('.', '\\.')}$`).test(f))
      findings.push({
        file: f,
        message: `ships with the repository: Argo CD would deploy ${f.split('/').slice(0, -1).join('/')} before any build reached it`,
      });
  const argo = argoObjects(view);
  if ('status' in argo) return findings.length ? outcomeOf(findings) : argo;
  const runs = simulateAll(view, argo, false);
  if (!Array.isArray(runs)) return findings.length ? outcomeOf(findings) : runs;
  for (const { appSet, simulation } of runs)
    for (const app of simulation.applications) {
      const build = (view.builds ?? []).find(b => `${OVERLAYS_DIR}/${b.env}` === sourcePath(app)?.replace(/\/+$/, ''));
      const images = podTemplates(build?.ok ? build.objects : []).flatMap(t =>
        containers(t).map(c => String(c.container.image)),
      );
      findings.push({
        file: argo.fileOf(appSet),
        message: `${objectLabel(appSet)} deploys ${sourcePath(app)} of a freshly generated repository as Application ${nameOf(app)}, before any build reached it (it would pull ${images.join(', ') || 'nothing'}): generate Applications only for overlays with a ${RELEASE_RECORD_FILE}`,
      });
    }
  return outcomeOf(findings);
}
