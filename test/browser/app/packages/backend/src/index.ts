// The backend of a Backstage app made with @backstage/create-app, trimmed to
// what the golden path needs, with the Stateful App module installed as an
// adopter installs it (see test/browser/README.md).
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

// serves the built frontend (packages/app/dist) with the runtime config
backend.add(import('@backstage/plugin-app-backend'));

backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));

backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@goldenpathidp/plugin-scaffolder-backend-module-stateful-app'));

backend.start();
