/**
 * The generated thin caller (.github/workflows/delivery.yml) against the
 * platform's reusable delivery workflow: do they agree on inputs, secrets,
 * outputs and token permissions (GitHub rejects a mismatch only when the run
 * starts), and can the delivery's own tag commit never start another delivery?
 */
import { validateWorkflow } from '@action-validator/core';
import { OVERLAYS_DIR } from '../kustomize';
import { kindIs, podTemplates, containers } from '../policy/k8s';
import { CheckOutcome, Finding } from '../types';
import { asArray, fieldPath, isRecord } from '../util';
import { quietly } from '../workflow';
import { pushStartsWorkflow } from './githubFilters';
import { PlatformWorkflow } from './load';
import { needPlatform, outcomeOf, overlayNames, RepoView, repoWorkflows } from './context';

/** GitHub events other than push and workflow_dispatch: none of them may start a delivery. */
const OTHER_EVENTS = new Set([
  'branch_protection_rule',
  'check_run',
  'check_suite',
  'create',
  'delete',
  'deployment',
  'deployment_status',
  'discussion',
  'discussion_comment',
  'fork',
  'gollum',
  'issue_comment',
  'issues',
  'label',
  'merge_group',
  'milestone',
  'page_build',
  'public',
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_target',
  'registry_package',
  'release',
  'repository_dispatch',
  'schedule',
  'status',
  'watch',
  'workflow_call',
  'workflow_run',
]);

/** The file the delivery workflow writes beside each overlay's kustomization in its tag commit. */
export const RELEASE_RECORD_FILE = 'release.yaml';

const CALL = /^([^/\s]+)\/([^/\s]+)\/\.github\/workflows\/([^@/\s]+)@(\S+)$/;
const isExpression = (v: unknown) => typeof v === 'string' && v.includes('${{');

export type DeliveryCall = {
  callerFile: string;
  caller: Record<string, any>;
  jobId: string;
  job: Record<string, any>;
  uses: string;
  callee?: PlatformWorkflow;
};

/** Jobs of the repository's workflows that call a reusable workflow in another repository. */
export function deliveryCalls(view: RepoView): DeliveryCall[] {
  const calls: DeliveryCall[] = [];
  for (const wf of repoWorkflows(view)) {
    for (const [jobId, job] of Object.entries(isRecord(wf.doc.jobs) ? wf.doc.jobs : {})) {
      const uses = isRecord(job) ? job.uses : undefined;
      const m = typeof uses === 'string' ? CALL.exec(uses) : null;
      if (!m) continue;
      calls.push({
        callerFile: wf.file,
        caller: wf.doc,
        jobId,
        job: job as Record<string, any>,
        uses: uses as string,
        callee: view.platform?.workflows.find(w => w.name === m[3]),
      });
    }
  }
  return calls;
}

/** The one delivery call, or the outcome that explains why there is none. */
function theCall(view: RepoView): DeliveryCall | CheckOutcome {
  const skip = needPlatform(view);
  if (skip) return skip;
  const calls = deliveryCalls(view);
  const names = view.platform!.workflows.map(w => w.name).join(', ') || 'none';
  if (calls.length === 0)
    return {
      status: 'fail',
      findings: [
        {
          file: '.github/workflows',
          message: `no workflow job calls the platform's reusable delivery workflow (platform workflows: ${names})`,
        },
      ],
    };
  const call = calls.find(c => c.callee) ?? calls[0];
  if (!call.callee)
    return {
      status: 'fail',
      findings: [
        {
          file: call.callerFile,
          field: `jobs.${call.jobId}.uses`,
          message: `${call.uses} names a workflow the platform does not ship (platform workflows: ${names})`,
        },
      ],
    };
  return call;
}

type Level = 0 | 1 | 2;
const LEVEL: Record<string, Level> = { none: 0, read: 1, write: 2 };
const LEVEL_NAME = ['none', 'read', 'write'];

