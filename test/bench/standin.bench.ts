/**
 * What the GitHub stand-in itself costs per request (so the push benchmark's
 * figures can be read against it): a keep-alive GET through plain http and
 * through @octokit/rest. Prints figures; asserts nothing.
 *
 *   npx tsx test/bench/standin.bench.ts
 */
import http from 'node:http';
import { Octokit } from '@octokit/rest';
import { DEFAULT_TOKEN, startGithubStandin } from '../github-standin';

async function main() {
  const t0 = performance.now();
  const gh = await startGithubStandin({ orgs: ['acme'] });
  const firstStartMs = performance.now() - t0;
  const t1 = performance.now();
  const second = await startGithubStandin();
  const secondStartMs = performance.now() - t1;
  await second.close();
  const octokit = new Octokit({ baseUrl: gh.apiBaseUrl, auth: DEFAULT_TOKEN });
  await octokit.rest.repos.createInOrg({ org: 'acme', name: 'svc-meta', auto_init: true });

  const agent = new http.Agent({ keepAlive: true });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(
          `${gh.apiBaseUrl}/repos/acme/svc-meta`,
          { agent, headers: { authorization: `token ${DEFAULT_TOKEN}` } },
          res => {
            res.resume();
            res.on('end', () => resolve());
          },
        )
        .on('error', reject);
    });
  for (let i = 0; i < 20; i++) await get(); // warm-up (lazy validators, JIT)
  const n = 300;
  let t = performance.now();
  for (let i = 0; i < n; i++) await get();
  const rawMs = (performance.now() - t) / n;
  t = performance.now();
  for (let i = 0; i < 100; i++) await octokit.rest.repos.get({ owner: 'acme', repo: 'svc-meta' });
  const octoMs = (performance.now() - t) / 100;
  agent.destroy();
  await gh.close();

  console.log(`github-standin: first start ${firstStartMs.toFixed(0)} ms, second start ${secondStartMs.toFixed(0)} ms`);
  console.log(
    `github-standin: GET /repos/{owner}/{repo} ${rawMs.toFixed(2)} ms/request (keep-alive http), ${octoMs.toFixed(2)} ms via @octokit/rest`,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
