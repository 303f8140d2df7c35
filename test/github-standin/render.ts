/**
 * JSON shapes as GitHub returns them (checked against the documented response schemas in the
 * tests). URLs point back at the stand-in: html/clone URLs at `web`, API URLs at `api`.
 */
import { CommitData, GitStore, Ident } from './gitObjects';
import { Account, RepoRecord, StandinState, TeamRecord, Viewer, noreplyEmail } from './state';

export interface Urls {
  web: string; // http://127.0.0.1:PORT
  api: string; // http://127.0.0.1:PORT/api/v3
  host: string; // 127.0.0.1:PORT
}

export function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

export function renderSimpleUser(a: Account, u: Urls) {
  const url = `${u.api}/users/${a.login}`;
  return {
    login: a.login,
    id: a.id,
    node_id: a.nodeId,
    avatar_url: `${u.web}/avatars/u/${a.id}`,
    gravatar_id: '',
    url,
    html_url: `${u.web}/${a.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: a.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

function countRepos(state: StandinState, a: Account, priv: boolean): number {
  return state.allRepos().filter(r => r.owner.id === a.id && r.private === priv).length;
}

export function renderPublicUser(state: StandinState, a: Account, u: Urls) {
  return {
    ...renderSimpleUser(a, u),
    name: a.name,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: countRepos(state, a, false),
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: a.createdAt,
    updated_at: a.createdAt,
  };
}

export function renderPrivateUser(state: StandinState, a: Account, u: Urls) {
  const owned = countRepos(state, a, true);
  return {
    ...renderPublicUser(state, a, u),
    user_view_type: 'private',
    notification_email: null,
    private_gists: 0,
    total_private_repos: owned,
    owned_private_repos: owned,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'pro', space: 976562499, private_repos: 9999, collaborators: 0 },
  };
}

export function renderOrg(state: StandinState, a: Account, u: Urls) {
  const url = `${u.api}/orgs/${a.login}`;
  return {
    login: a.login,
    id: a.id,
    node_id: a.nodeId,
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `${u.web}/avatars/u/${a.id}`,
    description: null,
    // the schema types these as plain strings (not nullable): unset ones are left out
    name: a.name ?? a.login,
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: countRepos(state, a, false),
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `${u.web}/${a.login}`,
    created_at: a.createdAt,
    updated_at: a.createdAt,
    archived_at: null,
    type: 'Organization',
    total_private_repos: countRepos(state, a, true),
    owned_private_repos: countRepos(state, a, true),
    members_can_create_repositories: true,
    default_repository_permission: 'read',
  };
}

export function repoPermissions(viewer: Viewer, repo: RepoRecord) {
  const inst = viewer.installation;
  if (inst) {
    const admin = inst.permissions.administration === 'write';
    const push = inst.permissions.contents === 'write';
    return { admin, maintain: admin, push, triage: push, pull: true };
  }
  const isAdmin =
    viewer.permission === 'admin' && (repo.owner.type === 'Organization' || repo.owner.id === viewer.account.id);
  const push = viewer.permission !== 'read';
  return { admin: isAdmin, maintain: isAdmin, push, triage: push, pull: true };
}

export function renderRepo(repo: RepoRecord, viewer: Viewer | undefined, u: Urls) {
  const full = `${repo.owner.login}/${repo.name}`;
  const api = `${u.api}/repos/${full}`;
  const html = `${u.web}/${full}`;
  const s = repo.settings;
  return {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: full,
    private: repo.private,
    owner: renderSimpleUser(repo.owner, u),
    html_url: html,
    description: repo.description,
    fork: false,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    pushed_at: repo.pushedAt,
    git_url: `git://${u.host}/${full}.git`,
    ssh_url: `git@${u.host.replace(/:\d+$/, '')}:${full}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: repo.homepage,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: s.has_issues,
    has_projects: s.has_projects,
    has_downloads: s.has_downloads,
    has_wiki: s.has_wiki,
    has_pages: false,
    has_discussions: s.has_discussions,
    forks_count: 0,
    mirror_url: null,
    archived: repo.archived,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: repo.isTemplate,
    web_commit_signoff_required: s.web_commit_signoff_required,
    topics: [...repo.topics],
    visibility: repo.visibility,
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: repo.defaultBranch,
    ...(viewer ? { permissions: repoPermissions(viewer, repo) } : {}),
    allow_squash_merge: s.allow_squash_merge,
    allow_merge_commit: s.allow_merge_commit,
    allow_rebase_merge: s.allow_rebase_merge,
    allow_auto_merge: s.allow_auto_merge,
    delete_branch_on_merge: s.delete_branch_on_merge,
    allow_update_branch: s.allow_update_branch,
    use_squash_pr_title_as_default: s.use_squash_pr_title_as_default,
    squash_merge_commit_title: s.squash_merge_commit_title,
    squash_merge_commit_message: s.squash_merge_commit_message,
    merge_commit_title: s.merge_commit_title,
    merge_commit_message: s.merge_commit_message,
    ...(repo.owner.type === 'Organization'
      ? {
          organization: renderSimpleUser(repo.owner, u),
          custom_properties: Object.fromEntries(repo.extras.customProperties),
        }
      : {}),
    network_count: 0,
    subscribers_count: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// git data

export function isoDate(i: Ident): string {
  // GitHub reports commit dates in UTC
  return new Date(i.time * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function person(i: Ident) {
  return { name: i.name, email: i.email, date: isoDate(i) };
}

export const unsigned = { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null };

export function repoApi(repo: RepoRecord, u: Urls): string {
  return `${u.api}/repos/${repo.owner.login}/${repo.name}`;
}

export function repoHtml(repo: RepoRecord, u: Urls): string {
  return `${u.web}/${repo.owner.login}/${repo.name}`;
}

export function gitNodeId(kind: string, sha: string): string {
  return `${kind}_kwDO${Buffer.from(sha.slice(0, 12), 'hex').toString('base64url')}`;
}

export function renderGitCommit(repo: RepoRecord, sha: string, c: CommitData, u: Urls) {
  const api = repoApi(repo, u);
  return {
    sha,
    node_id: gitNodeId('C', sha),
    url: `${api}/git/commits/${sha}`,
    html_url: `${repoHtml(repo, u)}/commit/${sha}`,
    author: person(c.author),
    committer: person(c.committer),
    tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
    message: c.message,
    parents: c.parents.map(p => ({
      sha: p,
      url: `${api}/git/commits/${p}`,
      html_url: `${repoHtml(repo, u)}/commit/${p}`,
    })),
    verification: unsigned,
  };
}

export function renderRef(repo: RepoRecord, name: string, sha: string, u: Urls) {
  const api = repoApi(repo, u);
  const type = repo.git.objectType(sha) ?? 'commit';
  return {
    ref: name,
    node_id: `REF_kwDO${Buffer.from(name).toString('base64url')}`,
    url: `${api}/git/${name}`,
    object: { sha, type, url: `${api}/git/${type}s/${sha}` },
  };
}

/** Maps a commit identity to a user when the e-mail is one GitHub would attribute. */
function userForIdent(state: StandinState, i: Ident, u: Urls) {
  const m = /^(\d+)\+([^@]+)@users\.noreply\.github\.com$/.exec(i.email);
  const account = m ? state.account(m[2]) : undefined;
  return account && noreplyEmail(account) === i.email ? renderSimpleUser(account, u) : null;
}

/** The /repos/{owner}/{repo}/commits item shape. */
export function renderCommitListItem(state: StandinState, repo: RepoRecord, sha: string, c: CommitData, u: Urls) {
  const api = repoApi(repo, u);
  return {
    sha,
    node_id: gitNodeId('C', sha),
    commit: {
      author: person(c.author),
      committer: person(c.committer),
      message: c.message,
      tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      url: `${api}/git/commits/${sha}`,
      comment_count: 0,
      verification: unsigned,
    },
    url: `${api}/commits/${sha}`,
    html_url: `${repoHtml(repo, u)}/commit/${sha}`,
    comments_url: `${api}/commits/${sha}/comments`,
    author: userForIdent(state, c.author, u),
    committer: userForIdent(state, c.committer, u),
    parents: c.parents.map(p => ({ sha: p, url: `${api}/commits/${p}`, html_url: `${repoHtml(repo, u)}/commit/${p}` })),
  };
}

/** GitHub wraps base64 at 60 characters per line (blobs and contents). */
export function wrappedBase64(buf: Buffer): string {
  const b64 = buf.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 60) out += `${b64.slice(i, i + 60)}\n`;
  return out;
}

export function contentLinks(repo: RepoRecord, path: string, ref: string, sha: string, kind: 'blob' | 'tree', u: Urls) {
  const api = repoApi(repo, u);
  const self = `${api}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
  const git = `${api}/git/${kind === 'blob' ? 'blobs' : 'trees'}/${sha}`;
  const html = `${repoHtml(repo, u)}/${kind}/${ref}/${encodePath(path)}`;
  return { url: self, git_url: git, html_url: html, _links: { self, git, html } };
}

export function downloadUrl(repo: RepoRecord, path: string, ref: string, u: Urls): string {
  // GitHub Enterprise form (raw.githubusercontent.com on github.com)
  return `${repoHtml(repo, u)}/raw/${ref}/${encodePath(path)}`;
}

export function blobSize(git: GitStore, sha: string): number {
  return git.readObject(sha)?.content.length ?? 0;
}

// ---------------------------------------------------------------------------------------------
// teams, invitations, settings

export function renderTeam(t: TeamRecord, permission: string | undefined, u: Urls) {
  const url = `${u.api}/organizations/${t.org.id}/team/${t.id}`;
  return {
    id: t.id,
    node_id: t.nodeId,
    url,
    html_url: `${u.web}/orgs/${t.org.login}/teams/${t.slug}`,
    name: t.name,
    slug: t.slug,
    description: null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: permission ?? 'pull',
    members_url: `${url}/members{/member}`,
    repositories_url: `${url}/repos`,
    type: 'organization',
    organization_id: t.org.id,
    parent: null,
  };
}

export function renderTeamFull(state: StandinState, t: TeamRecord, u: Urls) {
  const { permission: _p, parent: _parent, ...team } = renderTeam(t, 'pull', u);
  const repos = state.allRepos().filter(r => r.extras.teams.has(t.slug)).length;
  return {
    ...team,
    permission: 'pull',
    parent: null,
    members_count: 0,
    repos_count: repos,
    created_at: t.org.createdAt,
    updated_at: t.org.createdAt,
    organization: renderOrg(state, t.org, u),
  };
}

export function renderMinimalRepo(repo: RepoRecord, u: Urls) {
  const { permissions: _p, organization: _o, ...full } = renderRepo(repo, undefined, u) as Record<string, unknown>;
  return full;
}

export function renderInvitation(
  repo: RepoRecord,
  invitation: { id: number; account: Account; permission: string; createdAt: string },
  inviter: Account,
  u: Urls,
) {
  return {
    id: invitation.id,
    node_id: `RI_kwDO${Buffer.from(String(invitation.id)).toString('base64url')}`,
    repository: renderMinimalRepo(repo, u),
    invitee: renderSimpleUser(invitation.account, u),
    inviter: renderSimpleUser(inviter, u),
    // GitHub reports the invitation's permission in its older names
    permissions:
      ({ pull: 'read', push: 'write' } as Record<string, string>)[invitation.permission] ?? invitation.permission,
    created_at: invitation.createdAt,
    expired: false,
    url: `${u.api}/user/repository_invitations/${invitation.id}`,
    html_url: `${repoHtml(repo, u)}/invitations`,
  };
}

/** GET/PUT …/branches/{branch}/protection: what PUT stored, in the response's shape. */
export function renderProtection(
  state: StandinState,
  repo: RepoRecord,
  branch: string,
  stored: { body: Record<string, any>; requiredSignatures: boolean },
  u: Urls,
) {
  const url = `${repoApi(repo, u)}/branches/${encodeURIComponent(branch)}/protection`;
  const b = stored.body;
  const users = (logins: string[] = []) =>
    logins.map(l => state.account(l)).flatMap(a => (a ? [renderSimpleUser(a, u)] : []));
  const teams = (slugs: string[] = []) =>
    slugs.map(s => state.team(repo.owner.login, s)).flatMap(t => (t ? [renderTeam(t, undefined, u)] : []));
  const enabled = (value: unknown) => ({ enabled: value === true });
  const checks = b.required_status_checks;
  const reviews = b.required_pull_request_reviews;
  const restrictions = b.restrictions;
  return {
    url,
    ...(checks
      ? {
          required_status_checks: {
            url: `${url}/required_status_checks`,
            strict: checks.strict,
            contexts: checks.contexts ?? [],
            checks: (checks.checks ?? checks.contexts.map((context: string) => ({ context, app_id: null }))).map(
              (c: { context: string; app_id?: number | null }) => ({ context: c.context, app_id: c.app_id ?? null }),
            ),
            contexts_url: `${url}/required_status_checks/contexts`,
          },
        }
      : {}),
    ...(reviews
      ? {
          required_pull_request_reviews: {
            url: `${url}/required_pull_request_reviews`,
            dismiss_stale_reviews: !!reviews.dismiss_stale_reviews,
            require_code_owner_reviews: !!reviews.require_code_owner_reviews,
            required_approving_review_count: reviews.required_approving_review_count ?? 1,
            require_last_push_approval: !!reviews.require_last_push_approval,
            ...(reviews.bypass_pull_request_allowances
              ? {
                  bypass_pull_request_allowances: {
                    users: users(reviews.bypass_pull_request_allowances.users),
                    teams: teams(reviews.bypass_pull_request_allowances.teams),
                    apps: [],
                  },
                }
              : {}),
          },
        }
      : {}),
    required_signatures: { url: `${url}/required_signatures`, enabled: stored.requiredSignatures },
    enforce_admins: { url: `${url}/enforce_admins`, enabled: b.enforce_admins === true },
    required_linear_history: enabled(b.required_linear_history),
    allow_force_pushes: enabled(b.allow_force_pushes),
    allow_deletions: enabled(b.allow_deletions),
    block_creations: enabled(b.block_creations),
    required_conversation_resolution: enabled(b.required_conversation_resolution),
    lock_branch: enabled(b.lock_branch),
    allow_fork_syncing: enabled(b.allow_fork_syncing),
    ...(restrictions
      ? {
          restrictions: {
            url: `${url}/restrictions`,
            users_url: `${url}/restrictions/users`,
            teams_url: `${url}/restrictions/teams`,
            apps_url: `${url}/restrictions/apps`,
            users: users(restrictions.users),
            teams: teams(restrictions.teams),
            apps: [],
          },
        }
      : {}),
  };
}
