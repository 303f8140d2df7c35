/**
 * Checks on the generated repository's own files beyond the Kubernetes
 * objects: the image build (pinned base, OCI labels, .dockerignore), code
 * ownership, TechDocs, and the catalog annotations Backstage's Kubernetes
 * plugin reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { dockerInstructions, dockerLabels, dockerStages, imageReference, Instruction } from './dockerfile';
import { kindIs, podTemplates, stringMap } from './policy/k8s';
import { objectLabel } from './overlays';
import { CheckOutcome, Finding } from './types';
import { asArray, isRecord } from './util';
import { matchesFilters } from './platform/githubFilters';
import { catalogEntity, outcomeOf, RepoView } from './platform/context';
import { parseSelectorString } from './platform/applicationSet';

const DOCKERFILE = 'Dockerfile';
const DOCKERIGNORE = '.dockerignore';
const CATALOG_FILE = 'catalog-info.yaml';

function readDockerfile(view: RepoView): Instruction[] | CheckOutcome {
  if (!view.files.includes(DOCKERFILE))
    return {
      status: 'fail',
      findings: [
        { file: DOCKERFILE, message: 'there is no Dockerfile: the delivery workflow builds the image from it' },
      ],
    };
  return dockerInstructions(fs.readFileSync(path.join(view.root, DOCKERFILE), 'utf8'));
}

/** A tag that names one release (3.12.8-slim-bookworm, v1.2.3), not a line of releases (3.12-slim, 3, slim). */
const EXACT_VERSION_TAG = /^v?\d+\.\d+\.\d+(?:[-._+][\w.-]*)?$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** base-image-pinned: every base image is pinned by digest or by an exact version tag. */
export function checkBaseImagePinned(view: RepoView): CheckOutcome {
  const instructions = readDockerfile(view);
  if (!Array.isArray(instructions)) return instructions;
  const findings: Finding[] = [];
  const stages = dockerStages(instructions);
  if (stages.length === 0) findings.push({ file: DOCKERFILE, message: 'has no FROM instruction' });
  const aliases = new Set<string>();
  for (const stage of stages) {
    const at = (message: string) =>
      findings.push({ file: DOCKERFILE, field: `line ${stage.line}`, message: `FROM ${stage.written}: ${message}` });
    if (stage.image === 'scratch' || aliases.has(stage.image)) {
      if (stage.alias) aliases.add(stage.alias);
      continue;
    }
    if (stage.alias) aliases.add(stage.alias);
    if (stage.image.includes('$')) {
      at(
        'the base image depends on a build argument without a default: which image is built cannot be told from the Dockerfile',
      );
      continue;
    }
    const { tag, digest } = imageReference(stage.image);
    if (digest !== undefined) {
      if (!DIGEST.test(digest)) at(`digest ${digest} is not sha256:<64 hex digits>`);
    } else if (tag === undefined) at('no tag: it means :latest, whatever that is on the day of the build');
    else if (tag.toLowerCase() === 'latest') at('the :latest tag changes under every rebuild');
    else if (!EXACT_VERSION_TAG.test(tag))
      at(
        `tag ${tag} follows a release line, so a rebuild of the same commit can get another base: pin an exact version (e.g. 3.12.8-slim-bookworm) or a digest`,
      );
  }
  return outcomeOf(findings);
}

const REQUIRED_LABELS = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.source',
  'org.opencontainers.image.revision',
  'org.opencontainers.image.base.name',
];

/** .dockerignore patterns (last match wins, `!` re-includes) against a context path. */
function dockerIgnored(patterns: string[], file: string): boolean {
  return matchesFilters(
    file,
    patterns.flatMap(p => {
      const negated = p.startsWith('!');
      const body = (negated ? p.slice(1) : p).replace(/^\/+|\/+$/g, '');
      // A pattern also excludes everything under a matching folder.
      return [`${negated ? '!' : ''}${body}`, `${negated ? '!' : ''}${body}/**`];
    }),
  );
}

