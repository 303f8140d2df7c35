import { POLICY_RULES } from './policy/rules';

/** Name, title and why of every check, in report order. Config and report both read this list. */
export type CheckInfo = { name: string; title: string; why: string };

const before: CheckInfo[] = [
  {
    name: 'yaml-parse',
    title: 'every YAML file parses, with no duplicate keys',
    why: 'A duplicate key is silently resolved differently by different YAML parsers; a file that does not parse breaks kustomize, the catalog or GitHub.',
  },
  {
    name: 'no-structure-from-text',
    title: 'no user text became YAML structure (expected documents, keys and types; no anchors, aliases or tags)',
    why: 'Template values are pasted into YAML: a value that escapes its quoting can add keys, documents or references the template never wrote.',
  },
  {
    name: 'kustomize-build',
    title: 'every overlay under deploy/overlays builds with kustomize',
    why: 'What gets deployed is the kustomize output; an overlay that does not build never deploys.',
  },
  {
    name: 'kubernetes-schema',
    title: 'every built object matches the Kubernetes schema (no unknown fields; valid ports, names and labels)',
    why: 'The API server rejects invalid objects and silently drops unknown fields, such as a misspelt replica:.',
  },
];

const after: CheckInfo[] = [
  {
    name: 'catalog-entity',
    title: 'catalog-info.yaml is a valid Backstage entity with a valid owner',
    why: 'The catalog refuses an invalid entity: the new repository would never appear in Backstage, or appear without an owner.',
  },
  {
    name: 'catalog-plugin-annotations',
    title:
      "the catalog's Kubernetes annotations (kubernetes-id, label selector, namespace) find the component's objects",
    why: "Backstage's Kubernetes plugin shows only the objects these annotations select: a mismatch leaves the Kubernetes tab empty.",
  },
  {
    name: 'techdocs',
    title:
      'backstage.io/techdocs-ref points at a MkDocs site (site_name, docs/index.md, every nav page, techdocs-core)',
    why: 'TechDocs builds the Docs tab from it; a missing page or config fails that build.',
  },
  {
    name: 'codeowners',
    title: 'CODEOWNERS gives every file to the catalog owner',
    why: 'Code owners are asked to review every change, promotions to prod included; an owner who is not the catalog owner reviews nothing they own.',
  },
  {
    name: 'base-image-pinned',
    title: 'the Dockerfile base image is pinned by digest or an exact version tag',
    why: 'A floating tag (3.12-slim, latest) gives two builds of the same commit different bases: what was tested is not what ships.',
  },
  {
    name: 'image-metadata',
    title:
      'the image carries OCI labels (title, source, revision, base.name) and a .dockerignore keeps the build context lean',
    why: 'The labels trace a running image to its commit and base; without .dockerignore the Git history and local files are sent to the build.',
  },
  {
    name: 'workflow-syntax',
    title: 'every GitHub Actions workflow is valid',
    why: 'GitHub does not run a workflow it cannot parse, and says so only after the push.',
  },
  {
    name: 'delivery-workflow-contract',
    title:
      "the thin caller and the platform's reusable delivery workflow agree on inputs, secrets, outputs, permissions, environments and the image name",
    why: 'GitHub refuses a call with an undeclared input or more permissions than granted only when the run starts; a wrong image name means the new tag never reaches the pods.',
  },
  {
    name: 'delivery-no-retrigger',
    title: "the delivery workflow's tag commit cannot start another delivery, and only main or a manual run delivers",
    why: 'The tag commit is pushed with a token that starts workflows: unless deploy/** is ignored, every delivery starts the next one.',
  },
  {
    name: 'argocd-schema',
    title:
      "the platform's Argo CD objects, and the Applications they make for this repository, match the Argo CD CRD schemas",
    why: 'Argo CD drops unknown fields and refuses invalid objects: a misspelt sync option is silently ignored.',
  },
  {
    name: 'argocd-wiring',
    title:
      "the ApplicationSet picks this repository up and deploys each delivered overlay as one Application its AppProject permits, found by the catalog's argocd annotation",
    why: 'Otherwise the repository is never deployed, lands in the wrong namespace or cluster, is refused by the project, or is invisible in Backstage.',
  },
  {
    name: 'argocd-stateful-sync',
    title:
      'the sync policy suits a StatefulSet with volumes: volumeClaimTemplates ignored and respected, server-side apply, no pruned PVCs, workloads kept when the ApplicationSet goes',
    why: 'volumeClaimTemplates are immutable: applying a changed size fails every sync; a pruned PVC is lost data.',
  },
  {
    name: 'overlays-await-build',
    title: 'no overlay is deployed before the delivery workflow built and recorded an image for it',
    why: 'An overlay deployed with a tag nobody built sits in ImagePullBackOff.',
  },
  {
    name: 'app-runs',
    title: 'the app starts, answers /healthz and /readyz, and keeps a value across a restart',
    why: 'The skeleton promises a working stateful service: one that boots, reports readiness and persists to DATA_DIR.',
  },
  {
    name: 'app-replicas-forward',
    title:
      'as three pods (own data folders, peers on loopback through PEER_ADDRESSES), a value written, replaced or deleted through any pod is seen through every other, and is stored in exactly one folder',
    why: 'Behind the -lb Service each request lands on any pod: without one owner per key and forwarding, a value written through one pod is a 404 through the next.',
  },
  {
    name: 'app-bad-requests',
    title:
      'bad requests get the stated answers and store nothing: Content-Length negative or not a number (400/411), missing (411/400), over 1 MiB (413 before the body), chunked (stored exactly, or 411), query string not in the key, bad keys (400)',
    why: 'A negative Content-Length skipped the size limit, a chunked PUT stored an empty value, and /kv/a?x=1 was another key than /kv/a: requests a client or proxy really sends.',
  },
  {
    name: 'app-replicas-restart',
    title:
      'a pod killed with SIGKILL and restarted on its data folder serves its keys again, never reports them missing while down, and removes leftover temporary files at start',
    why: 'Pods crash and get rescheduled: a key must survive that and never be reported as absent just because its pod is away.',
  },
  {
    name: 'app-graceful-shutdown',
    title:
      "the StatefulSet's preStop hook turns readiness false; on SIGTERM during a slow upload the pod stops accepting connections, the upload completes with 201 and is readable or fails with nothing stored, and the pod exits",
    why: 'Every rollout and node drain stops pods with SIGTERM: a write that got 201 must be on disk, and clients must not be routed to a pod that is going away.',
  },
];

export const CHECKS: CheckInfo[] = [
  ...before,
  ...POLICY_RULES.map(({ name, title, why }) => ({ name, title, why })),
  ...after,
];
export const CHECK_NAMES: string[] = CHECKS.map(c => c.name);
