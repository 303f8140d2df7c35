/**
 * Stateful App golden path: a scaffolder backend module and its actions.
 *
 * @packageDocumentation
 */
export { statefulAppModule as default } from './module';
export { createValidateStatefulAppAction, VALIDATE_ACTION_ID } from './actions/validate';
export { readStatefulAppPolicy, DEFAULT_POLICY, ENVIRONMENTS } from './validation/config';
export type { StatefulAppPolicy, Environment } from './validation/config';
export { parseDiskQuantity } from './validation/quantity';
export { parseContainerPort } from './validation/port';
export { parseMountPath } from './validation/mountPath';
export { componentNameProblems } from './validation/resourceName';
export { validateStatefulApp } from './validation/statefulApp';
export { createGithubRepoCreateAction, GITHUB_REPO_CREATE_ACTION_ID } from './actions/githubRepoCreate';
export { createGithubPushAction, GITHUB_PUSH_ACTION_ID } from './actions/githubPush';
export { readGithubClientOptions, DEFAULT_GITHUB_CLIENT_OPTIONS } from './github/clientOptions';
export type { GithubClientOptions } from './github/clientOptions';
export { yamlQuote, yamlQuoteFilter } from './templating/yamlQuote';
export { createCatalogRegisterAction, CATALOG_REGISTER_ACTION_ID } from './actions/catalogRegister';
export { validateCatalogFile } from './catalog/entityValidation';