/** image-metadata: OCI labels that trace the image to its source and base, and a .dockerignore that keeps the context lean. */
export function checkImageMetadata(view: RepoView): CheckOutcome {
  const instructions = readDockerfile(view);
  if (!Array.isArray(instructions)) return instructions;
  const findings: Finding[] = [];
  const labels = dockerLabels(instructions);
  const args = new Set(instructions.filter(i => i.keyword === 'ARG').map(i => i.args.split('=')[0].trim()));
  for (const key of REQUIRED_LABELS) {
    const label = labels.get(key);
    if (!label || label.value.trim() === '') {
      findings.push({ file: DOCKERFILE, field: 'LABEL', message: `the image has no ${key} label` });
      continue;
    }
    for (const ref of label.value.matchAll(/\$\{?(\w+)/g))
      if (!args.has(ref[1]))
        findings.push({
          file: DOCKERFILE,
          field: `line ${label.line}`,
          message: `label ${key} uses $${ref[1]}, which no ARG declares`,
        });
  }
  const baseName = labels.get('org.opencontainers.image.base.name')?.value;
  const stages = dockerStages(instructions);
  const base = stages[stages.length - 1]?.image;
  if (baseName && base && !baseName.includes('$')) {
    const want = imageReference(base);
    const got = imageReference(baseName);
    const repoOf = (r: string) => r.replace(/^(docker\.io\/)?(library\/)?/, '');
    if (
      repoOf(got.repository) !== repoOf(want.repository) ||
      (got.tag ?? '') !== (want.tag ?? '') ||
      (got.digest ?? '') !== (want.digest ?? '')
    )
      findings.push({
        file: DOCKERFILE,
        field: `line ${labels.get('org.opencontainers.image.base.name')!.line}`,
        message: `org.opencontainers.image.base.name says ${baseName}, but the image is built FROM ${base}`,
      });
  }
  if (!view.files.includes(DOCKERIGNORE)) {
    findings.push({
      file: DOCKERIGNORE,
      message:
        'there is no .dockerignore: the whole repository (Git history, manifests, local files) is sent as build context',
    });
  } else {
    const patterns = fs
      .readFileSync(path.join(view.root, DOCKERIGNORE), 'utf8')
      .split(/\r?\n/)
      .map(l => l.trim())
      .filter(l => l && !l.startsWith('#'));
    if (!dockerIgnored(patterns, '.git/HEAD'))
      findings.push({
        file: DOCKERIGNORE,
        message: 'does not exclude .git: the Git history goes into the build context',
      });
    for (const ins of instructions.filter(
      i => (i.keyword === 'COPY' || i.keyword === 'ADD') && !/--from=/.test(i.args),
    )) {
      const words = ins.args.split(/\s+/).filter(w => !w.startsWith('--'));
      for (const source of words.slice(0, -1)) {
        if (/^[a-z]+:\/\//i.test(source) || source.includes('*')) continue;
        const rel = source.replace(/^\.\/+/, '').replace(/\/+$/, '');
        if (rel && rel !== '.' && dockerIgnored(patterns, rel))
          findings.push({
            file: DOCKERIGNORE,
            message: `excludes ${rel}, which the Dockerfile copies (line ${ins.line}): the build fails`,
          });
      }
    }
  }
  return outcomeOf(findings);
}

const CODEOWNERS_LOCATIONS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];
const OWNER_TOKEN = /^(@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/** codeowners: CODEOWNERS gives every file to the catalog owner (a GitHub team of the same name, or the user). */
export function checkCodeowners(view: RepoView): CheckOutcome {
  const file = CODEOWNERS_LOCATIONS.find(f => view.files.includes(f));
  if (!file)
    return {
      status: 'fail',
      findings: [
        {
          file: '.github/CODEOWNERS',
          message: 'there is no CODEOWNERS: no one is asked to review changes (promotions to prod included)',
        },
      ],
    };
  const findings: Finding[] = [];
  const rules: Array<{ pattern: string; owners: string[]; line: number }> = [];
  fs.readFileSync(path.join(view.root, file), 'utf8')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (!line) return;
      const [pattern, ...owners] = line.split(/\s+/);
      for (const owner of owners)
        if (!OWNER_TOKEN.test(owner))
          findings.push({
            file,
            field: `line ${i + 1}`,
            message: `${owner} is not a GitHub user (@name), team (@org/team) or e-mail address`,
          });
      rules.push({ pattern, owners, line: i + 1 });
    });
  const catchAll = [...rules].reverse().find(r => r.pattern === '*' || r.pattern === '/**' || r.pattern === '**');
  if (!catchAll || catchAll.owners.length === 0) {
    findings.push({ file, message: 'no "*" rule with an owner: some files have no code owner' });
    return outcomeOf(findings);
  }
  const catalog = catalogEntity(view);
  if ('outcome' in catalog) return findings.length ? outcomeOf(findings) : catalog.outcome;
  const ownerRef = catalog.entity.spec?.owner;
  const slug = String(catalog.entity.metadata?.annotations?.['github.com/project-slug'] ?? '');
  const m = typeof ownerRef === 'string' ? /^(?:([\w-]+):)?(?:([\w.-]+)\/)?([\w.-]+)$/.exec(ownerRef) : null;
  if (!m) {
    if (findings.length) return outcomeOf(findings);
    return {
      status: 'skip',
      findings: [],
      reason: `the catalog owner ${JSON.stringify(ownerRef)} is not an entity reference (see catalog-entity)`,
    };
  }
  const kind = (m[1] ?? 'group').toLowerCase();
  const org = slug.split('/')[0];
  const expected = kind === 'user' ? `@${m[3]}` : `@${org}/${m[3]}`;
  if (!catchAll.owners.some(o => o.toLowerCase() === expected.toLowerCase()))
    findings.push({
      file,
      field: `line ${catchAll.line}`,
      message: `"*" is owned by ${catchAll.owners.join(' ')}, but the catalog owner ${ownerRef} is ${expected} on GitHub`,
    });
  return outcomeOf(findings);
}

