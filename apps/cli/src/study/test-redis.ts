// A real Redis for the queue's tests: Debian's redis-server (installed by .ci/run) started on a
// free loopback port in a temporary directory, never saving to disk, and stopped after; with
// TLS, on a certificate for 127.0.0.1 signed by a throwaway CA (made with openssl).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestRedis {
  /** redis://[:password@]127.0.0.1:PORT, or rediss:// with TLS */
  readonly url: string;
  readonly port: number;
  /** with TLS: the CA certificate a client must trust (NODE_EXTRA_CA_CERTS) */
  readonly caFile?: string;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A CA and a server certificate for 127.0.0.1 in `dir`: ca.pem, server.pem, server.key. */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=bvae test CA");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "san.ext");
}

/** Starts redis-server; `password` makes it require AUTH, `tls` makes it speak TLS only. */
export async function startRedis(options: { password?: string; tls?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "bvae-redis-"));
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no"];
  if (options.password) args.push("--requirepass", options.password);
  if (options.tls) {
    makeCertificates(dir);
    args.push("--port", "0", "--tls-port", String(port), "--tls-cert-file", join(dir, "server.pem"), "--tls-key-file", join(dir, "server.key"),
      "--tls-ca-cert-file", join(dir, "ca.pem"), "--tls-auth-clients", "no");
  }
  const child: ChildProcess = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${log}`)), 10_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start redis-server (${e.message}); install it: apt-get install redis-server`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${log}`));
    });
    child.stdout!.on("data", (d) => {
      log += d;
      if (log.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on("data", (d) => void (log += d));
  });
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : "";
  return {
    url: `${options.tls ? "rediss" : "redis"}://${auth}127.0.0.1:${port}`,
    port,
    ...(options.tls ? { caFile: join(dir, "ca.pem") } : {}),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
