/**
 * Stateful App golden path: a scaffolder backend module and its actions.
 *
 * `backend.add(import('@goldenpathidp/plugin-scaffolder-backend-module-stateful-app'))`
 *
 * @packageDocumentation
 */
export { statefulAppModule as default } from './module';

// The actions, for backends that wire them by hand.
export { createValidateStatefulAppAction, VALIDATE_ACTION_ID } from './actions/validate';
export type { ValidateStatefulAppActionOptions } from './actions/validate';
export { createGithubRepoCreateAction, GITHUB_REPO_CREATE_ACTION_ID } from './actions/githubRepoCreate';
export { createGithubPushAction, GITHUB_PUSH_ACTION_ID } from './actions/githubPush';
export type { GithubActionOptions } from './github/client';
export { readGithubClientOptions, DEFAULT_GITHUB_CLIENT_OPTIONS } from './github/clientOptions';
export type { GithubClientOptions } from './github/clientOptions';
export { createCatalogRegisterAction, CATALOG_REGISTER_ACTION_ID } from './actions/catalogRegister';
export type { CatalogRegisterActionOptions } from './actions/catalogRegister';
export { createWorkspaceFingerprintAction, WORKSPACE_FINGERPRINT_ACTION_ID } from './actions/workspaceFingerprint';
export type { WorkspaceFingerprintActionOptions } from './actions/workspaceFingerprint';
export { readTaskRecoverySettings } from './workspace/taskRecovery';
export type { TaskRecoverySettings } from './workspace/taskRecovery';

// The platform's rules, shared with the golden-path CLI's verification suite.
export { readStatefulAppPolicy, DEFAULT_POLICY, ENVIRONMENTS } from './validation/platformPolicy';
export type { StatefulAppPolicy, Environment } from './validation/platformPolicy';
export { validateStatefulApp } from './validation/statefulApp';
export { parseDiskQuantity } from './validation/quantity';
export { parseContainerPort } from './validation/port';
export { parseMountPath } from './validation/mountPath';
export {
  componentNameProblems,
  MAX_STATEFULSET_NAME_LENGTH,
  LOAD_BALANCER_SERVICE_SUFFIX,
} from './validation/resourceName';
export { validateCatalogFile, entityProblems } from './catalog/entityValidation';
export type { EntityProblem, CatalogFileValidation } from './catalog/entityValidation';
export { yamlQuote, yamlQuoteFilter } from './templating/yamlQuote';