/** Every file a MkDocs nav names (URLs aside). */
function navFiles(nav: unknown): string[] {
  if (typeof nav === 'string') return /^[a-z]+:\/\//i.test(nav) ? [] : [nav];
  if (Array.isArray(nav)) return nav.flatMap(navFiles);
  if (isRecord(nav)) return Object.values(nav).flatMap(navFiles);
  return [];
}

/** techdocs: backstage.io/techdocs-ref points at a MkDocs site TechDocs can build. */
export function checkTechdocs(view: RepoView): CheckOutcome {
  const catalog = catalogEntity(view);
  if ('outcome' in catalog) return catalog.outcome;
  const ref = catalog.entity.metadata?.annotations?.['backstage.io/techdocs-ref'];
  const field = 'metadata.annotations["backstage.io/techdocs-ref"]';
  if (typeof ref !== 'string' || !ref)
    return {
      status: 'fail',
      findings: [
        {
          file: CATALOG_FILE,
          field,
          message: 'has no backstage.io/techdocs-ref: the component has no docs in Backstage',
        },
      ],
    };
  if (ref.startsWith('url:'))
    return { status: 'skip', findings: [], reason: `the docs live elsewhere (${ref}); not checked offline` };
  if (!ref.startsWith('dir:'))
    return {
      status: 'fail',
      findings: [{ file: CATALOG_FILE, field, message: `${ref} is neither dir:<path> nor url:<url>` }],
    };
  const dir = path.posix.normalize(ref.slice(4) || '.');
  if (dir.startsWith('..'))
    return { status: 'fail', findings: [{ file: CATALOG_FILE, field, message: `${ref} leaves the repository` }] };
  const inDir = (f: string) => (dir === '.' ? f : `${dir}/${f}`);
  const mkdocsFile = ['mkdocs.yml', 'mkdocs.yaml'].map(inDir).find(f => view.files.includes(f));
  if (!mkdocsFile)
    return {
      status: 'fail',
      findings: [
        {
          file: inDir('mkdocs.yml'),
          message: `there is no mkdocs.yml in ${dir}: TechDocs cannot build the docs (${ref})`,
        },
      ],
    };
  const findings: Finding[] = [];
  let config: any;
  try {
    // MkDocs configs may carry !!python tags; the golden path's does not, so a strict parse is fine here.
    config = YAML.parse(fs.readFileSync(path.join(view.root, mkdocsFile), 'utf8'));
  } catch (err) {
    return {
      status: 'fail',
      findings: [{ file: mkdocsFile, message: `does not parse: ${(err as Error).message.split('\n')[0]}` }],
    };
  }
  if (!isRecord(config)) return { status: 'fail', findings: [{ file: mkdocsFile, message: 'is not a mapping' }] };
  if (typeof config.site_name !== 'string' || !config.site_name)
    findings.push({ file: mkdocsFile, field: 'site_name', message: 'has no site_name (MkDocs requires one)' });
  const docsDir = inDir(typeof config.docs_dir === 'string' ? config.docs_dir.replace(/\/+$/, '') : 'docs');
  const docs = view.files.filter(f => f.startsWith(`${docsDir}/`));
  if (docs.length === 0) findings.push({ file: mkdocsFile, field: 'docs_dir', message: `${docsDir}/ holds no page` });
  else if (!docs.includes(`${docsDir}/index.md`) && !docs.includes(`${docsDir}/README.md`))
    findings.push({
      file: mkdocsFile,
      field: 'docs_dir',
      message: `${docsDir}/ has no index.md: the docs have no home page`,
    });
  for (const page of navFiles(config.nav))
    if (!view.files.includes(`${docsDir}/${page}`))
      findings.push({ file: mkdocsFile, field: 'nav', message: `nav names ${page}, which is not in ${docsDir}/` });
  const plugins = asArray(config.plugins).map(p => (isRecord(p) ? Object.keys(p)[0] : String(p)));
  if (!plugins.includes('techdocs-core'))
    findings.push({
      file: mkdocsFile,
      field: 'plugins',
      message: 'does not use the techdocs-core plugin that TechDocs builds with',
    });
  return outcomeOf(findings);
}