/** A `permissions:` value as scope → level; `undefined` when not declared. */
function permissionsOf(value: unknown): { all?: Level; scopes: Record<string, Level> } | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'read-all') return { all: 1, scopes: {} };
  if (value === 'write-all') return { all: 2, scopes: {} };
  if (!isRecord(value)) return { scopes: {} };
  return { scopes: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, LEVEL[String(v)] ?? 0])) };
}
const levelOf = (p: { all?: Level; scopes: Record<string, Level> }, scope: string): Level =>
  p.scopes[scope] ?? p.all ?? 0;

/** Inputs and secrets a workflow's text reads (`inputs.x`, `secrets.x`), to find undeclared ones. */
function referenced(text: string, context: 'inputs' | 'secrets'): Set<string> {
  const names = new Set<string>();
  for (const expr of text.match(/\$\{\{[\s\S]*?\}\}/g) ?? [])
    for (const m of expr.matchAll(new RegExp(`\\b${context}\\.([A-Za-z_][\\w-]*)`, 'g'))) names.add(m[1]);
  return names;
}

/**
 * delivery-workflow-contract: the reusable workflow is valid GitHub Actions
 * with a workflow_call trigger, and the caller passes exactly what it declares.
 */
export function checkDeliveryContract(view: RepoView): CheckOutcome {
  const call = theCall(view);
  if ('status' in call) return call;
  const callee = call.callee!;
  const findings: Finding[] = [];
  const atCaller = (field: string, message: string) =>
    findings.push({ file: call.callerFile, field: `jobs.${call.jobId}.${field}`, message });
  const atCallee = (field: string | undefined, message: string) =>
    findings.push({ file: callee.file, ...(field ? { field } : {}), message });

  if (callee.parseError || !isRecord(callee.doc)) {
    atCallee(undefined, `does not parse: ${callee.parseError ?? 'not a mapping'}`);
    return outcomeOf(findings);
  }
  for (const err of quietly(() => validateWorkflow(callee.text)).errors)
    atCallee(undefined, `not a valid GitHub Actions workflow: ${err.title}${err.detail ? `: ${err.detail}` : ''}`);
  const trigger = isRecord(callee.doc.on) ? callee.doc.on.workflow_call : undefined;
  if (trigger === undefined) {
    atCallee('on', 'has no workflow_call trigger: it cannot be called from another workflow');
    return outcomeOf(findings);
  }
  const declaredInputs: Record<string, any> = isRecord(trigger?.inputs) ? trigger.inputs : {};
  const declaredSecrets: Record<string, any> = isRecord(trigger?.secrets) ? trigger.secrets : {};
  const declaredOutputs: Record<string, any> = isRecord(trigger?.outputs) ? trigger.outputs : {};

  // Inputs: every one passed is declared, every required one is passed, literal types match.
  const given: Record<string, unknown> = isRecord(call.job.with) ? call.job.with : {};
  for (const [name, value] of Object.entries(given)) {
    const spec = declaredInputs[name];
    if (!isRecord(spec)) {
      atCaller(
        fieldPath(['with', name]),
        `passes input "${name}", which ${callee.name} does not declare (declared: ${Object.keys(declaredInputs).join(', ') || 'none'}): GitHub refuses the run`,
      );
      continue;
    }
    const type = String(spec.type ?? 'string');
    const wrong =
      !isExpression(value) &&
      ((type === 'boolean' && typeof value !== 'boolean') ||
        (type === 'number' && typeof value !== 'number') ||
        (type === 'string' && (value === null || typeof value === 'object')));
    if (wrong)
      atCaller(
        fieldPath(['with', name]),
        `input "${name}" is a ${type} in ${callee.name}, but ${JSON.stringify(value)} is passed`,
      );
  }
  for (const [name, spec] of Object.entries(declaredInputs)) {
    if (isRecord(spec) && spec.required === true && spec.default === undefined && !(name in given))
      atCaller('with', `does not pass the required input "${name}" of ${callee.name}`);
  }

  // Secrets: inherit passes all; a mapping must name declared secrets and cover the required ones.
  const secrets = call.job.secrets;
  if (secrets !== 'inherit') {
    const passed: Record<string, unknown> = isRecord(secrets) ? secrets : {};
    for (const name of Object.keys(passed))
      if (!(name in declaredSecrets))
        atCaller(
          fieldPath(['secrets', name]),
          `passes secret "${name}", which ${callee.name} does not declare (declared: ${Object.keys(declaredSecrets).join(', ') || 'none'})`,
        );
    for (const [name, spec] of Object.entries(declaredSecrets))
      if (isRecord(spec) && spec.required === true && !(name in passed))
        atCaller('secrets', `does not pass the required secret "${name}" of ${callee.name}`);
  }

  // The callee may only use what it declares.
  for (const name of referenced(callee.text, 'inputs'))
    if (!(name in declaredInputs)) atCallee(undefined, `uses inputs.${name}, which its workflow_call does not declare`);
  for (const name of referenced(callee.text, 'secrets'))
    if (name !== 'GITHUB_TOKEN' && !(name in declaredSecrets))
      atCallee(
        undefined,
        `uses secrets.${name}, which its workflow_call does not declare (a called workflow sees only those)`,
      );

  // Outputs the caller reads.
  const callerText = JSON.stringify(call.caller);
  for (const m of callerText.matchAll(new RegExp(`needs\\.${call.jobId}\\.outputs\\.([A-Za-z_][\\w-]*)`, 'g')))
    if (!(m[1] in declaredOutputs))
      atCaller(
        'uses',
        `reads output "${m[1]}" of ${callee.name}, which declares ${Object.keys(declaredOutputs).join(', ') || 'none'}`,
      );

  // Token permissions: a called workflow's jobs get at most what the calling job grants.
  const grant = permissionsOf(call.job.permissions) ?? permissionsOf(call.caller.permissions);
  if (!grant)
    atCaller('permissions', 'declares no permissions: the called jobs would get the repository default token');
  else {
    const calleeDefault = permissionsOf(callee.doc.permissions);
    for (const [jobId, job] of Object.entries(isRecord(callee.doc.jobs) ? callee.doc.jobs : {})) {
      const wants = permissionsOf(isRecord(job) ? job.permissions : undefined) ?? calleeDefault;
      if (!wants) continue; // inherits the caller's grant
      const scopes = new Set([...Object.keys(wants.scopes), ...(wants.all ? Object.keys(grant.scopes) : [])]);
      for (const scope of scopes) {
        const need = levelOf(wants, scope);
        if (need > levelOf(grant, scope))
          atCaller(
            'permissions',
            `${callee.name} job "${jobId}" needs ${scope}: ${LEVEL_NAME[need]}, but this job grants ${scope}: ${LEVEL_NAME[levelOf(grant, scope)]}: GitHub refuses the run`,
          );
      }
    }
  }

  // Environments and the image name, against the repository's overlays.
  const overlays = overlayNames(view);
  const envExpr = given.environment;
  const dispatchInputs =
    isRecord(call.caller.on) && isRecord(call.caller.on.workflow_dispatch?.inputs)
      ? call.caller.on.workflow_dispatch.inputs
      : {};
  const dispatchName = typeof envExpr === 'string' ? /\binputs\.([A-Za-z_][\w-]*)/.exec(envExpr)?.[1] : undefined;
  const options = dispatchName ? asArray(dispatchInputs[dispatchName]?.options).map(String) : [];
  for (const option of options)
    if (!overlays.includes(option))
      findings.push({
        file: call.callerFile,
        field: fieldPath(['on', 'workflow_dispatch', 'inputs', dispatchName!, 'options']),
        message: `offers environment "${option}", which has no overlay ${OVERLAYS_DIR}/${option}`,
      });
  for (const overlay of overlays)
    if (dispatchName && options.length && !options.includes(overlay))
      findings.push({
        file: call.callerFile,
        field: fieldPath(['on', 'workflow_dispatch', 'inputs', dispatchName, 'options']),
        message: `does not offer ${overlay}: overlay ${OVERLAYS_DIR}/${overlay} can never be delivered to`,
      });
  const order = String(given.environments ?? declaredInputs.environments?.default ?? '')
    .split(/\s+/)
    .filter(Boolean);
  const first = given['first-environment'];
  if (typeof first === 'string' && !isExpression(first)) {
    if (!overlays.includes(first))
      atCaller(
        fieldPath(['with', 'first-environment']),
        `names ${first}, which has no overlay ${OVERLAYS_DIR}/${first}`,
      );
    if (order.length && !order.includes(first))
      atCaller(
        fieldPath(['with', 'first-environment']),
        `names ${first}, which is not in the promotion order (${order.join(' ')})`,
      );
  }
  if (order.length)
    for (const overlay of overlays)
      if (!order.includes(overlay))
        atCaller(
          'with',
          `overlay ${overlay} is not in the promotion order (${order.join(' ')}): nothing can be promoted to it`,
        );

  const appName = given['app-name'];
  if (typeof appName === 'string' && !isExpression(appName)) {
    for (const build of view.builds ?? []) {
      if (!build.ok) continue;
      for (const t of podTemplates(build.objects).filter(x => kindIs(x.owner, 'StatefulSet'))) {
        const written = build.sources.sourceDoc(t.owner);
        const names = containers({ ...t, spec: written?.spec?.template?.spec ?? {} }, { includeInit: false }).map(c =>
          String(c.container.image ?? '').replace(/[:@].*$/, ''),
        );
        if (written && !names.includes(appName))
          findings.push({
            file: build.sources.fileOf(t.owner),
            field: 'spec.template.spec.containers[0].image',
            message: `the delivery workflow sets the image named "${appName}" (kustomize edit set image ${appName}=…), but the containers' images are ${names.join(', ') || 'none'}: the new tag would never reach the pods [overlay ${build.env}]`,
          });
      }
    }
  }
  return outcomeOf(findings);
}

