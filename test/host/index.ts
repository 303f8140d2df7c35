/**
 * Host harness: the packed module in a real Backstage backend, each part usable on its own.
 *
 *   const packed = packModule();                       // npm pack + checks (packed.problems)
 *   const project = createHostProject();               // an adopter's packages/backend, outside the repo
 *   await project.install();                           // strict peers
 *   await project.add(packed.tarball, { feature: packed.name });
 *   const pg = await startPostgres();                  // throw-away cluster on loopback
 *   const a = await startHostBackend({ project, database: pg, name: 'a', config });
 *   const b = await startHostBackend({ project, database: pg, name: 'b', config }); // a replica
 *   await a.api.listActions();                         // REST calls with the static token
 *   await b.stop(); await a.stop(); await pg.stop(); project.remove();
 */
export { packModule, REPO_ROOT } from './packModule';
export type { PackedModule } from './packModule';
export { importedPackages, packageNameOf, dependencyProblems } from './packageImports';
export {
  createHostProject,
  npmEnvironment,
  ADOPTER_BACKEND_DEPENDENCIES,
  ADOPTER_BACKEND_FEATURES,
} from './hostProject';
export type { HostProject, HostProjectOptions, NpmRun } from './hostProject';
export { listInstalledPackages, copiesOf, footprint, footprintChange, megabytes } from './nodeModules';
export type { InstalledPackage, Footprint, FootprintChange } from './nodeModules';
export { startPostgres } from './postgres';
export type { PostgresCluster, StartPostgresOptions } from './postgres';
export { startHostBackend, baseHostConfig } from './hostBackend';
export type { HostBackend, HostBackendOptions } from './hostBackend';
export { BackstageApi, pollUntil } from './backstageApi';
export type { ScaffolderActionInfo, TaskResult } from './backstageApi';
export { checkConfigAgainstSchemas } from './configSchema';
export type { ConfigSchemaReport, ConfigCheck } from './configSchema';
export { freePort } from './freePort';
export { Timings } from './timings';
export { makeScratchDir } from './scratchDir';
