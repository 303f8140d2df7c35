/**
 * The generated app as StatefulSet pods on loopback, for the replica tests:
 * a fixed data folder and port per ordinal (the pod's volume and DNS name),
 * started with a chosen REPLICAS as the StatefulSet would set it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  AppProcess,
  findPython,
  freePorts,
  HttpAnswer,
  request,
  startApp,
  stopAll,
  waitReady,
  within,
} from '../../cli/src/verify/appProcess';

export type LocalPod = { ordinal: number; name: string; port: number; dataDir: string; proc?: AppProcess };

export class LocalPods {
  private constructor(
    readonly python: string,
    readonly dir: string,
    readonly pods: LocalPod[],
    readonly started: AppProcess[] = [],
  ) {}

  /** `max` pods' worth of ports and folders under `root`, for the app in `dir`. */
  static async create(dir: string, root: string, max: number): Promise<LocalPods> {
    const python = await findPython();
    if (!python) throw new Error('python3 is not on PATH');
    const ports = await freePorts(max);
    const pods = ports.map((port, ordinal) => {
      const dataDir = path.join(root, `data-kv-${ordinal}`);
      fs.mkdirSync(dataDir, { recursive: true });
      return { ordinal, name: `kv-${ordinal}`, port, dataDir };
    });
    return new LocalPods(python, dir, pods);
  }

  env(replicas: number, running: number): Record<string, string> {
    return {
      REPLICAS: String(replicas),
      PEER_ADDRESSES: this.pods
        .slice(0, running)
        .map(p => `127.0.0.1:${p.port}`)
        .join(','),
      PEER_TIMEOUT_SECONDS: '2',
    };
  }

  /** Stops every running pod (SIGTERM, as a rollout does), then runs pods 0..running-1 with REPLICAS=replicas. */
  async run(replicas: number, running: number): Promise<LocalPod[]> {
    await this.stop();
    const live = this.pods.slice(0, running);
    await Promise.all(live.map(pod => this.start(pod, replicas, running)));
    return live;
  }

  /** Starts one pod (already stopped) as the StatefulSet would with REPLICAS=replicas and `running` pods. */
  async start(pod: LocalPod, replicas: number, running: number): Promise<void> {
    pod.proc = startApp({
      python: this.python,
      dir: this.dir,
      dataDir: pod.dataDir,
      port: pod.port,
      env: { ...this.env(replicas, running), POD_NAME: pod.name },
      started: this.started,
    });
    const problem = await waitReady(pod.proc, Date.now() + 60_000);
    if (problem) throw new Error(`${pod.name}: ${problem}\n${pod.proc.output()}`);
  }

  async stop(): Promise<void> {
    for (const pod of this.pods) await this.stopOne(pod);
  }

  /** SIGTERM, as Kubernetes stops a pod; waits until it is gone. */
  async stopOne(pod: LocalPod): Promise<void> {
    if (!pod.proc) return;
    pod.proc.child.kill('SIGTERM');
    if ((await within(pod.proc.exited, 10_000)) === 'timeout') throw new Error(`${pod.name} ignored SIGTERM`);
    pod.proc = undefined;
  }

  async destroy(): Promise<void> {
    await stopAll(this.started);
  }

  call(pod: LocalPod, method: string, key: string, body?: string): Promise<HttpAnswer> {
    return request(pod.port, method, `/kv/${key}`, Date.now() + 10_000, body);
  }

  /** Ordinals of the pods whose folder holds a file with exactly this content. */
  holders(content: string): number[] {
    const wanted = Buffer.from(content);
    const holds = (dir: string): boolean =>
      fs.readdirSync(dir, { withFileTypes: true }).some(e => {
        const full = path.join(dir, e.name);
        return e.isDirectory() ? holds(full) : fs.readFileSync(full).equals(wanted);
      });
    return this.pods.filter(p => holds(p.dataDir)).map(p => p.ordinal);
  }

  /** `python3 app.py status` as `kubectl exec` into `pod` would run it. */
  status(pod: LocalPod, replicas: number, running: number): Promise<{ code: number | null; output: string }> {
    return new Promise(resolve => {
      const child = spawn(this.python, ['app.py', 'status'], {
        cwd: this.dir,
        env: {
          ...process.env,
          ...this.env(replicas, running),
          POD_NAME: pod.name,
          DATA_DIR: pod.dataDir,
          PORT: String(pod.port),
        },
      });
      let output = '';
      child.stdout.on('data', d => (output += d));
      child.stderr.on('data', d => (output += d));
      child.on('exit', code => resolve({ code, output }));
    });
  }

  /** Polls `status` until every pod reports settled (exit 0). */
  async waitSettled(replicas: number, running: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const { code, output } = await this.status(this.pods[0], replicas, running);
      if (code === 0) return;
      last = output;
      await new Promise(r => setTimeout(r, 300));
    }
    throw new Error(`not settled after ${timeoutMs} ms:\n${last}`);
  }
}