/**
 * delivery-no-retrigger: the tag commit the delivery workflow pushes does not
 * start the caller again, and nothing but a push to the default branch or a
 * manual run delivers.
 */
export function checkNoRetrigger(view: RepoView): CheckOutcome {
  const call = theCall(view);
  if ('status' in call) return call;
  const findings: Finding[] = [];
  const on = call.caller.on;
  for (const overlay of overlayNames(view)) {
    const changed = [
      `${OVERLAYS_DIR}/${overlay}/kustomization.yaml`,
      `${OVERLAYS_DIR}/${overlay}/${RELEASE_RECORD_FILE}`,
    ];
    const decision = pushStartsWorkflow(on, view.defaultBranch, changed);
    if (decision.runs)
      findings.push({
        file: call.callerFile,
        field: 'on.push',
        message: `the delivery commit to ${OVERLAYS_DIR}/${overlay} (${changed.map(f => f.split('/').pop()).join(', ')}) would start this workflow again (${decision.reason}): exclude ${OVERLAYS_DIR}/** with paths-ignore`,
      });
  }
  const elsewhere = pushStartsWorkflow(on, 'a-feature-branch', ['app.py']);
  if (elsewhere.runs)
    findings.push({
      file: call.callerFile,
      field: 'on.push.branches',
      message: `a push to another branch would deliver (${elsewhere.reason}): restrict push to ${view.defaultBranch}`,
    });
  const triggers =
    typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : isRecord(on) ? Object.keys(on) : [];
  // Unknown keys are workflow-syntax's to report.
  for (const t of triggers.filter(x => OTHER_EVENTS.has(x)))
    findings.push({
      file: call.callerFile,
      field: fieldPath(['on', t]),
      message: `delivery runs on "${t}": only pushes to ${view.defaultBranch} and manual runs may deliver (a ${t} would build and deploy unreviewed code)`,
    });
  return outcomeOf(findings);
}

/** The caller's `with:` literal for an input, when it is one. */
export function callerLiteral(view: RepoView, input: string): string | undefined {
  const call = deliveryCalls(view)[0];
  const value = isRecord(call?.job.with) ? call.job.with[input] : undefined;
  return typeof value === 'string' && !isExpression(value) ? value : undefined;
}
