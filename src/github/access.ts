import { InputError } from '@backstage/errors';

/**
 * Who gets access to a new repository, as publish:github's `access` and `collaborators` say it.
 * Pure: parsing and checking only; the grants are made by RepositorySetup.
 */
export type Grant =
  | { kind: 'team'; org: string; slug: string; permission: string; field: string }
  | { kind: 'user'; login: string; permission: string; field: string };

export type CollaboratorInput = { access: string; user?: string; team?: string; username?: string };

/** GitHub's repository roles; organisations may add custom role names too. */
export const REPOSITORY_ROLES = ['pull', 'triage', 'push', 'maintain', 'admin'] as const;
const CUSTOM_ROLE = /^[A-Za-z0-9][A-Za-z0-9 _-]{0,99}$/;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const TEAM_SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const ENTITY_REF = /^([A-Za-z]+):(?:[^/]+\/)?[^/]+$/;

/** `group:default/platform-team` → `platform-team`, as publish:github's entityRefToName does. */
export function entityRefToName(ref: string): string {
  return ref.replace(/^.*[:/]/g, '');
}

/**
 * `access`: one admin besides the owner, either `org/team-slug` (a team of the owning organisation)
 * or a user login, as in publish:github; or an entity reference (group:default/team, user:default/login).
 * The owner itself, or nothing, grants nothing.
 */
export function parseAccess(access: string | undefined, owner: string): Grant | undefined {
  if (!access || access.toLowerCase() === owner.toLowerCase()) return undefined;
  // an entity reference (the OwnerPicker's value) works too: group:default/x is the team x, user:default/y the user y
  const ref = ENTITY_REF.exec(access);
  if (ref) {
    const name = entityRefToName(access);
    const kind = ref[1].toLowerCase();
    if (kind !== 'group' && kind !== 'user') {
      throw new InputError(
        `access: "${access}" is an entity reference of kind ${ref[1]}; only groups and users get access`,
      );
    }
    return parseAccess(kind === 'group' ? `${owner}/${name}` : name, owner);
  }
  const slash = access.indexOf('/');
  if (slash >= 0) {
    const org = access.slice(0, slash);
    const slug = access.slice(slash + 1);
    if (org.toLowerCase() !== owner.toLowerCase()) {
      throw new InputError(
        `access: "${access}" names a team of ${org}, but the repository belongs to ${owner}; teams can only be granted repositories of their own organisation`,
      );
    }
    if (!TEAM_SLUG.test(slug)) throw new InputError(`access: "${slug}" is not a GitHub team slug`);
    return { kind: 'team', org: owner, slug: slug.toLowerCase(), permission: 'admin', field: 'access' };
  }
  const login = entityRefToName(access);
  if (!LOGIN.test(login)) throw new InputError(`access: "${access}" is not a GitHub user login or org/team`);
  return { kind: 'user', login, permission: 'admin', field: 'access' };
}

/** `collaborators`: `[{ user | team, access }]`, entity references allowed (their name is used). */
export function parseCollaborators(collaborators: CollaboratorInput[] | undefined, owner: string): Grant[] {
  return (collaborators ?? []).map((entry, index) => {
    const field = `collaborators[${index}]`;
    const permission = entry.access;
    if (!permission || !(REPOSITORY_ROLES.includes(permission as any) || CUSTOM_ROLE.test(permission))) {
      throw new InputError(
        `${field}.access: "${permission ?? ''}" is not a repository role (${REPOSITORY_ROLES.join(', ')} or a custom role name)`,
      );
    }
    const team = entry.team;
    const user = entry.user ?? entry.username;
    if ((team === undefined) === (user === undefined)) {
      throw new InputError(`${field}: give exactly one of user or team`);
    }
    if (team !== undefined) {
      const slug = entityRefToName(team);
      if (!TEAM_SLUG.test(slug)) throw new InputError(`${field}.team: "${team}" is not a GitHub team slug`);
      return { kind: 'team', org: owner, slug: slug.toLowerCase(), permission, field };
    }
    const login = entityRefToName(user!);
    if (!LOGIN.test(login)) throw new InputError(`${field}.user: "${user}" is not a GitHub user login`);
    return { kind: 'user', login, permission, field };
  });
}

/** A short name for logs and errors: `team acme/platform-team` or `user octocat`. */
export function describeGrant(grant: Grant): string {
  return grant.kind === 'team' ? `team ${grant.org}/${grant.slug}` : `user ${grant.login}`;
}
