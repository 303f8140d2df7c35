import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction, getRepoSourceDirectory } from '@backstage/plugin-scaffolder-node';
import { readFingerprintedFiles } from '../workspace/fingerprint';
import { lostWorkspaceAdvice, readTaskRecoverySettings } from '../workspace/taskRecovery';

export const WORKSPACE_FINGERPRINT_ACTION_ID = 'goldenpath:workspace:fingerprint';

export type WorkspaceFingerprintActionOptions = {
  /** The backend's config, to name its task recovery settings in errors. */
  config?: Config;
};

/**
 * Records what the fetch step rendered (the git tree SHA of the workspace) as a step output,
 * which Backstage keeps with the task in its database. A later step on another replica can then
 * tell a workspace restored by task recovery from one that was lost: the push refuses a workspace
 * that does not hash to this tree instead of publishing it.
 */
export function createWorkspaceFingerprintAction(options: WorkspaceFingerprintActionOptions = {}) {
  const recovery = readTaskRecoverySettings(options.config);
  return createTemplateAction({
    id: WORKSPACE_FINGERPRINT_ACTION_ID,
    description:
      'Records the git tree SHA of the rendered workspace (or a sourcePath below it), so that goldenpath:github:push can refuse a workspace that task recovery did not restore. Fails on an empty workspace.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Fingerprint the skeleton right after rendering it, and have the push check it',
        example: [
          'steps:',
          '  - id: fetch',
          '    action: fetch:template',
          '    input:',
          '      url: ./skeleton',
          '  - id: fingerprint',
          '    name: Fingerprint the rendered files',
          '    action: goldenpath:workspace:fingerprint',
          '  - id: push',
          '    action: goldenpath:github:push',
          '    input:',
          '      repoUrl: ${{ parameters.repoUrl }}',
          '      expectedTreeSha: ${{ steps.fingerprint.output.treeSha }}',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe('Folder below the workspace to fingerprint, as the push will read it (default: the workspace)'),
      },
      output: {
        treeSha: z => z.string().describe('Git tree SHA of the files, as one commit of them would hold them'),
        fileCount: z => z.number().describe('Number of files'),
      },
    },
    async handler(ctx) {
      const sourceDir = getRepoSourceDirectory(ctx.workspacePath, ctx.input.sourcePath);
      const { fingerprint } = await readFingerprintedFiles(sourceDir);
      if (fingerprint.fileCount === 0) {
        const where = ctx.input.sourcePath ? `sourcePath: ${ctx.input.sourcePath}` : 'The workspace';
        throw new InputError(
          `${where} holds no files: either the fetch step rendered nothing, or this task was resumed without its workspace. ${lostWorkspaceAdvice(recovery)}`,
        );
      }
      ctx.logger.info(`The rendered workspace holds ${fingerprint.fileCount} files, tree ${fingerprint.treeSha}`);
      ctx.output('treeSha', fingerprint.treeSha);
      ctx.output('fileCount', fingerprint.fileCount);
    },
  });
}
