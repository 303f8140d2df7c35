import { Config } from '@backstage/config';

/**
 * The scaffolder's task recovery settings, read as @backstage/plugin-scaffolder-backend 4.x reads
 * them (taskRecoveryHelper.isTaskRecoveryEnabled, WorkspaceService.resolveWorkspaceProvider),
 * older EXPERIMENTAL_ names included.
 */
export type TaskRecoverySettings = {
  /** Stale `processing` tasks are reopened and resumed after their last completed step. */
  enabled: boolean;
  /** Name of the provider that saves and restores a task's workspace; none: a resumed task starts on an empty one. */
  workspaceProvider?: string;
};

export function readTaskRecoverySettings(config?: Config): TaskRecoverySettings {
  const enabled =
    config?.getOptionalBoolean('scaffolder.taskRecovery.enabled') ??
    config?.getOptionalBoolean('scaffolder.EXPERIMENTAL_recoverTasks') ??
    false;
  const legacySerialization = config?.getOptionalBoolean('scaffolder.EXPERIMENTAL_workspaceSerialization') ?? false;
  const workspaceProvider =
    config?.getOptionalString('scaffolder.taskRecovery.workspaceProvider') ??
    (legacySerialization
      ? (config?.getOptionalString('scaffolder.EXPERIMENTAL_workspaceSerializationProvider') ?? 'database')
      : undefined);
  return { enabled, workspaceProvider };
}

/** Said once at start-up when recovery is on and nothing restores a resumed task's workspace. */
export function recoveryWithoutWorkspaceWarning(settings: TaskRecoverySettings): string | undefined {
  if (!settings.enabled || settings.workspaceProvider) return undefined;
  return (
    'scaffolder.taskRecovery.enabled is true but no scaffolder.taskRecovery.workspaceProvider is configured: ' +
    'a task resumed on another replica (or after a restart) skips the steps it completed, fetch:template included, ' +
    'and runs the rest on an EMPTY workspace. The golden path refuses to push such a workspace, so those tasks fail. ' +
    'Configure a workspace provider (for example `database` with @backstage/plugin-scaffolder-backend-module-workspace-database).'
  );
}

/**
 * Why a workspace may have lost what the fetch step rendered, and what the operator can do,
 * for the error of a step that finds it missing.
 */
export function lostWorkspaceAdvice(settings: TaskRecoverySettings): string {
  const cause = !settings.enabled
    ? 'Was the task resumed by scaffolder task recovery, or did a step change the workspace after it was fingerprinted?'
    : settings.workspaceProvider
      ? `This backend resumes tasks with scaffolder.taskRecovery.workspaceProvider "${settings.workspaceProvider}", which did not restore this task's workspace.`
      : 'This backend resumes tasks (scaffolder.taskRecovery.enabled) without a workspace provider: a resumed task skips the steps it completed, fetch:template included, and runs the rest on an EMPTY workspace.';
  return (
    `${cause} Configure scaffolder.taskRecovery.workspaceProvider (for example \`database\` with ` +
    '@backstage/plugin-scaffolder-backend-module-workspace-database) so that a recovered task gets its workspace back, ' +
    'or run the template again from its first step (Start Over) after removing what this task created.'
  );
}
