/**
 * The sharded app's view of its StatefulSet. app.py gives every key one owning
 * pod among REPLICAS pods and reaches the owner as
 * <POD_NAME's StatefulSet>-<ordinal>.<SERVICE_NAME>.<namespace>; those values
 * must describe the pods that really exist, in every overlay.
 */
import { Finding } from '../types';
import { asArray, isRecord } from '../util';
import { containers, finding, kindIs, podTemplates } from './k8s';
import type { Rule } from './rules';

type EnvVar = { name?: unknown; value?: unknown; valueFrom?: any };

export const appShardingEnv: Rule = {
  name: 'app-sharding-env',
  title:
    "the app's REPLICAS equals the StatefulSet's replicas, POD_NAME comes from the pod's name and SERVICE_NAME is its headless Service",
  why: 'Each key is owned by one of REPLICAS pods: a REPLICAS above the pods that exist sends keys to pods that are not there, one below leaves pods owning nothing, and a wrong pod or Service name forwards requests to the wrong address.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects).filter(x => kindIs(x.owner, 'StatefulSet'))) {
      const sts = t.owner;
      const at = (field: string, message: string) => finding(ctx, sts, field, message);
      const replicas = sts.spec?.replicas ?? 1;
      for (const c of containers(t, { includeInit: false })) {
        const env = asArray(c.container.env).filter(isRecord) as EnvVar[];
        const index = (name: string) => env.findIndex(e => e.name === name);
        const r = index('REPLICAS');
        if (r < 0) continue; // not the sharded app
        const field = (i: number, rest: string) => `${c.path}.env[${i}].${rest}`;
        const value = env[r].value;
        if (typeof value !== 'string' || !/^[1-9][0-9]*$/.test(value))
          out.push(
            at(field(r, 'value'), `REPLICAS must be a literal whole number, is ${JSON.stringify(value ?? null)}`),
          );
        else if (Number(value) !== replicas)
          out.push(
            at(
              field(r, 'value'),
              `REPLICAS is ${value} but spec.replicas is ${JSON.stringify(replicas)}: change both together (README, "Changing the number of replicas")`,
            ),
          );
        const p = index('POD_NAME');
        if (p < 0)
          out.push(at(`${c.path}.env`, 'sets REPLICAS but not POD_NAME (from the downward API, metadata.name)'));
        else if (env[p].valueFrom?.fieldRef?.fieldPath !== 'metadata.name')
          out.push(at(field(p, 'valueFrom'), 'POD_NAME must come from the downward API (fieldRef: metadata.name)'));
        const s = index('SERVICE_NAME');
        if (s >= 0 && env[s].value !== sts.spec?.serviceName)
          out.push(
            at(
              field(s, 'value'),
              `SERVICE_NAME is ${JSON.stringify(env[s].value ?? null)} but spec.serviceName is ${JSON.stringify(sts.spec?.serviceName ?? null)}`,
            ),
          );
      }
    }
    return out;
  },
};
