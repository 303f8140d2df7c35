/**
 * Who is calling: a user token (classic PAT), a GitHub App (JWT signed with the app's private
 * key) or an app installation (short-lived `ghs_` token minted by the stand-in).
 * Tokens are only ever held here; nothing else keeps or records them.
 */
import crypto from 'crypto';
import { HttpError } from './errors';
import { Account, StandinState, Viewer } from './state';
import { AppSpec, Permission, TokenSpec } from './types';

export interface InstallationRecord {
  id: number;
  app: AppRecord;
  account: Account;
  repositorySelection: 'all' | 'selected';
  repositories: string[]; // lower-case names, for 'selected'
  permissions: Record<string, 'read' | 'write'>;
  suspended: boolean;
  createdAt: string;
}

export interface AppRecord {
  id: number;
  slug: string;
  publicKey: crypto.KeyObject;
  bot: Account;
  owner: Account;
  installations: InstallationRecord[];
}

export type Caller =
  | { kind: 'none' }
  | { kind: 'user'; viewer: Viewer; scopes: string[] }
  | { kind: 'installation'; viewer: Viewer; installation: InstallationRecord }
  | { kind: 'app'; app: AppRecord };

export const DEFAULT_INSTALLATION_PERMISSIONS: Record<string, 'read' | 'write'> = {
  administration: 'write',
  contents: 'write',
  metadata: 'read',
  workflows: 'write',
};

const JWT_ERROR = 'A JSON web token could not be decoded';

export class Credentials {
  private readonly users = new Map<string, { login: string; scopes: string[]; permission: Permission }>();
  private readonly installationTokens = new Map<string, { installation: InstallationRecord; expiresAt: number }>();
  readonly apps: AppRecord[] = [];

  constructor(private readonly state: StandinState) {}

  addUserToken(token: string, spec: TokenSpec): void {
    this.users.set(token, {
      login: spec.login,
      scopes: spec.scopes ?? ['repo', 'workflow'],
      permission: spec.permission ?? 'admin',
    });
    this.state.addAccount(spec.login, 'User');
  }

  /** Whether `login` is one of the users the stand-in issued tokens to (members of every organisation). */
  isTokenUser(login: string): boolean {
    return [...this.users.values()].some(u => u.login.toLowerCase() === login.toLowerCase());
  }

  firstUserLogin(): string | undefined {
    return [...this.users.values()][0]?.login;
  }

  addApp(spec: AppSpec): void {
    const slug = spec.slug ?? `standin-app-${spec.appId}`;
    const app: AppRecord = {
      id: spec.appId,
      slug,
      publicKey: crypto.createPublicKey(spec.privateKey),
      bot: this.state.addAccount(`${slug}[bot]`, 'Bot'),
      owner: this.state.account(spec.installations[0]?.account ?? '') ?? this.state.addAccount(`${slug}-owner`, 'User'),
      installations: [],
    };
    for (const i of spec.installations) {
      const account = this.state.account(i.account);
      if (!account) throw new Error(`github-standin: app ${spec.appId} is installed on unknown account ${i.account}`);
      app.installations.push({
        id: i.id ?? this.state.id(),
        app,
        account,
        repositorySelection: i.repositorySelection ?? 'all',
        repositories: (i.repositories ?? []).map(r => r.toLowerCase()),
        permissions: i.permissions ?? DEFAULT_INSTALLATION_PERMISSIONS,
        suspended: !!i.suspended,
        createdAt: '2024-01-01T00:00:00Z',
      });
    }
    this.apps.push(app);
  }

  findInstallation(id: number): InstallationRecord | undefined {
    return this.apps.flatMap(a => a.installations).find(i => i.id === id);
  }

  mintInstallationToken(installation: InstallationRecord): { token: string; expiresAt: Date } {
    const token = `ghs_${crypto.randomBytes(18).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + 60 * 60 * 1000); // GitHub: one hour
    this.installationTokens.set(token, { installation, expiresAt: expiresAt.getTime() });
    return { token, expiresAt };
  }

  /** Parses the Authorization header. Throws 401 for credentials GitHub would reject outright. */
  identify(header: string | undefined): Caller {
    if (header === undefined) return { kind: 'none' };
    const m = /^(token|bearer)\s+(\S+)\s*$/i.exec(header);
    const basic = /^basic\s+(\S+)$/i.exec(header);
    // Basic auth with the token as password also works on GitHub
    const token = m ? m[2] : basic ? Buffer.from(basic[1], 'base64').toString().split(':').slice(1).join(':') : '';

    const user = this.users.get(token);
    if (user) {
      const account = this.state.account(user.login)!;
      return {
        kind: 'user',
        scopes: user.scopes,
        viewer: { account, scopes: user.scopes, permission: user.permission },
      };
    }
    const inst = this.installationTokens.get(token);
    if (inst) {
      if (inst.expiresAt <= Date.now()) throw new HttpError(401, 'Bad credentials');
      const { installation } = inst;
      return {
        kind: 'installation',
        installation,
        viewer: { account: installation.app.bot, scopes: [], permission: 'write', installation },
      };
    }
    if (token.split('.').length === 3 && m?.[1].toLowerCase() === 'bearer')
      return { kind: 'app', app: this.verifyJwt(token) };
    throw new HttpError(401, 'Bad credentials');
  }

  /** RS256 JWT as @octokit/auth-app makes it: iss = app id, iat/exp at most 10 minutes apart. */
  private verifyJwt(jwt: string): AppRecord {
    const [h, p, sig] = jwt.split('.');
    let header: { alg?: string };
    let payload: { iss?: string | number; iat?: number; exp?: number };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString());
      payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    } catch {
      throw new HttpError(401, JWT_ERROR);
    }
    const app = this.apps.find(a => String(a.id) === String(payload.iss));
    if (!app || header.alg !== 'RS256') throw new HttpError(401, JWT_ERROR);
    if (!crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), app.publicKey, Buffer.from(sig, 'base64url'))) {
      throw new HttpError(401, JWT_ERROR);
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number' || payload.exp <= now || payload.exp - (payload.iat ?? now) > 600 + 60) {
      throw new HttpError(
        401,
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      );
    }
    if (typeof payload.iat !== 'number' || payload.iat > now + 60) {
      throw new HttpError(
        401,
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
      );
    }
    return app;
  }
}
