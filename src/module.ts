import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderTemplatingExtensionPoint } from '@backstage/plugin-scaffolder-node/alpha';
import { yamlQuoteFilter } from './templating/yamlQuote';
import { createValidateStatefulAppAction } from './actions/validate';
import { readStatefulAppPolicy } from './validation/config';

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
      },
      async init({ scaffolder, templating, config }) {
        const policy = readStatefulAppPolicy(config);
        scaffolder.addActions(createValidateStatefulAppAction({ policy }));
        // The skeleton quotes user text with it, so YAML files cannot be broken.
        templating.addTemplateFilters([yamlQuoteFilter]);
      },
    });
  },
});
