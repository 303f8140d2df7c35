/**
 * Git's smart HTTP protocol for the stand-in's bare repositories, so that real git clients
 * (the git binary, isomorphic-git as Backstage's publish:github uses it) can clone and push:
 *
 *   GET  /{owner}/{repo}.git/info/refs?service=git-upload-pack|git-receive-pack
 *   POST /{owner}/{repo}.git/git-upload-pack
 *   POST /{owner}/{repo}.git/git-receive-pack
 *
 * The protocol itself is git's own `git http-backend` (a CGI program), run once per request.
 * What GitHub adds in front of it is modelled here: HTTP Basic credentials (any user name, the
 * token as password), 401 with a `WWW-Authenticate` challenge when they are missing (clients
 * then retry with credentials), 404 for repositories the caller may not see, 403 for a push
 * without write access, and the first branch pushed to an empty repository becoming its
 * default branch.
 */
import { spawn } from 'child_process';
import { Caller } from './auth';
import { HttpError } from './errors';
import { RepoRecord, StandinState } from './state';

/** `/{owner}/{repo}(.git)/{info/refs|git-upload-pack|git-receive-pack}` → its parts. */
const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export interface GitHttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  caller: Caller;
}

export interface GitHttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function isGitHttpPath(pathname: string): boolean {
  return GIT_PATH.test(pathname);
}

function plain(status: number, message: string, headers: Record<string, string> = {}): GitHttpAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: Buffer.from(message) };
}

const CHALLENGE = { 'www-authenticate': 'Basic realm="GitHub"' };

export async function handleGitHttp(state: StandinState, req: GitHttpRequest): Promise<GitHttpAnswer> {
  const [, owner, name, action] = GIT_PATH.exec(req.path)!;
  const service = action === 'info/refs' ? req.query.get('service') : action;
  if (service !== 'git-upload-pack' && service !== 'git-receive-pack') {
    // the "dumb" protocol: GitHub does not serve it
    return plain(403, 'Please upgrade your git client.\n');
  }
  const push = service === 'git-receive-pack';
  if (req.caller.kind === 'none' || req.caller.kind === 'app') {
    // GitHub asks for credentials before saying whether a private repository exists
    return plain(
      401,
      'Invalid username or token. Password authentication is not supported for Git operations.\n',
      CHALLENGE,
    );
  }
  const viewer = req.caller.viewer;
  let repo: RepoRecord;
  try {
    repo = push ? state.repoForWrite(viewer, owner, name) : state.repoForRead(viewer, owner, name);
  } catch (error) {
    if (error instanceof HttpError && error.status === 403) {
      return plain(403, `Permission to ${owner}/${name}.git denied to ${viewer.account.login}.\n`);
    }
    return plain(404, 'Repository not found.\n');
  }

  const wasEmpty = repo.git.isEmpty();
  const answer = await runHttpBackend(state.root, repo, req, action, viewer.account.login);
  if (push && answer.status === 200) {
    repo.pushedAt = state.nowIso();
    if (wasEmpty && !repo.git.readRef(`refs/heads/${repo.defaultBranch}`)) {
      // the first branch pushed to an empty repository becomes its default branch
      const first = repo.git.listRefs('refs/heads/')[0];
      if (first) {
        repo.defaultBranch = first.name.slice('refs/heads/'.length);
        repo.git.setHead(repo.defaultBranch);
      }
    }
  }
  return answer;
}

/** Runs `git http-backend` as CGI (RFC 3875) and turns its output into an HTTP answer. */
function runHttpBackend(
  root: string,
  repo: RepoRecord,
  req: GitHttpRequest,
  action: string,
  login: string,
): Promise<GitHttpAnswer> {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
  };
  const relativeDir = repo.git.dir.slice(root.length); // '/<owner>/<name>.git'
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_HTTP_MAX_REQUEST_BUFFER: String(64 * 1024 * 1024),
    // with REMOTE_USER set, http-backend enables receive-pack (http.receivepack defaults to "on")
    REMOTE_USER: login,
    REMOTE_ADDR: '127.0.0.1',
    REQUEST_METHOD: req.method,
    PATH_INFO: `${relativeDir}/${action}`,
    QUERY_STRING: req.query.toString(),
    CONTENT_TYPE: header('content-type'),
    CONTENT_LENGTH: String(req.body.length),
    HTTP_CONTENT_ENCODING: header('content-encoding'),
    GIT_PROTOCOL: header('git-protocol'),
    // never prompt, never read the machine's own git configuration
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', c => out.push(c));
    child.stderr.on('data', c => err.push(c));
    child.on('error', reject);
    child.on('close', code => {
      const raw = Buffer.concat(out);
      const split = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
      if (split < 0) {
        return resolve(plain(500, `git http-backend failed (exit ${code}): ${Buffer.concat(err).toString()}`));
      }
      const gap = raw[split] === 13 ? 4 : 2;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of raw.subarray(0, split).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const key = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (key === 'status') status = Number(value.split(' ')[0]) || 500;
        else headers[key] = value;
      }
      resolve({ status, headers, body: raw.subarray(split + gap) });
    });
    child.stdin.on('error', () => {}); // http-backend may answer before reading everything
    child.stdin.end(req.body);
  });
}