/** catalog-plugin-annotations: the Kubernetes plugin's annotations find this component's objects in every overlay. */
export function checkCatalogPluginAnnotations(view: RepoView): CheckOutcome {
  const catalog = catalogEntity(view);
  if ('outcome' in catalog) return catalog.outcome;
  const annotations = stringMap(catalog.entity.metadata?.annotations);
  const findings: Finding[] = [];
  const field = (key: string) => `metadata.annotations[${JSON.stringify(key)}]`;
  const id = annotations['backstage.io/kubernetes-id'];
  if (!id)
    findings.push({
      file: CATALOG_FILE,
      field: field('backstage.io/kubernetes-id'),
      message: "has no backstage.io/kubernetes-id: Backstage's Kubernetes tab stays empty",
    });
  const namespace = annotations['backstage.io/kubernetes-namespace'];
  const selectorText = annotations['backstage.io/kubernetes-label-selector'];
  const selector =
    selectorText !== undefined
      ? parseSelectorString(selectorText)
      : id
        ? { 'backstage.io/kubernetes-id': id }
        : undefined;
  if (selectorText !== undefined && !selector)
    findings.push({
      file: CATALOG_FILE,
      field: field('backstage.io/kubernetes-label-selector'),
      message: `${JSON.stringify(selectorText)} is not a key=value label selector`,
    });
  if (!view.builds)
    return findings.length ? outcomeOf(findings) : { status: 'skip', findings: [], reason: view.noBuilds };
  for (const build of view.builds.filter(b => b.ok)) {
    if (!build.ok) continue;
    for (const t of podTemplates(build.objects).filter(x => kindIs(x.owner, 'StatefulSet'))) {
      const ns = t.owner.metadata?.namespace;
      if (namespace !== undefined && ns !== namespace)
        findings.push({
          file: CATALOG_FILE,
          field: field('backstage.io/kubernetes-namespace'),
          message: `is ${namespace}, but ${objectLabel(t.owner)} runs in ${ns} [overlay ${build.env}]`,
        });
      if (!selector) continue;
      const shown = [
        {
          what: objectLabel(t.owner),
          labels: stringMap(t.owner.metadata?.labels),
          file: build.sources.fileOf(t.owner),
        },
        { what: `the pods of ${objectLabel(t.owner)}`, labels: t.labels, file: build.sources.fileOf(t.owner) },
        ...build.objects
          .filter(o => (kindIs(o, 'Service') || kindIs(o, 'Ingress')) && o.metadata?.namespace === ns)
          .map(o => ({ what: objectLabel(o), labels: stringMap(o.metadata?.labels), file: build.sources.fileOf(o) })),
      ];
      for (const s of shown)
        if (!Object.entries(selector).every(([k, v]) => s.labels[k] === v))
          findings.push({
            file: s.file,
            field: 'metadata.labels',
            message: `${s.what} does not carry ${Object.entries(selector)
              .map(([k, v]) => `${k}=${v}`)
              .join(
                ',',
              )} (${selectorText !== undefined ? 'backstage.io/kubernetes-label-selector' : 'backstage.io/kubernetes-id'} in catalog-info.yaml): Backstage does not show it [overlay ${build.env}]`,
          });
    }
  }
  return outcomeOf(findings);
}
