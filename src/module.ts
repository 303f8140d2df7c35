import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { ScmIntegrations } from '@backstage/integration';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderTemplatingExtensionPoint } from '@backstage/plugin-scaffolder-node/alpha';
import { createCatalogRegisterAction } from './actions/catalogRegister';
import { createGithubPushAction } from './actions/githubPush';
import { createGithubRepoCreateAction } from './actions/githubRepoCreate';
import { createValidateStatefulAppAction } from './actions/validate';
import { createWorkspaceFingerprintAction } from './actions/workspaceFingerprint';
import { readGithubClientOptions } from './github/clientOptions';
import { yamlQuoteFilter } from './templating/yamlQuote';
import { readStatefulAppPolicy } from './validation/platformPolicy';
import { readTaskRecoverySettings, recoveryWithoutWorkspaceWarning } from './workspace/taskRecovery';

/**
 * Adds the Stateful App golden path actions to the scaffolder:
 * `backend.add(import('@goldenpathidp/plugin-scaffolder-backend-module-stateful-app'))`.
 */
export const statefulAppModule = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'stateful-app',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        templating: scaffolderTemplatingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        catalog: catalogServiceRef,
      },
      async init({ scaffolder, templating, config, logger, catalog }) {
        // Both read at start-up, so a broken setting stops the backend instead of the first task.
        const policy = readStatefulAppPolicy(config);
        const clientOptions = readGithubClientOptions(config);
        const github = { integrations: ScmIntegrations.fromConfig(config), config, clientOptions };
        // Several replicas: a recovered task must get its workspace back, or the push refuses it.
        const recoveryWarning = recoveryWithoutWorkspaceWarning(readTaskRecoverySettings(config));
        if (recoveryWarning) logger.warn(recoveryWarning);

        scaffolder.addActions(
          createValidateStatefulAppAction({ policy }),
          createWorkspaceFingerprintAction({ config }),
          createGithubRepoCreateAction(github),
          createGithubPushAction(github),
          createCatalogRegisterAction({ catalog, config }),
        );
        // The skeleton quotes user text with it, so YAML files cannot be broken.
        templating.addTemplateFilters([yamlQuoteFilter]);
      },
    });
  },
});
