import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';

// The two plugins the golden path needs: the catalog (template list, entity
// pages) and the scaffolder (the Create form, the task page).
export default createApp({
  features: [catalogPlugin, scaffolderPlugin],
});
